package wal

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestAppendIterateReopen(t *testing.T) {
	for _, name := range []string{"mem", "disk"} {
		t.Run(name, func(t *testing.T) {
			var o Options
			if name == "mem" {
				o = testOptions(t, vfs.NewMem())
			} else {
				o = testOptions(t, vfs.Default)
				dir := t.TempDir()
				o.Dir, o.SnapDir = dir+"/log", dir+"/snap"
			}
			l := mustOpen(t, o)
			if l.FirstZxid() != 0 || l.LastZxid() != 0 {
				t.Fatalf("empty log: first %d last %d", l.FirstZxid(), l.LastZxid())
			}
			if got := readAll(t, l, 0); len(got) != 0 {
				t.Fatalf("empty log iterated %d entries", len(got))
			}
			var want []Entry
			z := int64(1) << 32 // epoch 1, counter 0
			for b := range 20 {
				batch := makeBatch(z+1, 1+b*7, 50+b*13, uint32(b))
				if err := l.Append(batch); err != nil {
					t.Fatal(err)
				}
				want = append(want, batch...)
				z = batch[len(batch)-1].Zxid
			}
			check := func(l *Log) {
				t.Helper()
				if l.FirstZxid() != want[0].Zxid || l.LastZxid() != want[len(want)-1].Zxid {
					t.Fatalf("first %#x last %#x, want %#x %#x",
						l.FirstZxid(), l.LastZxid(), want[0].Zxid, want[len(want)-1].Zxid)
				}
				for _, after := range []int64{math.MinInt64, -1, 0, want[0].Zxid, want[17].Zxid,
					want[len(want)-2].Zxid, want[len(want)-1].Zxid, math.MaxInt64} {
					var exp []Entry
					for _, e := range want {
						if e.Zxid > after {
							exp = append(exp, e)
						}
					}
					if got := readAll(t, l, after); !equalEntries(got, exp) {
						t.Fatalf("Iterate(%#x): %d entries, want %d", after, len(got), len(exp))
					}
				}
			}
			check(l)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if err := l.Append(makeBatch(z+1, 1, 20, 0)); !errors.Is(err, ErrClosed) {
				t.Fatalf("Append after Close: %v", err)
			}
			if err := l.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			l = mustOpen(t, o)
			defer l.Close()
			check(l)
			// Appending continues after the recovered tail.
			more := makeBatch(z+1, 3, 40, 99)
			if err := l.Append(more); err != nil {
				t.Fatal(err)
			}
			want = append(want, more...)
			check(l)
		})
	}
}

func TestAppendOrderViolationPoisons(t *testing.T) {
	cases := []struct {
		name  string
		batch []Entry
	}{
		{"zero zxid", []Entry{{Zxid: 0, Data: []byte("x")}}},
		{"negative zxid", []Entry{{Zxid: -5, Data: []byte("x")}}},
		{"equal to last", []Entry{{Zxid: 10, Data: []byte("x")}}},
		{"below last", []Entry{{Zxid: 3, Data: []byte("x")}}},
		{"not increasing within batch", []Entry{{Zxid: 12, Data: []byte("x")}, {Zxid: 11, Data: []byte("y")}}},
		{"duplicate within batch", []Entry{{Zxid: 12, Data: []byte("x")}, {Zxid: 12, Data: []byte("y")}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fr := newFatalRecorder()
			o := testOptions(t, vfs.NewMem())
			o.OnFatal = fr.onFatal
			l := mustOpen(t, o)
			if err := l.Append(makeBatch(1, 10, 20, 0)); err != nil {
				t.Fatal(err)
			}
			err := l.Append(c.batch)
			if err == nil {
				t.Fatal("Append accepted an out-of-order batch")
			}
			if got := fr.calls(); len(got) != 1 {
				t.Fatalf("OnFatal called %d times", len(got))
			}
			if err2 := l.Append(makeBatch(100, 1, 20, 0)); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("later Append: %v, want %v", err2, err)
			}
			if err2 := l.SetMeta("k", []byte("v")); err2 == nil {
				t.Fatal("SetMeta succeeded on a poisoned log")
			}
			if err2 := l.Iterate(0, func(int64, []byte) error { return nil }); err2 == nil {
				t.Fatal("Iterate succeeded on a poisoned log")
			}
			if l.LastZxid() != 10 {
				t.Fatalf("LastZxid %d after rejected batch", l.LastZxid())
			}
			if !l.Metrics().Failed {
				t.Fatal("Metrics().Failed is false")
			}
			if err := l.Close(); err == nil {
				t.Fatal("Close of a poisoned log returned nil")
			}
			if got := fr.calls(); len(got) != 1 {
				t.Fatalf("OnFatal called %d times", len(got))
			}
			// Nothing was written: the reopened log ends at 10.
			o.OnFatal = nil
			l = mustOpen(t, o)
			defer l.Close()
			if l.LastZxid() != 10 || len(readAll(t, l, 0)) != 10 {
				t.Fatalf("reopened: last %d", l.LastZxid())
			}
		})
	}
}

func TestAppendEmptyBatchIsNoop(t *testing.T) {
	l := mustOpen(t, testOptions(t, vfs.NewMem()))
	defer l.Close()
	if err := l.Append(nil); err != nil {
		t.Fatal(err)
	}
	if m := l.Metrics(); m.Appends != 0 || l.LastZxid() != 0 {
		t.Fatalf("empty Append counted: %+v", m)
	}
}

func TestIterateStopsOnError(t *testing.T) {
	l := mustOpen(t, testOptions(t, vfs.NewMem()))
	defer l.Close()
	if err := l.Append(makeBatch(1, 100, 20, 0)); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	var seen []int64
	err := l.Iterate(10, func(z int64, _ []byte) error {
		seen = append(seen, z)
		if z == 15 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("Iterate returned %v, want the callback's error", err)
	}
	if len(seen) != 5 || seen[0] != 11 || seen[4] != 15 {
		t.Fatalf("saw %v", seen)
	}
}

// blockingSyncFS blocks syncs of WAL files while armed, so a test can look at
// the store between Pebble's apply and its fsync.
type blockingSyncFS struct {
	vfs.FS
	armed   atomic.Bool
	reached chan struct{}
	release chan struct{}
}

func (b *blockingSyncFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := b.FS.Create(name, c)
	if err != nil || !strings.HasSuffix(name, ".log") {
		return f, err
	}
	return &blockingSyncFile{File: f, fs: b}, nil
}

func (b *blockingSyncFS) ReuseForWrite(o, n string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := b.FS.ReuseForWrite(o, n, c)
	if err != nil {
		return f, err
	}
	return &blockingSyncFile{File: f, fs: b}, nil
}

type blockingSyncFile struct {
	vfs.File
	fs *blockingSyncFS
}

func (f *blockingSyncFile) wait() {
	if f.fs.armed.CompareAndSwap(true, false) {
		f.fs.reached <- struct{}{}
		<-f.fs.release
	}
}

func (f *blockingSyncFile) Sync() error     { f.wait(); return f.File.Sync() }
func (f *blockingSyncFile) SyncData() error { f.wait(); return f.File.SyncData() }

// appendBlockedInSync starts Append(batch) in a goroutine and returns once
// Pebble shows the batch's last entry to its own reads while the WAL fsync
// is still blocked. release unblocks the fsync (idempotent); done yields
// Append's result. Pebble's WAL writer may start the fsync before the
// committing goroutine has applied the batch to the memtable, hence the
// wait for visibility.
func appendBlockedInSync(t *testing.T, l *Log, bfs *blockingSyncFS, batch []Entry) (done <-chan error, release func()) {
	t.Helper()
	var once sync.Once
	release = func() { once.Do(func() { close(bfs.release) }) }
	bfs.armed.Store(true)
	ch := make(chan error, 1)
	go func() { ch <- l.Append(batch) }()
	<-bfs.reached
	last := batch[len(batch)-1].Zxid
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, closer, err := l.db.Get(logKeyAfter(last - 1))
		if err == nil {
			closer.Close()
			return ch, release
		}
		if time.Now().After(deadline) {
			release()
			t.Fatalf("Pebble does not show the unsynced entry %d (%v): the test no longer tests anything", last, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// Pebble makes a batch readable before its fsync returns; Iterate must not
// show it until Append has returned.
func TestIterateHidesUnsyncedBatch(t *testing.T) {
	bfs := &blockingSyncFS{FS: vfs.NewMem(), reached: make(chan struct{}), release: make(chan struct{})}
	l := mustOpen(t, testOptions(t, bfs))
	defer l.Close()
	if err := l.Append(makeBatch(1, 5, 20, 0)); err != nil {
		t.Fatal(err)
	}
	done, release := appendBlockedInSync(t, l, bfs, makeBatch(6, 5, 20, 1))
	defer release() // before the deferred Close, which waits for the Append

	// Pebble shows the unsynced batch; the Log does not.
	if got := readAll(t, l, 0); len(got) != 5 || l.LastZxid() != 5 {
		t.Fatalf("Iterate shows %d entries before the fsync returned", len(got))
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, l, 0); len(got) != 10 {
		t.Fatalf("after fsync: %d entries", len(got))
	}
}

func TestIterateConcurrentWithAppend(t *testing.T) {
	o := testOptions(t, vfs.NewMem())
	o.MemTableSize = 1 << 20 // force flushes while reading
	l := mustOpen(t, o)
	defer l.Close()
	const batches = 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				last := l.LastZxid()
				prev := int64(0)
				err := l.Iterate(0, func(z int64, d []byte) error {
					if z != prev+1 {
						return errors.New("gap or disorder in Iterate")
					}
					prev = z
					_, err := checkEntry(z, d)
					return err
				})
				if err == nil && prev < last {
					err = errors.New("Iterate ended before the LastZxid seen at its start")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	z := int64(0)
	for b := range batches {
		batch := makeBatch(z+1, 1+b%40, 100+b%900, uint32(b))
		if err := l.Append(batch); err != nil {
			t.Fatal(err)
		}
		z += int64(len(batch))
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestMeta(t *testing.T) {
	o := testOptions(t, vfs.NewMem())
	l := mustOpen(t, o)
	if _, ok, err := l.Meta("acceptedEpoch"); ok || err != nil {
		t.Fatalf("missing key: ok %v err %v", ok, err)
	}
	if err := l.SetMeta("acceptedEpoch", []byte{0, 0, 0, 7}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetMeta("currentEpoch", []byte{6}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetMeta("currentEpoch", []byte{7}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetMeta("", []byte{1}); err == nil {
		t.Fatal("empty key accepted")
	}
	if err := l.SetMeta(strings.Repeat("k", MaxMetaKeyLen+1), []byte{1}); err == nil {
		t.Fatal("overlong key accepted")
	}
	// Meta keys are not log entries.
	if err := l.Append(makeBatch(1, 3, 20, 0)); err != nil {
		t.Fatal(err)
	}
	check := func(l *Log) {
		t.Helper()
		for k, want := range map[string][]byte{"acceptedEpoch": {0, 0, 0, 7}, "currentEpoch": {7}} {
			v, ok, err := l.Meta(k)
			if err != nil || !ok || !bytes.Equal(v, want) {
				t.Fatalf("Meta(%q) = %v %v %v, want %v", k, v, ok, err, want)
			}
		}
		if got := readAll(t, l, 0); len(got) != 3 {
			t.Fatalf("log has %d entries", len(got))
		}
	}
	check(l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = mustOpen(t, o)
	defer l.Close()
	check(l)
}

func TestOpenValidatesOptions(t *testing.T) {
	fs := vfs.NewMem()
	for _, o := range []Options{
		{SnapDir: "/s", FS: fs},
		{Dir: "/d", FS: fs},
		{Dir: "/d", SnapDir: "/s", FS: fs, MemTableSize: 1000},
		{Dir: "/d", SnapDir: "/s", FS: fs, MemTableStopWritesThreshold: 1},
		{Dir: "/d", SnapDir: "/s", FS: fs, CacheSize: -1},
	} {
		if l, err := Open(o); err == nil {
			l.Close()
			t.Fatalf("Open(%+v) succeeded", o)
		}
	}
}

func TestMetrics(t *testing.T) {
	o := testOptions(t, vfs.NewMem())
	l := mustOpen(t, o)
	defer l.Close()
	for i := range 10 {
		if err := l.Append(makeBatch(int64(i*4+1), 4, 25, uint32(i))); err != nil {
			t.Fatal(err)
		}
	}
	m := l.Metrics()
	if m.Appends != 10 || m.Entries != 40 || m.Bytes != 40*25 {
		t.Fatalf("counters: %+v", m)
	}
	if m.CommitMicros.Count != 10 || m.CommitMicros.Max < m.CommitMicros.P50 || m.CommitMicros.Min < 1 {
		t.Fatalf("commit latency: %+v", m.CommitMicros)
	}
	if m.BatchEntries.Count != 10 || m.BatchEntries.Min != 4 || m.BatchEntries.Max != 4 {
		t.Fatalf("batch sizes: %+v", m.BatchEntries)
	}
	if m.FirstZxid != 1 || m.LastZxid != 40 || m.Failed {
		t.Fatalf("bounds: %+v", m)
	}
	var buf bytes.Buffer
	l.MetricsSet().WritePrometheus(&buf)
	for _, want := range []string{
		"zen_wal_appends_total 10", "zen_wal_entries_total 40", "zen_wal_bytes_total 1000",
		"zen_wal_fsync_seconds_count 10", "zen_wal_batch_entries_count 10", "zen_wal_last_zxid 40",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, buf.String())
		}
	}
}
