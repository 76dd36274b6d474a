package wal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// history records the batches handed to Append and how many were acked.
type history struct {
	mu      sync.Mutex
	batches [][]Entry // every batch passed to Append, in order
	acked   atomic.Int64
}

func (h *history) add(b []Entry) {
	h.mu.Lock()
	h.batches = append(h.batches, b)
	h.mu.Unlock()
}

func (h *history) snapshot() [][]Entry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]Entry(nil), h.batches...)
}

// checkRecovered verifies the entries of a reopened log against the batches
// that were written: they must be exactly batches[0..k) for some k >= acked
// (every acked batch, and after that only whole batches, in order, no
// garbage). It returns k.
func checkRecovered(got []Entry, batches [][]Entry, acked int) (int, error) {
	i := 0
	for k, b := range batches {
		if i == len(got) {
			if k < acked {
				return k, fmt.Errorf("acked batch %d (zxid %#x) lost; %d of %d acked batches recovered",
					k, b[0].Zxid, k, acked)
			}
			return k, nil
		}
		for j, e := range b {
			if i == len(got) {
				return k, fmt.Errorf("batch %d recovered partially: %d of %d entries", k, j, len(b))
			}
			g := got[i]
			if g.Zxid != e.Zxid {
				return k, fmt.Errorf("batch %d entry %d: zxid %#x, want %#x", k, j, g.Zxid, e.Zxid)
			}
			if bn, err := checkEntry(g.Zxid, g.Data); err != nil {
				return k, err
			} else if int(bn) != k || len(g.Data) != len(e.Data) {
				return k, fmt.Errorf("zxid %#x holds data of batch %d, want %d", g.Zxid, bn, k)
			}
			i++
		}
	}
	if i != len(got) {
		return len(batches), fmt.Errorf("%d entries recovered beyond the last batch written", len(got)-i)
	}
	return len(batches), nil
}

// A crash at a random moment while a goroutine appends (each Append synced)
// and Pebble flushes: the crash image keeps every synced byte and a random
// share of unsynced ones. After reopening it, every acked batch must be
// there, then only whole batches; the recovered log must then accept and
// keep new appends across a second crash.
func TestCrashLosesNoAckedBatch(t *testing.T) {
	seeds := 40
	if testing.Short() || raceEnabled {
		seeds = 8
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 42))
			fs := vfs.NewCrashableMem()
			o := testOptions(t, fs)
			o.MemTableSize = 1 << 20 // flushes and WAL rotations during the run
			o.NoSync = seed%4 == 3   // NoSync: acked = written to the OS
			l := mustOpen(t, o)

			h := &history{}
			stop := make(chan struct{})
			done := make(chan error)
			go func() {
				arng := rand.New(rand.NewPCG(uint64(seed), 7))
				z := int64(0)
				for b := 0; ; b++ {
					select {
					case <-stop:
						done <- nil
						return
					default:
					}
					batch := randBatch(arng, z+1, 1+arng.IntN(60), 2000, uint32(b))
					h.add(batch)
					if err := l.Append(batch); err != nil {
						done <- err
						return
					}
					h.acked.Add(1)
					z = batch[len(batch)-1].Zxid
				}
			}()
			target := int64(5 + rng.IntN(200))
			for h.acked.Load() < target {
				runtime.Gosched()
			}
			acked := int(h.acked.Load()) // acked before the crash began
			pct := rng.IntN(101)
			if o.NoSync {
				pct = 100 // a process crash: what was written to the OS survives
			}
			crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rng})
			close(stop)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			batches := h.snapshot()

			o.FS = crashed
			l2 := mustOpen(t, o)
			k, err := checkRecovered(readAll(t, l2, 0), batches, acked)
			if err != nil {
				t.Fatalf("after crash (unsynced kept %d%%): %v", pct, err)
			}
			t.Logf("%d batches acked before crash, %d recovered, %d written", acked, k, len(batches))

			// The recovered log continues from its tail and survives a
			// second crash that keeps only synced data.
			batches = batches[:k]
			z := l2.LastZxid()
			for b := k; b < k+5; b++ {
				batch := randBatch(rng, z+1, 1+rng.IntN(20), 500, uint32(b))
				if err := l2.Append(batch); err != nil {
					t.Fatal(err)
				}
				batches = append(batches, batch)
				z = batch[len(batch)-1].Zxid
			}
			var crashed2 *vfs.MemFS
			if o.NoSync {
				crashed2 = crashed.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rng})
			} else {
				crashed2 = crashed.CrashClone(vfs.CrashCloneCfg{})
			}
			if err := l2.Close(); err != nil {
				t.Fatal(err)
			}
			o.FS = crashed2
			l3 := mustOpen(t, o)
			defer l3.Close()
			if _, err := checkRecovered(readAll(t, l3, 0), batches, len(batches)); err != nil {
				t.Fatalf("after second crash: %v", err)
			}
		})
	}
}

// With NoSync, a machine crash (only synced data survives) may lose acked
// batches, but never yields part of one or garbage; SetMeta and
// TruncateAfter stay durable.
func TestNoSyncMachineCrash(t *testing.T) {
	fs := vfs.NewCrashableMem()
	o := testOptions(t, fs)
	o.NoSync = true
	l := mustOpen(t, o)
	defer l.Close()
	var batches [][]Entry
	z := int64(0)
	for b := range 30 {
		batch := makeBatch(z+1, 1+b%7, 300, uint32(b))
		if err := l.Append(batch); err != nil {
			t.Fatal(err)
		}
		batches = append(batches, batch)
		z = batch[len(batch)-1].Zxid
	}
	if err := l.SetMeta("currentEpoch", []byte{3}); err != nil {
		t.Fatal(err)
	}
	o.FS = fs.CrashClone(vfs.CrashCloneCfg{})
	l2 := mustOpen(t, o)
	// SetMeta's fsync made the whole WAL durable up to it.
	if _, err := checkRecovered(readAll(t, l2, 0), batches, len(batches)); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := l2.Meta("currentEpoch"); !ok || v[0] != 3 {
		t.Fatal("SetMeta not durable under NoSync")
	}
	l2.Close()

	// Appends after the last real sync may vanish, but only as whole batches.
	for b := 30; b < 40; b++ {
		batch := makeBatch(z+1, 5, 300, uint32(b))
		if err := l.Append(batch); err != nil {
			t.Fatal(err)
		}
		batches = append(batches, batch)
		z = batch[len(batch)-1].Zxid
	}
	// Pebble was told these appends were synced, and its WAL chunk headers
	// say so; if a crash keeps a later block but loses an earlier one, replay
	// reports corruption (as ZooKeeper's CRC check would with forceSync=no).
	rng := rand.New(rand.NewPCG(1, 2))
	corrupt := 0
	for range 50 {
		o.FS = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(100), RNG: rng})
		l3, err := Open(o)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatal(err)
			}
			corrupt++
			continue
		}
		if _, err := checkRecovered(readAll(t, l3, 0), batches, 30); err != nil {
			t.Fatal(err)
		}
		l3.Close()
	}
	t.Logf("%d of 50 machine crashes left a WAL Pebble reports as corrupt", corrupt)

	// TruncateAfter is durable too.
	if err := l.TruncateAfter(batches[9][0].Zxid); err != nil {
		t.Fatal(err)
	}
	o.FS = fs.CrashClone(vfs.CrashCloneCfg{})
	l4 := mustOpen(t, o)
	defer l4.Close()
	if got := l4.LastZxid(); got != batches[9][0].Zxid {
		t.Fatalf("after crash, truncated log ends at %#x, want %#x", got, batches[9][0].Zxid)
	}
}
