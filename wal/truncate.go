package wal

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// ErrTruncateBelowPurged is returned by TruncateAfter when asked to cut the
// log below a point Purge already removed: the entries that would remain are
// gone, and the caller must resynchronize from a full snapshot instead.
var ErrTruncateBelowPurged = errors.New("wal: truncation point is below the purged part of the log")

// TruncateAfter durably removes every log entry with a zxid above zxid (Zab
// TRUNC), even with Options.NoSync. Afterwards LastZxid is the highest
// remaining zxid, or Base if none remains. zxid below Base:
// ErrTruncateBelowPurged.
//
// Snapshots with a zxid above zxid contain txns that are being discarded, so
// they are removed first (and a snapshot still being written for such a zxid
// is discarded when it finishes): after a crash at any point, no snapshot is
// ahead of the history the log keeps.
//
// A failed log write poisons the Log; a failed snapshot removal is returned
// with the log untouched.
func (l *Log) TruncateAfter(zxid int64) error {
	if zxid < 0 {
		return fmt.Errorf("wal: TruncateAfter: negative zxid %d", zxid)
	}
	if err := l.enter(); err != nil {
		return err
	}
	defer l.life.RUnlock()
	l.snap.mu.Lock()
	defer l.snap.mu.Unlock()
	l.wmu.Lock()
	defer l.wmu.Unlock()

	base := l.base.Load()
	if zxid < base {
		return fmt.Errorf("%w: %#x < %#x", ErrTruncateBelowPurged, zxid, base)
	}
	if err := l.removeSnapshotsAboveLocked(zxid); err != nil {
		return fmt.Errorf("wal: TruncateAfter: %w", err)
	}
	if zxid >= l.last.Load() {
		return nil
	}

	b := l.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(logKeyAfter(zxid), logEnd, nil); err != nil {
		return fmt.Errorf("wal: TruncateAfter: %w", err)
	}
	l.view.Lock()
	defer l.view.Unlock()
	l.forceSync.Store(true)
	err := l.commit(b, pebble.Sync)
	l.forceSync.Store(false)
	if err != nil {
		return err
	}
	last, found, err := l.floorEntry(base, zxid)
	if err != nil {
		return l.fail(fmt.Errorf("wal: TruncateAfter: %w", err))
	}
	if !found {
		l.first.Store(0)
		last = base
	}
	l.last.Store(last)
	l.m.setBounds(l.first.Load(), last)
	l.o.Logger("wal: truncated log after %#x; last zxid now %#x", zxid, last)
	return nil
}
