package wal

import (
	"errors"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrInjectedSyncFailure is the error FaultFS returns from failing syncs.
var ErrInjectedSyncFailure = errors.New("wal: injected fsync failure (FaultFS)")

// FaultFS wraps base so that the first failSyncAfter file syncs (Sync and
// SyncData of any file or directory opened for writing through it) succeed
// and every later one fails with ErrInjectedSyncFailure. SyncTo (a
// write-back hint) is not affected.
//
// It is a test hook for process-level fault tests: the server passes
// FaultFS(vfs.Default, n) as Options.FS only when built with the zenfault
// tag. This file is always compiled; nothing changes unless FaultFS is
// called.
//
// It is its own wrapper rather than vfs/errorfs because errorfs does not
// wrap files returned by ReuseForWrite, so a recycled Pebble WAL would
// escape the injection.
func FaultFS(base vfs.FS, failSyncAfter int) vfs.FS {
	return &faultFS{FS: base, limit: int64(max(failSyncAfter, 0))}
}

type faultFS struct {
	vfs.FS
	limit int64
	syncs atomic.Int64
}

func (f *faultFS) wrap(file vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return file, err
	}
	return &faultFile{File: file, fs: f}, nil
}

func (f *faultFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return f.wrap(f.FS.Create(name, c))
}

func (f *faultFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	return f.wrap(f.FS.OpenReadWrite(name, c, opts...))
}

func (f *faultFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return f.wrap(f.FS.ReuseForWrite(oldname, newname, c))
}

func (f *faultFS) OpenDir(name string) (vfs.File, error) {
	return f.wrap(f.FS.OpenDir(name))
}

// Unwrap returns the filesystem FaultFS wraps.
func (f *faultFS) Unwrap() vfs.FS { return f.FS }

type faultFile struct {
	vfs.File
	fs *faultFS
}

// fail counts one sync and reports whether it must fail.
func (f *faultFile) fail() bool { return f.fs.syncs.Add(1) > f.fs.limit }

func (f *faultFile) Sync() error {
	if f.fail() {
		return ErrInjectedSyncFailure
	}
	return f.File.Sync()
}

func (f *faultFile) SyncData() error {
	if f.fail() {
		return ErrInjectedSyncFailure
	}
	return f.File.SyncData()
}
