package bench

import (
	"context"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
)

func TestSeqAndPredecessor(t *testing.T) {
	if got := seqOf([]byte("lock-0000000042")); got != 42 {
		t.Fatal(got)
	}
	if got := seqOf([]byte("lock-12")); got != -1 {
		t.Fatal(got)
	}
	if got := seqOf([]byte("lock-00000000x2")); got != -1 {
		t.Fatal(got)
	}
	kids := [][]byte{[]byte("lock-0000000007"), []byte("lock-0000000003"), []byte("other"),
		[]byte("lock-0000000005"), []byte("lock-0000000009")}
	for _, c := range []struct {
		seq  int64
		want string
	}{{3, ""}, {5, "lock-0000000003"}, {7, "lock-0000000005"}, {9, "lock-0000000007"}, {100, "lock-0000000009"}} {
		if got := string(predecessor(kids, c.seq)); got != c.want {
			t.Errorf("predecessor of %d = %q, want %q", c.seq, got, c.want)
		}
	}
}

// lockRun runs the lock workload with the counter check against srv.
func lockRun(t *testing.T, addr string, clients, inflight int, broken bool) *Result {
	t.Helper()
	cfg := testConfig(t, addr, "lock")
	cfg.Clients, cfg.Inflight = clients, inflight
	cfg.LockCounter = true
	cfg.Duration = 1500 * time.Millisecond
	cfg.brokenLock = broken
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLockNeverHeldTwice runs the recipe with many contenders, several per
// session and sessions spread over the pipeline, against a real zen; every
// holder increments a counter znode with a versioned setData. The counter
// must equal the increments, no increment may hit BadVersion, and no
// acquisition may see another holder.
func TestLockNeverHeldTwice(t *testing.T) {
	srv := ztest.StartServer(t, nil)
	for _, shape := range [][2]int{{1, 1}, {6, 1}, {3, 4}} {
		res := lockRun(t, srv.Addr(), shape[0], shape[1], false)
		lr := res.Lock
		t.Logf("%dx%d: %d acquisitions, counter %d, handoff p50 %dµs", shape[0], shape[1], lr.Acquisitions, lr.Counter, res.Latency.P50)
		if lr.Violations != 0 || len(res.Warnings) != 0 || len(res.Errors) != 0 {
			t.Fatalf("%dx%d: violations %d, warnings %v, errors %v", shape[0], shape[1], lr.Violations, res.Warnings, res.Errors)
		}
		if lr.Acquisitions < 10 || lr.Counter != lr.Increments || lr.Increments < lr.Acquisitions-int64(lr.Contenders) {
			t.Fatalf("%dx%d: %+v", shape[0], shape[1], lr)
		}
		if res.Ops["acquire"].Count == 0 || res.Ops["handoff"].Count == 0 {
			t.Fatalf("nothing measured: %+v", res.Ops)
		}
	}
}

// TestLockChecksCatchABrokenRecipe: contenders that ignore their
// predecessor hold the lock together, and the checks say so.
func TestLockChecksCatchABrokenRecipe(t *testing.T) {
	srv := ztest.StartServer(t, nil)
	res := lockRun(t, srv.Addr(), 4, 2, true)
	if res.Lock.Violations == 0 {
		t.Fatalf("a broken lock went unnoticed: %+v", res.Lock)
	}
}
