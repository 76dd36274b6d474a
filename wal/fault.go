package wal

import (
	"errors"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// ErrInjectedSyncFailure is the error FaultFS returns from failing syncs.
var ErrInjectedSyncFailure = errors.New("wal: injected fsync failure (FaultFS)")

// FaultFS wraps base so that the first failSyncAfter file syncs (Sync and
// SyncData, of any file or directory opened through it) succeed and every
// later one fails with ErrInjectedSyncFailure. It is a test hook for
// process-level fault tests: the server passes FaultFS(vfs.Default, n) as
// Options.FS only when built with the zenfault tag. This file is always
// compiled; calling nothing here changes nothing.
func FaultFS(base vfs.FS, failSyncAfter int) vfs.FS {
	var syncs atomic.Int64
	limit := int64(max(failSyncAfter, 0))
	return errorfs.Wrap(base, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind != errorfs.OpFileSync && op.Kind != errorfs.OpFileSyncData {
			return nil
		}
		if syncs.Add(1) > limit {
			return ErrInjectedSyncFailure
		}
		return nil
	}))
}
