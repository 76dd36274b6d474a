package wal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Reset below, inside and above the entries and below the current base:
// the log is empty and starts after the new base, Append continues from it,
// snapshots are kept, and all of it survives reopening.
func TestReset(t *testing.T) {
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	m := logModel{}
	b := makeBatch(1, 100, 60, 0)
	if err := l.Append(b); err != nil {
		t.Fatal(err)
	}
	m.add(b)
	writeSnap(t, l, 30, []byte("s30"))
	writeSnap(t, l, 60, []byte("s60"))

	next := uint32(1)
	step := func(base int64) {
		t.Helper()
		if err := l.Reset(base); err != nil {
			t.Fatal(err)
		}
		m = logModel{base: base}
		checkModel(t, l, m)
		b := makeBatch(base+1, 7, 60, next)
		next++
		if err := l.Append(b); err != nil {
			t.Fatal(err)
		}
		m.add(b)
		checkModel(t, l, m)
		l.Close()
		l = mustOpen(t, o)
		checkModel(t, l, m)
		if got := l.Snapshots(); !slices.Equal(got, []int64{60, 30}) {
			t.Fatalf("after Reset(%d): Snapshots() = %v", base, got)
		}
	}
	step(50)        // inside the entries
	step(1 << 32)   // above them
	step(1<<32 + 7) // exactly the last entry
	step(10)        // below the current base
	step(10)        // the same point again

	// TruncateAfter respects the new base.
	if err := l.TruncateAfter(9); !errors.Is(err, ErrTruncateBelowPurged) {
		t.Fatalf("TruncateAfter below the reset point: %v", err)
	}
	if err := l.TruncateAfter(10); err != nil {
		t.Fatal(err)
	}
	m.zxids = nil
	checkModel(t, l, m)
	if got := l.Snapshots(); len(got) != 0 { // TruncateAfter(10) removed 30 and 60
		t.Fatalf("Snapshots() = %v", got)
	}
	l.Close()
}

// Append at or below the reset point is refused (and, as any bad Append,
// poisons the Log); after reopening the log accepts the next zxid.
func TestAppendAtResetPointRefused(t *testing.T) {
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	fr := newFatalRecorder()
	o.OnFatal = fr.onFatal
	l := mustOpen(t, o)
	if err := l.Append(makeBatch(1, 10, 20, 0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Reset(100); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(makeBatch(100, 1, 20, 1)); err == nil {
		t.Fatal("Append at the reset point accepted")
	}
	if len(fr.calls()) != 1 {
		t.Fatal("OnFatal not called")
	}
	l.Close()
	o.OnFatal = nil
	l = mustOpen(t, o)
	defer l.Close()
	checkModel(t, l, logModel{base: 100})
	if err := l.Append(makeBatch(101, 3, 20, 1)); err != nil {
		t.Fatal(err)
	}
	checkModel(t, l, logModel{base: 100, zxids: []int64{101, 102, 103}})
}

// Purge never lowers the base and never raises it above LastZxid, so a
// snapshot ahead of the log after a Reset does not make Append refuse the
// entries leading up to it.
func TestPurgeAfterReset(t *testing.T) {
	fs := vfs.NewMem()
	l := mustOpen(t, testOptions(t, fs))
	defer l.Close()
	m := logModel{}
	b := makeBatch(1, 100, 20, 0)
	if err := l.Append(b); err != nil {
		t.Fatal(err)
	}
	m.add(b)
	for _, z := range []int64{70, 80, 90} {
		writeSnap(t, l, z, []byte("s"))
	}
	if err := l.Purge(3); err != nil {
		t.Fatal(err)
	}
	m.base = 70
	m.zxids = m.zxids[70:]
	checkModel(t, l, m)

	// Reset above the oldest retained snapshot: Purge leaves the base.
	if err := l.Reset(85); err != nil {
		t.Fatal(err)
	}
	m = logModel{base: 85}
	if err := l.Purge(3); err != nil {
		t.Fatal(err)
	}
	checkModel(t, l, m)

	// Reset below every snapshot: Purge may drop the entries up to
	// LastZxid, but the base stops there.
	if err := l.Reset(10); err != nil {
		t.Fatal(err)
	}
	m = logModel{base: 10}
	if err := l.Purge(3); err != nil {
		t.Fatal(err)
	}
	checkModel(t, l, m)
	b = makeBatch(11, 20, 20, 1)
	if err := l.Append(b); err != nil {
		t.Fatal(err)
	}
	if err := l.Purge(3); err != nil {
		t.Fatal(err)
	}
	m = logModel{base: 30}
	checkModel(t, l, m)
	b = makeBatch(31, 50, 20, 2) // up to and past the snapshots
	if err := l.Append(b); err != nil {
		t.Fatal(err)
	}
	m.add(b)
	checkModel(t, l, m)
	if err := l.Purge(3); err != nil {
		t.Fatal(err)
	}
	m.base = 70
	m.zxids = slices.DeleteFunc(m.zxids, func(z int64) bool { return z <= 70 })
	checkModel(t, l, m)
	if got := l.Snapshots(); !slices.Equal(got, []int64{90, 80, 70}) {
		t.Fatalf("Snapshots() = %v", got)
	}
}

// crashHookFS calls hook before and after every write and sync of a Pebble
// WAL file while armed.
type crashHookFS struct {
	vfs.FS
	armed atomic.Bool
	hook  func(point string)
}

func (c *crashHookFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || !strings.HasSuffix(name, ".log") {
		return f, err
	}
	return &crashHookFile{File: f, fs: c}, nil
}

func (c *crashHookFS) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := c.FS.Create(name, cat)
	return c.wrap(name, f, err)
}

func (c *crashHookFS) ReuseForWrite(o, n string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := c.FS.ReuseForWrite(o, n, cat)
	return c.wrap(n, f, err)
}

func (c *crashHookFS) OpenReadWrite(name string, cat vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := c.FS.OpenReadWrite(name, cat, opts...)
	return c.wrap(name, f, err)
}

type crashHookFile struct {
	vfs.File
	fs *crashHookFS
}

func (f *crashHookFile) around(op string, do func() error) error {
	if !f.fs.armed.Load() {
		return do()
	}
	f.fs.hook("before " + op)
	err := do()
	f.fs.hook("after " + op)
	return err
}

func (f *crashHookFile) Write(p []byte) (n int, err error) {
	err = f.around("write", func() error { n, err = f.File.Write(p); return err })
	return n, err
}

func (f *crashHookFile) WriteAt(p []byte, off int64) (n int, err error) {
	err = f.around("writeat", func() error { n, err = f.File.WriteAt(p, off); return err })
	return n, err
}

func (f *crashHookFile) Sync() error     { return f.around("sync", f.File.Sync) }
func (f *crashHookFile) SyncData() error { return f.around("syncdata", f.File.SyncData) }

// A crash at any point of a Reset (before, between and after every write
// and sync of the WAL, keeping any share of the unsynced bytes) leaves the
// old log or the reset one, never a mix; once Reset returned, the reset log
// survives a crash that keeps only synced data, with or without NoSync; and
// entries appended after the reset survive too.
func TestResetCrash(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		t.Run(fmt.Sprint("nosync=", noSync), func(t *testing.T) {
			mem := vfs.NewCrashableMem()
			hfs := &crashHookFS{FS: mem}
			o := testOptions(t, hfs)
			o.NoSync = noSync
			l := mustOpen(t, o)
			defer l.Close()
			old := logModel{}
			for i := range 10 {
				b := makeBatch(int64(i*20+1), 20, 200, uint32(i))
				if err := l.Append(b); err != nil {
					t.Fatal(err)
				}
				old.add(b)
			}
			writeSnap(t, l, 100, []byte("s"))
			for _, z := range []int64{20, 40} {
				writeSnap(t, l, z, []byte("s"))
			}
			if err := l.Purge(3); err != nil {
				t.Fatal(err)
			}
			old.base = 20
			old.zxids = old.zxids[20:]
			if err := l.SetMeta("epoch", []byte{1}); err != nil { // syncs the WAL, even with NoSync
				t.Fatal(err)
			}
			checkModel(t, l, old)

			const base = 1<<32 + 5
			rng := rand.New(rand.NewPCG(7, 11))
			var mu sync.Mutex
			var images []*vfs.MemFS
			var points []string
			hfs.hook = func(point string) {
				mu.Lock()
				defer mu.Unlock()
				for _, pct := range []int{0, rng.IntN(100), 100} {
					images = append(images, mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rng}))
					points = append(points, fmt.Sprintf("%s, %d%% unsynced kept", point, pct))
				}
			}
			hfs.armed.Store(true)
			if err := l.Reset(base); err != nil {
				t.Fatal(err)
			}
			hfs.armed.Store(false)
			if len(images) == 0 {
				t.Fatal("Reset wrote nothing to the WAL")
			}
			reset := logModel{base: base}
			nOld, nNew := 0, 0
			for i, img := range images {
				oc := o
				oc.FS = img
				lc := mustOpen(t, oc)
				errOld, errNew := diffModel(lc, old), diffModel(lc, reset)
				switch {
				case errOld == nil:
					nOld++
				case errNew == nil:
					nNew++
				default:
					t.Fatalf("crash %s: neither the old log (%v) nor the reset one (%v)", points[i], errOld, errNew)
				}
				// Either way the log accepts appends after its last zxid.
				if err := lc.Append(makeBatch(lc.LastZxid()+1, 2, 10, 99)); err != nil {
					t.Fatal(err)
				}
				lc.Close()
			}
			t.Logf("%d crash images during Reset: %d old, %d reset", len(images), nOld, nNew)
			if nOld == 0 || nNew == 0 {
				t.Fatalf("crash images during Reset: %d old, %d reset; want both", nOld, nNew)
			}

			// Reset returned: durable.
			o2 := o
			o2.FS = mem.CrashClone(vfs.CrashCloneCfg{})
			lc := mustOpen(t, o2)
			checkModel(t, lc, reset)
			lc.Close()

			b := makeBatch(base+1, 5, 50, 20)
			if err := l.Append(b); err != nil {
				t.Fatal(err)
			}
			reset.add(b)
			if noSync {
				o2.FS = mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rng})
			} else {
				o2.FS = mem.CrashClone(vfs.CrashCloneCfg{})
			}
			lc = mustOpen(t, o2)
			defer lc.Close()
			checkModel(t, lc, reset)
			if got := lc.Snapshots(); !slices.Equal(got, []int64{100, 40, 20}) {
				t.Fatalf("Reset lost snapshots: %v", got)
			}
		})
	}
}
