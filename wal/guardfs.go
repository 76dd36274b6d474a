package wal

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// guardFS is the vfs.FS Pebble runs on. It does two things:
//
//  1. Any error from a file Write, WriteAt, Sync, SyncData or SyncTo poisons
//     the Log (OnFatal runs first, in the goroutine that saw the error) before
//     the error is handed back to Pebble. Pebble's own reaction to such an
//     error is Logger.Fatalf or panic(err) depending on where it surfaces;
//     with the poison already set, Append reports the failure whatever
//     Pebble does next, and the server's log line names the real I/O error.
//  2. With Options.NoSync, syncs of WAL files (*.log) are skipped, so each
//     Append costs a write(2) but no fsync. A WAL file whose sync was skipped
//     is really synced when Pebble closes it (WAL rotation, Close), so only
//     the newest WAL can have an unsynced tail after a machine crash. While
//     force is set (SetMeta, TruncateAfter) WAL syncs are real: epochs and
//     truncations are durable even with forceSync=no, as in ZooKeeper.
//
// Reads, creates, renames and removes pass through untouched: their errors
// are returned to Pebble, which reports them through the commit path or
// Fatalf when they matter.
type guardFS struct {
	vfs.FS
	fail   func(error) error
	noSync bool         // skip syncs of *.log files...
	force  *atomic.Bool // ...except while this is set
}

var _ vfs.FS = (*guardFS)(nil)

func (g *guardFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return f, err
	}
	return &guardFile{
		File:     f,
		name:     name,
		fail:     g.fail,
		force:    g.force,
		skipSync: g.noSync && strings.HasSuffix(name, ".log"),
	}, nil
}

func (g *guardFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := g.FS.Create(name, category)
	return g.wrap(name, f, err)
}

func (g *guardFS) OpenReadWrite(
	name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption,
) (vfs.File, error) {
	f, err := g.FS.OpenReadWrite(name, category, opts...)
	return g.wrap(name, f, err)
}

func (g *guardFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := g.FS.ReuseForWrite(oldname, newname, category)
	return g.wrap(newname, f, err)
}

func (g *guardFS) OpenDir(name string) (vfs.File, error) {
	f, err := g.FS.OpenDir(name)
	return g.wrap(name, f, err)
}

// Unwrap returns the filesystem guardFS wraps.
func (g *guardFS) Unwrap() vfs.FS { return g.FS }

// guardFile is a file opened for writing through guardFS.
type guardFile struct {
	vfs.File
	name     string
	fail     func(error) error
	force    *atomic.Bool
	skipSync bool
	dirty    atomic.Bool // a sync was skipped since the last real one
}

// skip reports whether a sync of this file is to be skipped (and records
// that it was).
func (f *guardFile) skip() bool {
	if !f.skipSync || f.force.Load() {
		return false
	}
	f.dirty.Store(true)
	return true
}

func (f *guardFile) check(op string, err error) error {
	if err == nil {
		return nil
	}
	_ = f.fail(fmt.Errorf("wal: %s %s: %w", op, f.name, err))
	return err
}

func (f *guardFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	return n, f.check("write", err)
}

func (f *guardFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	return n, f.check("write", err)
}

func (f *guardFile) Sync() error {
	if f.skip() {
		return nil
	}
	return f.check("fsync", f.File.Sync())
}

func (f *guardFile) SyncData() error {
	if f.skip() {
		return nil
	}
	return f.check("fdatasync", f.File.SyncData())
}

func (f *guardFile) SyncTo(length int64) (bool, error) {
	if f.skip() {
		return false, nil
	}
	full, err := f.File.SyncTo(length)
	return full, f.check("sync_file_range", err)
}

// Close really syncs a WAL file whose syncs were skipped (NoSync), then
// closes it.
func (f *guardFile) Close() error {
	if f.dirty.Load() {
		if err := f.check("fsync", f.File.Sync()); err != nil {
			_ = f.File.Close()
			return err
		}
	}
	return f.File.Close()
}
