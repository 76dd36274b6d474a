package core

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestZlogModel drives the core's logical log with random appends,
// truncations, snapshot installs, hand-outs (Ready) and advances, and a
// simulated disk that performs handed-out operations in order, and checks
// it against a plain list after every operation.
func TestZlogModel(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		if err := zlogModelRun(seed); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

func zlogModelRun(seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 7))
	disk := NewMemLog()
	l := newZlog(disk)
	var model []Entry // the logical log above base
	base := int64(0)
	next := int64(1)
	var pending []persistOps
	var pendingIDs []uint64
	id := uint64(0)
	for step := 0; step < 400; step++ {
		switch op := rng.IntN(10); {
		case op < 4: // append
			k := 1 + rng.IntN(4)
			var es []Entry
			for i := 0; i < k; i++ {
				next += 1 + int64(rng.IntN(3))
				es = append(es, Entry{Zxid: next, Data: []byte{byte(next)}})
			}
			l.append(es)
			model = append(model, es...)
		case op < 5: // truncate
			z := base + int64(rng.IntN(int(next-base)+1))
			if err := l.truncateAfter(z); err != nil {
				return fmt.Errorf("truncateAfter(%d): %v", z, err)
			}
			i := sort.Search(len(model), func(i int) bool { return model[i].Zxid > z })
			model = model[:i]
		case op < 6 && rng.IntN(4) == 0: // install a snapshot
			next += int64(rng.IntN(5))
			l.installSnapshot(next, nil)
			model, base = nil, next
		case op < 8: // hand out a Ready
			id++
			pending = append(pending, l.take(id))
			pendingIDs = append(pendingIDs, id)
		default: // the oldest Ready becomes durable
			if len(pending) == 0 {
				continue
			}
			ops := pending[0]
			if ops.install != nil {
				disk.Reset(ops.install.Zxid)
			}
			if ops.trunc {
				if err := disk.TruncateAfter(ops.truncAt); err != nil {
					return err
				}
			}
			if err := disk.Append(ops.entries); err != nil {
				return fmt.Errorf("disk append: %v", err)
			}
			l.advance(pendingIDs[0])
			pending, pendingIDs = pending[1:], pendingIDs[1:]
		}
		if err := zlogCheck(l, disk, model, base); err != nil {
			return fmt.Errorf("step %d: %v", step, err)
		}
	}
	return nil
}

func zlogCheck(l *zlog, disk *MemLog, model []Entry, base int64) error {
	last := base
	if len(model) > 0 {
		last = model[len(model)-1].Zxid
	}
	if l.lastZxid() != last {
		return fmt.Errorf("last %d, model %d", l.lastZxid(), last)
	}
	if l.baseNow() != base {
		return fmt.Errorf("base %d, model %d", l.baseNow(), base)
	}
	got, err := l.entries(base, 1<<20)
	if err != nil {
		return err
	}
	if !slices.EqualFunc(got, model, func(a, b Entry) bool { return a.Zxid == b.Zxid }) {
		return fmt.Errorf("entries %v, model %v", fmtZxids(got), fmtZxids(model))
	}
	for z := base; z <= last+1; z++ {
		f, err := l.floor(z)
		if err != nil {
			return err
		}
		want := base
		for _, e := range model {
			if e.Zxid <= z {
				want = e.Zxid
			}
		}
		if f != want {
			return fmt.Errorf("floor(%d) = %d, want %d", z, f, want)
		}
	}
	// The stable part is on disk.
	for _, e := range model {
		if e.Zxid > l.stableLast {
			break
		}
		if f, err := disk.Floor(e.Zxid); err != nil || f != e.Zxid {
			return fmt.Errorf("stable entry %d not on disk", e.Zxid)
		}
	}
	return nil
}
