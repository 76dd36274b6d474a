package wal

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// injectFS is newInjectFS(base, inj), except that files returned by
// ReuseForWrite (recycled Pebble WALs), which errorfs leaves unwrapped, are
// wrapped too.
type injectFS struct {
	*errorfs.FS
	inj errorfs.Injector
}

func newInjectFS(base vfs.FS, inj errorfs.Injector) *injectFS {
	return &injectFS{FS: errorfs.Wrap(base, inj), inj: inj}
}

// ReuseForWrite renames and reopens through errorfs: the same effect as the
// default implementations of ReuseForWrite.
func (e *injectFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	if err := e.inj.MaybeError(errorfs.Op{Kind: errorfs.OpReuseForWrite, Path: oldname}); err != nil {
		return nil, err
	}
	if err := e.FS.Rename(oldname, newname); err != nil {
		return nil, err
	}
	return e.FS.OpenReadWrite(newname, c)
}

// switchInjector fails the chosen kinds of operation on files whose path
// contains match, while on.
type switchInjector struct {
	on    atomic.Bool
	match string
	kinds map[errorfs.OpKind]bool
	hits  atomic.Int64
}

func (s *switchInjector) String() string { return "switchInjector" }

func (s *switchInjector) MaybeError(op errorfs.Op) error {
	if !s.on.Load() || !s.kinds[op.Kind] || !strings.Contains(op.Path, s.match) {
		return nil
	}
	s.hits.Add(1)
	return errorfs.ErrInjected
}

var (
	syncKinds  = map[errorfs.OpKind]bool{errorfs.OpFileSync: true, errorfs.OpFileSyncData: true}
	writeKinds = map[errorfs.OpKind]bool{errorfs.OpFileWrite: true, errorfs.OpFileWriteAt: true}
)

// An I/O error on the WAL fails the Append that needed it, calls OnFatal
// once, and fails everything after it; nothing panics and nothing that was
// acked is lost.
func TestWALErrorPoisons(t *testing.T) {
	cases := []struct {
		name   string
		kinds  map[errorfs.OpKind]bool
		noSync bool
	}{
		{"sync", syncKinds, false},
		{"write", writeKinds, false},
		{"write nosync", writeKinds, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := vfs.NewMem()
			inj := &switchInjector{match: ".log", kinds: c.kinds}
			fr := newFatalRecorder()
			o := testOptions(t, newInjectFS(mem, inj))
			o.OnFatal = fr.onFatal
			o.NoSync = c.noSync
			l := mustOpen(t, o)
			var batches [][]Entry
			z := int64(0)
			for b := range 6 {
				batch := makeBatch(z+1, 10, 200, uint32(b))
				batches = append(batches, batch)
				z += 10
				if b == 5 {
					inj.on.Store(true)
				}
				err := l.Append(batch)
				if b < 5 && err != nil {
					t.Fatal(err)
				}
				if b == 5 && err == nil {
					t.Fatal("Append returned nil although the WAL failed")
				}
				if b == 5 && !errors.Is(err, errorfs.ErrInjected) {
					t.Fatalf("Append error %v does not wrap the I/O error", err)
				}
			}
			if inj.hits.Load() == 0 {
				t.Fatal("no error was injected")
			}
			calls := fr.calls()
			if len(calls) != 1 || !errors.Is(calls[0], errorfs.ErrInjected) {
				t.Fatalf("OnFatal calls: %v", calls)
			}
			inj.on.Store(false) // later calls must fail without new I/O errors
			if err := l.Append(makeBatch(z+1, 1, 20, 9)); err == nil {
				t.Fatal("Append succeeded after a WAL error")
			}
			if err := l.SetMeta("k", []byte("v")); err == nil {
				t.Fatal("SetMeta succeeded after a WAL error")
			}
			if err := l.TruncateAfter(5); err == nil {
				t.Fatal("TruncateAfter succeeded after a WAL error")
			}
			if err := l.Purge(3); err == nil {
				t.Fatal("Purge succeeded after a WAL error")
			}
			if _, _, err := l.Meta("k"); err == nil {
				t.Fatal("Meta succeeded after a WAL error")
			}
			if l.LastZxid() != 50 {
				t.Fatalf("LastZxid %d includes the failed batch", l.LastZxid())
			}
			if err := l.Close(); err == nil {
				t.Fatal("Close returned nil after a WAL error")
			}
			if n := len(fr.calls()); n != 1 {
				t.Fatalf("OnFatal called %d times", n)
			}

			// Restart on the same disk: every acked batch is there, the
			// failed one is there whole or not at all.
			o.FS, o.OnFatal = mem, nil
			l2 := mustOpen(t, o)
			defer l2.Close()
			if _, err := checkRecovered(readAll(t, l2, 0), batches, 5); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A WAL sync that fails while Pebble rotates its WAL (closing the old file
// syncs it) poisons the Log like any other. Pebble must never see that
// error: it panics on it after releasing its own mutex, and the deferred
// unlock then kills the whole process with a fatal error no recover can
// catch (this test binary died that way before the guard froze the disk).
// Nothing reaches the disk after the failure, so a restart recovers every
// acked batch.
func TestWALRotationSyncErrorPoisons(t *testing.T) {
	mem := vfs.NewMem()
	inj := &switchInjector{match: ".log", kinds: syncKinds}
	fr := newFatalRecorder()
	o := testOptions(t, newInjectFS(mem, inj))
	o.OnFatal = fr.onFatal
	l := mustOpen(t, o)
	var batches [][]Entry
	for b := range 5 {
		batch := makeBatch(int64(b)*10+1, 10, 200, uint32(b))
		batches = append(batches, batch)
		if err := l.Append(batch); err != nil {
			t.Fatal(err)
		}
	}
	before, err := mem.List(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	inj.on.Store(true)
	// A flush rotates the WAL: the old one is closed (and synced) first.
	_ = l.db.Flush()
	if inj.hits.Load() == 0 {
		t.Fatal("no sync failed during the WAL rotation")
	}
	calls := fr.calls()
	if len(calls) != 1 || !errors.Is(calls[0], errorfs.ErrInjected) {
		t.Fatalf("OnFatal calls: %v", calls)
	}
	inj.on.Store(false)
	if err := l.Append(makeBatch(51, 1, 20, 9)); err == nil {
		t.Fatal("Append succeeded after the WAL rotation's sync failed")
	}
	after, err := mem.List(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(before)
	slices.Sort(after)
	if !slices.Equal(before, after) {
		t.Errorf("files changed on the frozen disk:\nbefore %v\nafter  %v", before, after)
	}
	if err := l.Close(); err == nil {
		t.Fatal("Close returned nil after a WAL error")
	}
	o.FS, o.OnFatal = mem, nil
	l2 := mustOpen(t, o)
	defer l2.Close()
	if _, err := checkRecovered(readAll(t, l2, 0), batches, 5); err != nil {
		t.Fatal(err)
	}
}

// An I/O error in a background flush (sstable or MANIFEST sync) poisons the
// Log from Pebble's goroutine; the next Append reports it.
func TestBackgroundErrorPoisons(t *testing.T) {
	for _, match := range []string{".sst", "MANIFEST"} {
		t.Run(match, func(t *testing.T) {
			inj := &switchInjector{match: match, kinds: syncKinds}
			fr := newFatalRecorder()
			o := testOptions(t, newInjectFS(vfs.NewMem(), inj))
			o.OnFatal = fr.onFatal
			o.MemTableSize = 1 << 20
			l := mustOpen(t, o)
			inj.on.Store(true)
			z := int64(0)
			var err error
			// Fill memtables until a flush runs into the injected error.
			for b := 0; b < 10000 && err == nil; b++ {
				err = l.Append(makeBatch(z+1, 50, 1000, uint32(b)))
				z += 50
			}
			if err == nil {
				t.Fatal("no Append failed")
			}
			<-fr.ch
			if calls := fr.calls(); len(calls) != 1 || !errors.Is(calls[0], errorfs.ErrInjected) {
				t.Fatalf("OnFatal calls: %v", calls)
			}
			if err := l.Append(makeBatch(z+1, 1, 10, 0)); err == nil {
				t.Fatal("Append succeeded after a background error")
			}
			if err := l.Close(); err == nil {
				t.Fatal("Close returned nil")
			}
		})
	}
}

func TestFaultFS(t *testing.T) {
	// The hook itself: N syncs pass, then every sync fails; other
	// operations are untouched.
	fs := FaultFS(vfs.NewMem(), 3)
	f, err := fs.Create("/f", vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		err := f.Sync()
		if (i < 3) != (err == nil) {
			t.Fatalf("sync %d: %v", i, err)
		}
		if i >= 3 && !errors.Is(err, ErrInjectedSyncFailure) {
			t.Fatalf("sync %d: %v", i, err)
		}
	}
	f.Close()

	// Through a Log: Appends succeed until the budget runs out, then the
	// Log fails cleanly with OnFatal.
	fr := newFatalRecorder()
	o := testOptions(t, FaultFS(vfs.NewMem(), 40))
	o.OnFatal = fr.onFatal
	l := mustOpen(t, o)
	acked := 0
	for ; acked < 100; acked++ {
		if err = l.Append(makeBatch(int64(acked+1), 1, 100, uint32(acked))); err != nil {
			break
		}
	}
	if err == nil || !errors.Is(err, ErrInjectedSyncFailure) {
		t.Fatalf("after %d appends: %v", acked, err)
	}
	if acked == 0 {
		t.Fatal("no Append succeeded before the injected failure")
	}
	if calls := fr.calls(); len(calls) != 1 {
		t.Fatalf("OnFatal calls: %v", calls)
	}
	l.Close()
}

// countInjector counts WAL syncs reaching the filesystem.
type countInjector struct{ walSyncs atomic.Int64 }

func (c *countInjector) String() string { return "countInjector" }

func (c *countInjector) MaybeError(op errorfs.Op) error {
	if syncKinds[op.Kind] && strings.HasSuffix(op.Path, ".log") {
		c.walSyncs.Add(1)
	}
	return nil
}

// Group commit: one Append is one WAL fsync, whatever its size; with NoSync
// it is none, but SetMeta still syncs. (Pebble also syncs a WAL when it
// rotates it with the memtable; the data here stays below the first
// memtable's 256 KiB so no rotation happens.)
func TestOneFsyncPerAppend(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		cnt := &countInjector{}
		o := testOptions(t, newInjectFS(vfs.NewMem(), cnt))
		o.NoSync = noSync
		l := mustOpen(t, o)
		want := int64(1)
		if noSync {
			want = 0
		}
		z := int64(0)
		for _, n := range []int{1, 256, 1, 500} {
			before := cnt.walSyncs.Load()
			if err := l.Append(makeBatch(z+1, n, 100, 0)); err != nil {
				t.Fatal(err)
			}
			z += int64(n)
			if got := cnt.walSyncs.Load() - before; got != want {
				t.Fatalf("NoSync=%v: Append of %d entries made %d WAL syncs, want %d", noSync, n, got, want)
			}
		}
		before := cnt.walSyncs.Load()
		if err := l.SetMeta("currentEpoch", []byte{1}); err != nil {
			t.Fatal(err)
		}
		if got := cnt.walSyncs.Load() - before; got != 1 {
			t.Fatalf("NoSync=%v: SetMeta made %d WAL syncs, want 1", noSync, got)
		}
		l.Close()
	}
}

// Once Pebble's WAL writer has latched an error, a further commit panics
// inside Pebble (db.go commitWrite) with its commit mutex held. Append never
// gets there (the poison check comes first), but if a race let a commit
// through, commit must contain the panic and Close must not block on the
// mutex Pebble left locked.
func TestPebblePanicIsContained(t *testing.T) {
	inj := &switchInjector{match: ".log", kinds: writeKinds}
	fr := newFatalRecorder()
	o := testOptions(t, newInjectFS(vfs.NewMem(), inj))
	o.OnFatal = fr.onFatal
	l := mustOpen(t, o)
	if err := l.Append(makeBatch(1, 5, 100, 0)); err != nil {
		t.Fatal(err)
	}
	inj.on.Store(true)
	if err := l.Append(makeBatch(6, 5, 100, 0)); err == nil {
		t.Fatal("Append succeeded")
	}
	// Bypass Append's poison check, as a racing commit would. Records of
	// more than a 32 KiB block make the writer pick up the latched error.
	l.wmu.Lock()
	var panicked bool
	for i := 0; i < 10 && !panicked; i++ {
		b := l.db.NewBatch()
		var kb [logKeyLen]byte
		if err := b.Set(logKey(&kb, int64(100+i)), make([]byte, 40<<10), nil); err != nil {
			t.Fatal(err)
		}
		if err := l.commit(b, nil); err == nil {
			t.Fatal("commit succeeded on a failed WAL")
		}
		panicked = l.wedged.Load()
	}
	l.wmu.Unlock()
	if !panicked {
		t.Skip("Pebble did not panic on the latched error; the contained path was not exercised")
	}
	if n := len(fr.calls()); n != 1 {
		t.Fatalf("OnFatal called %d times", n)
	}
	if err := l.Close(); err == nil {
		t.Fatal("Close of a wedged log returned nil")
	}
}
