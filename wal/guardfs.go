package wal

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// guardFS is the vfs.FS Pebble runs on. It does two things:
//
//  1. Any error from a file Write, WriteAt, Sync, SyncData or SyncTo poisons
//     the Log, and OnFatal runs in the goroutine that saw the error before
//     Pebble hears of it. In a server OnFatal ends the process there, so the
//     log line names the real I/O error and Pebble never acts on it.
//     Where OnFatal returns (in-process tests, embedders), the disk is
//     frozen from then on, as if the process had stopped: the failed call
//     and every later write, sync, create, rename and remove through the
//     guard report success and change nothing on disk (files created from
//     then on live in memory). Pebble therefore never sees the error either:
//     it would panic on it in places that cannot be recovered from (a WAL
//     rotation whose close-sync fails panics with Pebble's mutex released,
//     and the deferred unlock then kills the process with a fatal error).
//     Append learns of the failure from the poison, never from Pebble.
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
	frozen func() bool  // the Log is poisoned: change nothing on disk
	noSync bool         // skip syncs of *.log files...
	force  *atomic.Bool // ...except while this is set
	mem    vfs.FS       // where files created while frozen live
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
		frozen:   g.frozen,
		force:    g.force,
		skipSync: g.noSync && strings.HasSuffix(name, ".log"),
	}, nil
}

func (g *guardFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	if g.frozen() {
		return g.memCreate(name, category)
	}
	f, err := g.FS.Create(name, category)
	return g.wrap(name, f, err)
}

func (g *guardFS) OpenReadWrite(
	name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption,
) (vfs.File, error) {
	if g.frozen() {
		return g.memCreate(name, category)
	}
	f, err := g.FS.OpenReadWrite(name, category, opts...)
	return g.wrap(name, f, err)
}

func (g *guardFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	if g.frozen() {
		return g.memCreate(newname, category)
	}
	f, err := g.FS.ReuseForWrite(oldname, newname, category)
	return g.wrap(newname, f, err)
}

// memCreate creates name in memory: the disk is frozen.
func (g *guardFS) memCreate(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	if err := g.mem.MkdirAll(g.mem.PathDir(name), 0o755); err != nil {
		return nil, err
	}
	return g.mem.Create(name, category)
}

// Open and Stat find the files created while frozen first.
func (g *guardFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	if g.frozen() {
		if f, err := g.mem.Open(name, opts...); err == nil {
			return f, nil
		}
	}
	return g.FS.Open(name, opts...)
}

func (g *guardFS) Stat(name string) (vfs.FileInfo, error) {
	if g.frozen() {
		if fi, err := g.mem.Stat(name); err == nil {
			return fi, nil
		}
	}
	return g.FS.Stat(name)
}

func (g *guardFS) Link(oldname, newname string) error {
	if g.frozen() {
		return nil
	}
	return g.FS.Link(oldname, newname)
}

func (g *guardFS) Remove(name string) error {
	if g.frozen() {
		return nil
	}
	return g.FS.Remove(name)
}

func (g *guardFS) RemoveAll(name string) error {
	if g.frozen() {
		return nil
	}
	return g.FS.RemoveAll(name)
}

func (g *guardFS) Rename(oldname, newname string) error {
	if g.frozen() {
		return nil
	}
	return g.FS.Rename(oldname, newname)
}

func (g *guardFS) MkdirAll(dir string, perm os.FileMode) error {
	if g.frozen() {
		return nil
	}
	return g.FS.MkdirAll(dir, perm)
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
	frozen   func() bool
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

// check poisons the Log on err. Either way, once the Log is poisoned the
// call reports success: the disk is frozen (see guardFS).
func (f *guardFile) check(op string, err error) error {
	if err != nil {
		_ = f.fail(fmt.Errorf("wal: %s %s: %w", op, f.name, err))
	}
	if f.frozen() {
		return nil
	}
	return err
}

func (f *guardFile) Write(p []byte) (int, error) {
	if f.frozen() {
		return len(p), nil
	}
	n, err := f.File.Write(p)
	if err = f.check("write", err); err == nil {
		n = len(p)
	}
	return n, err
}

func (f *guardFile) WriteAt(p []byte, off int64) (int, error) {
	if f.frozen() {
		return len(p), nil
	}
	n, err := f.File.WriteAt(p, off)
	if err = f.check("write", err); err == nil {
		n = len(p)
	}
	return n, err
}

func (f *guardFile) Sync() error {
	if f.frozen() || f.skip() {
		return nil
	}
	return f.check("fsync", f.File.Sync())
}

func (f *guardFile) SyncData() error {
	if f.frozen() || f.skip() {
		return nil
	}
	return f.check("fdatasync", f.File.SyncData())
}

func (f *guardFile) SyncTo(length int64) (bool, error) {
	if f.frozen() {
		return true, nil
	}
	if f.skip() {
		return false, nil
	}
	full, err := f.File.SyncTo(length)
	return full, f.check("sync_file_range", err)
}

// Close really syncs a WAL file whose syncs were skipped (NoSync), then
// closes it.
func (f *guardFile) Close() error {
	if f.dirty.Load() && !f.frozen() {
		if err := f.check("fsync", f.File.Sync()); err != nil {
			_ = f.File.Close()
			return err
		}
	}
	return f.File.Close()
}
