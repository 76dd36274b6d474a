package tree

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zen-coord/zen/proto"
)

// TestReadersDuringApply hammers every read method while the applier runs
// random txns; under -race this checks the locking, and each read checks
// that what it saw is self-consistent.
func TestReadersDuringApply(t *testing.T) {
	g := newGen(77)
	entries := g.entries(4000)
	tr := New()
	var done atomic.Bool
	var wg sync.WaitGroup
	paths := []string{"/", "/a", "/b", "/a/a", "/a/b", "/b/a", "/zookeeper", "/zookeeper/config", "/c/a/b"}
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			var names []string
			for !done.Load() {
				p := paths[rng.IntN(len(paths))]
				var st proto.Stat
				var err proto.Err
				names, st, err = tr.GetChildren(p, nil, nil, names[:0])
				if err == proto.ErrOk && int(st.NumChildren) != len(names) {
					t.Errorf("%s: %d names, numChildren %d", p, len(names), st.NumChildren)
				}
				if data, null, st, err := tr.GetData(p, nil, nil); err == proto.ErrOk && (int(st.DataLength) != len(data) || null && data != nil) {
					t.Errorf("%s: data %d bytes, stat says %d", p, len(data), st.DataLength)
				}
				tr.Exists(p, nil, nil)
				tr.GetACL(p)
				tr.Lookup(p)
				tr.GetAllChildrenNumber(p, nil)
				tr.Ephemerals(0x0100000000000001, "/")
				tr.Sessions()
				tr.ReapCandidates(1<<40, 10)
				_ = tr.NodeCount() + tr.EphemeralCount() + int(tr.ApproxDataSize()+tr.LastZxid())
			}
		}()
	}
	for _, e := range entries {
		mustApply(t, tr, e)
	}
	done.Store(true)
	wg.Wait()
}

func counterValue(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// TestNoHalfMulti: every multi k sets /x and /y to k, replaces /p's two
// children by a new pair and bumps /q. Readers, each taking one stripe lock
// at a time, must never see part of a multi.
func TestNoHalfMulti(t *testing.T) {
	tr := New()
	var x, y string
	for k := 0; ; k++ {
		x, y = fmt.Sprintf("/x%d", k), fmt.Sprintf("/y%d", k)
		if tr.stripeIndex(x) != tr.stripeIndex(y) && tr.stripeIndex(x) != tr.stripeIndex("/p") {
			break
		}
	}
	zxid := int64(1)
	for _, p := range []string{x, y, "/p", "/p/c0a", "/p/c0b"} {
		mustApply(t, tr, createE(zxid, p, "", 0))
		zxid++
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	var checks atomic.Int64
	reader := func(first, second string) {
		defer wg.Done()
		var names []string
		for !done.Load() {
			d1, _, _, _ := tr.GetData(first, nil, nil)
			d2, _, _, _ := tr.GetData(second, nil, nil)
			// Multi k is applied atomically, so once first shows k,
			// second shows at least k.
			if v1, v2 := counterValue(d1), counterValue(d2); v2 < v1 {
				t.Errorf("read %s=%d then %s=%d", first, v1, second, v2)
				return
			}
			// The children are always one pair c<k>a, c<k>b.
			names, _, _ = tr.GetChildren("/p", nil, nil, names[:0])
			slices.Sort(names)
			if len(names) != 2 || !strings.HasSuffix(names[0], "a") || !strings.HasSuffix(names[1], "b") ||
				names[0][:len(names[0])-1] != names[1][:len(names[1])-1] {
				t.Errorf("children of /p: %v", names)
				return
			}
			checks.Add(1)
		}
	}
	wg.Add(2)
	go reader(x, y)
	go reader(y, x)
	val := make([]byte, 8)
	for k := 1; k <= 3000; k++ {
		binary.BigEndian.PutUint64(val, uint64(k))
		mustApply(t, tr, multiE(zxid,
			sub(proto.TxnSetData, &proto.SetDataTxn{Path: x, Data: val, Version: int32(k)}),
			sub(proto.TxnCreate, &proto.CreateTxn{Path: fmt.Sprintf("/p/c%da", k), ACL: proto.OpenACL}),
			sub(proto.TxnDelete, &proto.DeleteTxn{Path: fmt.Sprintf("/p/c%da", k-1)}),
			sub(proto.TxnDelete, &proto.DeleteTxn{Path: fmt.Sprintf("/p/c%db", k-1)}),
			sub(proto.TxnCreate, &proto.CreateTxn{Path: fmt.Sprintf("/p/c%db", k), ACL: proto.OpenACL}),
			sub(proto.TxnSetData, &proto.SetDataTxn{Path: y, Data: val, Version: int32(k)}),
		))
		zxid++
		if k%100 == 0 {
			runtime.Gosched()
		}
	}
	done.Store(true)
	wg.Wait()
	if checks.Load() == 0 {
		t.Fatal("readers never ran")
	}
}

// countWatcher counts notifications.
type countWatcher struct{ n atomic.Int64 }

func (c *countWatcher) Notify(proto.EventType, string, int64, []proto.ACL) { c.n.Add(1) }

// TestWatchNeverMissed: a reader sets a watch with each read; if the node
// changed after the read, the watch must fire. The applier keeps changing
// the node; when it stops, a reader that got no event must have read the
// final state.
func TestWatchNeverMissed(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/w", "", 0))
	var done atomic.Bool
	var wg sync.WaitGroup
	var events atomic.Int64
	type read func(w Watcher) (version int32, ok bool)
	readers := map[string]read{
		"getData": func(w Watcher) (int32, bool) {
			_, _, st, err := tr.GetData("/w", nil, w)
			return st.Version, err == proto.ErrOk
		},
		"exists": func(w Watcher) (int32, bool) {
			st, err := tr.Exists("/w", nil, w)
			return st.Version, err == proto.ErrOk
		},
		"getChildren": func(w Watcher) (int32, bool) {
			_, st, err := tr.GetChildren("/w", nil, w, nil)
			return st.Cversion, err == proto.ErrOk
		},
	}
	final := func(name string) int32 {
		st := mustStat(t, tr, "/w")
		if name == "getChildren" {
			return st.Cversion
		}
		return st.Version
	}
	for name, rd := range readers {
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := &countWatcher{}
				for {
					before := w.n.Load()
					v, ok := rd(w)
					if !ok {
						t.Errorf("%s failed", name)
						return
					}
					for w.n.Load() == before && !done.Load() {
						runtime.Gosched()
					}
					if w.n.Load() != before {
						events.Add(1)
						continue
					}
					if f := final(name); v != f {
						t.Errorf("%s: read version %d, final %d, and no event", name, v, f)
					}
					return
				}
			}()
		}
	}
	for z := int64(2); z < 4000; z++ {
		if z%2 == 0 {
			mustApply(t, tr, setDataE(z, "/w", "v", int32(z/2)))
		} else {
			mustApply(t, tr, createE(z, fmt.Sprintf("/w/c%d", z), "", 0))
		}
		if z%50 == 0 {
			runtime.Gosched()
		}
	}
	done.Store(true)
	wg.Wait()
	if events.Load() == 0 {
		t.Fatal("no watch ever fired")
	}
}

// TestWatchOpsDuringApply exercises every watch method concurrently with
// Apply (for -race), then checks that dropping every watcher leaves the
// tables empty.
func TestWatchOpsDuringApply(t *testing.T) {
	g := newGen(99)
	entries := g.entries(3000)
	tr := New()
	var done atomic.Bool
	var wg sync.WaitGroup
	var watchers []*countWatcher
	paths := []string{"/", "/a", "/b", "/a/a", "/a/b", "/b/a", "/zookeeper"}
	for r := 0; r < 4; r++ {
		w := &countWatcher{}
		watchers = append(watchers, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 2))
			for !done.Load() {
				p := paths[rng.IntN(len(paths))]
				switch rng.IntN(9) {
				case 0:
					tr.AddWatch(p, w, int32(rng.IntN(2)))
				case 1:
					tr.RemoveWatches(p, w, int32(1+rng.IntN(5)))
				case 2:
					tr.CheckWatches(p, w, int32(1+rng.IntN(5)))
				case 3:
					tr.SetWatches(0, []string{p}, []string{p}, []string{p}, nil, nil, w)
				case 4:
					tr.DropWatcher(w)
				case 5:
					tr.WatchStats()
					tr.WatchesByPath(func(string, []Watcher) {})
					tr.WatchesByWatcher(func(Watcher, []string) {})
				case 6:
					tr.Exists(p, nil, w)
				case 7:
					tr.GetData(p, nil, w)
				default:
					tr.GetChildren(p, nil, w, nil)
				}
			}
		}()
	}
	for _, e := range entries {
		mustApply(t, tr, e)
	}
	done.Store(true)
	wg.Wait()
	for _, w := range watchers {
		tr.DropWatcher(w)
	}
	if a, b, c := tr.WatchStats(); a+b+c != 0 || tr.recursive.Load() != 0 {
		t.Errorf("after dropping all: %d %d %d, recursive %d", a, b, c, tr.recursive.Load())
	}
}
