package wal

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// logModel is what a Log must hold: its base and its entries' zxids
// (ascending), each entry's data being entryData(zxid, ...).
type logModel struct {
	base  int64
	zxids []int64
}

func (m logModel) last() int64 {
	if len(m.zxids) == 0 {
		return m.base
	}
	return m.zxids[len(m.zxids)-1]
}

func (m logModel) first() int64 {
	if len(m.zxids) == 0 {
		return 0
	}
	return m.zxids[0]
}

func (m *logModel) add(batch []Entry) {
	for _, e := range batch {
		m.zxids = append(m.zxids, e.Zxid)
	}
}

// floor is Floor over the model (ok false: ErrCompacted).
func (m logModel) floor(z int64) (int64, bool) {
	if z < m.base {
		return 0, false
	}
	f := m.base
	for _, x := range m.zxids {
		if x <= z {
			f = x
		}
	}
	return f, true
}

// entries is Entries over the model (ok false: ErrCompacted).
func (m logModel) entries(after int64, limit int) ([]int64, bool) {
	if after < m.base {
		return nil, false
	}
	var out []int64
	for _, x := range m.zxids {
		if x > after && len(out) < limit {
			out = append(out, x)
		}
	}
	return out, true
}

// checkModel compares l's bounds, Iterate, Floor and Entries with m, at and
// around the base and every entry.
func checkModel(t testing.TB, l *Log, m logModel) {
	t.Helper()
	if err := diffModel(l, m); err != nil {
		t.Fatal(err)
	}
}

func diffModel(l *Log, m logModel) error {
	if l.Base() != m.base || l.LastZxid() != m.last() || l.FirstZxid() != m.first() ||
		l.PurgedThrough() != m.base {
		return fmt.Errorf("base %#x last %#x first %#x purged %#x, want base %#x last %#x first %#x",
			l.Base(), l.LastZxid(), l.FirstZxid(), l.PurgedThrough(), m.base, m.last(), m.first())
	}
	var got []int64
	err := l.Iterate(-1, func(z int64, d []byte) error {
		got = append(got, z)
		_, err := checkEntry(z, d)
		return err
	})
	if err != nil {
		return err
	}
	if !slices.Equal(got, m.zxids) {
		return fmt.Errorf("log holds %v, want %v", got, m.zxids)
	}
	probes := []int64{m.base - 2, m.base - 1, m.base, m.base + 1, m.last() + 1, m.last() + 1000}
	for _, z := range m.zxids {
		probes = append(probes, z-1, z, z+1)
	}
	for _, z := range probes {
		want, ok := m.floor(z)
		f, err := l.Floor(z)
		switch {
		case !ok && !errors.Is(err, ErrCompacted):
			return fmt.Errorf("Floor(%#x) below base %#x = %#x, %v; want ErrCompacted", z, m.base, f, err)
		case ok && (err != nil || f != want):
			return fmt.Errorf("Floor(%#x) = %#x, %v; want %#x", z, f, err, want)
		}
		for _, limit := range []int{0, 1, 2, len(m.zxids) + 1} {
			want, ok := m.entries(z, limit)
			es, err := l.Entries(z, limit)
			if !ok {
				if !errors.Is(err, ErrCompacted) || es != nil {
					return fmt.Errorf("Entries(%#x, %d) below base %#x: %d entries, %v; want ErrCompacted",
						z, limit, m.base, len(es), err)
				}
				continue
			}
			if err != nil {
				return fmt.Errorf("Entries(%#x, %d): %v", z, limit, err)
			}
			zs := make([]int64, len(es))
			for i, e := range es {
				zs[i] = e.Zxid
				if _, err := checkEntry(e.Zxid, e.Data); err != nil {
					return fmt.Errorf("Entries(%#x, %d): %v", z, limit, err)
				}
			}
			if !slices.Equal(zs, want) {
				return fmt.Errorf("Entries(%#x, %d) = %v, want %v", z, limit, zs, want)
			}
		}
	}
	return nil
}

// Floor and Entries around the base and the gaps between epochs, on a fresh
// log, after a purge, after truncations, and after reopening.
func TestFloorEntries(t *testing.T) {
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	m := logModel{}
	checkModel(t, l, m) // empty, never purged: Base = LastZxid = 0

	epoch := func(e int64) int64 { return e << 32 }
	for i, start := range []int64{1, 11, epoch(1) + 1, epoch(3) + 1, epoch(3) + 6} {
		b := makeBatch(start, 5+i%3, 40, uint32(i))
		if i == 1 {
			b = makeBatch(start, 3, 40, uint32(i)) // 11..13: a gap up to epoch 1
		}
		if err := l.Append(b); err != nil {
			t.Fatal(err)
		}
		m.add(b)
	}
	checkModel(t, l, m)

	// Purge through a zxid in a gap: the base is a snapshot's zxid, not an
	// entry's.
	for _, z := range []int64{20, epoch(1) + 2, epoch(3) + 2} {
		writeSnap(t, l, z, []byte("snap"))
	}
	if err := l.Purge(3); err != nil {
		t.Fatal(err)
	}
	m.base = 20
	m.zxids = slices.DeleteFunc(m.zxids, func(z int64) bool { return z <= 20 })
	checkModel(t, l, m)
	l.Close()
	l = mustOpen(t, o)
	defer l.Close()
	checkModel(t, l, m)

	// Truncating inside the log, then down to the base.
	if err := l.TruncateAfter(epoch(3) + 3); err != nil {
		t.Fatal(err)
	}
	m.zxids = slices.DeleteFunc(m.zxids, func(z int64) bool { return z > epoch(3)+3 })
	checkModel(t, l, m)
	if err := l.TruncateAfter(20); err != nil {
		t.Fatal(err)
	}
	m.zxids = nil
	checkModel(t, l, m) // empty: LastZxid is the base
	b := makeBatch(21, 4, 40, 9)
	if err := l.Append(b); err != nil {
		t.Fatal(err)
	}
	m.add(b)
	checkModel(t, l, m)
}

// Entries hands out copies: changing or appending to one entry's Data
// changes neither another entry nor the log.
func TestEntriesReturnsCopies(t *testing.T) {
	l := mustOpen(t, testOptions(t, vfs.NewMem()))
	defer l.Close()
	if err := l.Append(makeBatch(1, 10, 30, 0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(makeBatch(11, 10, 3000, 1)); err != nil { // the buffer grows
		t.Fatal(err)
	}
	es, err := l.Entries(0, 100)
	if err != nil || len(es) != 20 {
		t.Fatalf("Entries: %d, %v", len(es), err)
	}
	for i := range es {
		if len(es[i].Data) != cap(es[i].Data) {
			t.Fatalf("entry %d: len %d cap %d", i, len(es[i].Data), cap(es[i].Data))
		}
	}
	es[0].Data = append(es[0].Data, 0xff, 0xff) // must not overwrite es[1]
	for i := 1; i < len(es); i++ {
		if _, err := checkEntry(es[i].Zxid, es[i].Data); err != nil {
			t.Fatal(err)
		}
		for j := range es[i].Data {
			es[i].Data[j] = 0
		}
	}
	checkModel(t, l, logModel{zxids: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}})
}

// Pebble makes a batch readable before its fsync returns; Floor and Entries
// must not show it until Append has returned.
func TestFloorEntriesHideUnsyncedBatch(t *testing.T) {
	bfs := &blockingSyncFS{FS: vfs.NewMem(), reached: make(chan struct{}), release: make(chan struct{})}
	l := mustOpen(t, testOptions(t, bfs))
	defer l.Close()
	if err := l.Append(makeBatch(1, 5, 20, 0)); err != nil {
		t.Fatal(err)
	}
	done, release := appendBlockedInSync(t, l, bfs, makeBatch(6, 5, 20, 1))
	defer release() // before the deferred Close, which waits for the Append
	if f, err := l.Floor(100); err != nil || f != 5 {
		t.Fatalf("Floor(100) = %d, %v during the fsync of 6..10", f, err)
	}
	if f, err := l.Floor(8); err != nil || f != 5 {
		t.Fatalf("Floor(8) = %d, %v during the fsync of 6..10", f, err)
	}
	if es, err := l.Entries(0, 100); err != nil || len(es) != 5 {
		t.Fatalf("Entries shows %d entries (%v) during the fsync of 6..10", len(es), err)
	}
	if es, err := l.Entries(5, 100); err != nil || len(es) != 0 {
		t.Fatalf("Entries(5) shows %d entries (%v) during the fsync of 6..10", len(es), err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f, err := l.Floor(100); err != nil || f != 10 {
		t.Fatalf("after fsync: Floor(100) = %d, %v", f, err)
	}
}

// Readers running while a goroutine appends and another writes snapshots and
// purges: every answer is right for some state of the log (zxids are
// consecutive, so Floor(z) is z or, for z below the base, ErrCompacted), and
// Entries never returns a gap, garbage, or less than what LastZxid promised.
func TestReadersConcurrentWithAppendAndPurge(t *testing.T) {
	o := testOptions(t, vfs.NewMem())
	o.MemTableSize = 1 << 20 // flushes while reading
	l := mustOpen(t, o)
	defer l.Close()
	batches := 400
	if testing.Short() || raceEnabled {
		batches = 150
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
		stop.Store(true)
	}
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 3))
			for !stop.Load() {
				last := l.LastZxid()
				z := rng.Int64N(last + 2)
				if f, err := l.Floor(z); err != nil {
					if !errors.Is(err, ErrCompacted) || l.Base() <= z {
						report(fmt.Errorf("Floor(%d): %v (base %d)", z, err, l.Base()))
						return
					}
				} else if (z <= last && f != z) || (z > last && (f < last || f > z)) {
					report(fmt.Errorf("Floor(%d) = %d, last was %d", z, f, last))
					return
				}
				limit := 1 + rng.IntN(300)
				es, err := l.Entries(z, limit)
				if err != nil {
					if !errors.Is(err, ErrCompacted) || l.Base() <= z {
						report(fmt.Errorf("Entries(%d): %v (base %d)", z, err, l.Base()))
						return
					}
					continue
				}
				if want := int(min(int64(limit), max(last-z, 0))); len(es) < want {
					report(fmt.Errorf("Entries(%d, %d): %d entries, last was %d", z, limit, len(es), last))
					return
				}
				for i, e := range es {
					if e.Zxid != z+1+int64(i) {
						report(fmt.Errorf("Entries(%d): entry %d has zxid %d", z, i, e.Zxid))
						return
					}
					if _, err := checkEntry(e.Zxid, e.Data); err != nil {
						report(err)
						return
					}
				}
			}
		}()
	}
	var purges atomic.Int64 // purges that raised the base
	wg.Add(1)
	go func() { // snapshots and purges, as the background goroutine does
		defer wg.Done()
		for !stop.Load() {
			base := l.Base()
			z := l.LastZxid()
			if _, err := l.WriteSnapshot(func(w io.Writer) (int64, error) {
				_, err := w.Write([]byte("x"))
				return z, err
			}); err != nil {
				report(err)
				return
			}
			if err := l.Purge(3); err != nil {
				report(err)
				return
			}
			if l.Base() > base {
				purges.Add(1)
			}
		}
	}()
	z := int64(0)
	for b := 0; b < batches || purges.Load() < 5; b++ {
		if stop.Load() || b > 50*batches {
			break
		}
		batch := makeBatch(z+1, 1+b%40, 100+b%900, uint32(b))
		if err := l.Append(batch); err != nil {
			t.Fatal(err)
		}
		z += int64(len(batch))
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if purges.Load() < 5 {
		t.Fatalf("only %d purges happened during the test", purges.Load())
	}
	t.Logf("%d purges; base %#x, last %#x", purges.Load(), l.Base(), l.LastZxid())
}

func TestFloorEntriesAfterClose(t *testing.T) {
	l := mustOpen(t, testOptions(t, vfs.NewMem()))
	l.Close()
	if _, err := l.Floor(1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Floor after Close: %v", err)
	}
	if _, err := l.Entries(0, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Entries after Close: %v", err)
	}
	if err := l.Reset(5); !errors.Is(err, ErrClosed) {
		t.Fatalf("Reset after Close: %v", err)
	}
}
