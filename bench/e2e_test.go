package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// testConfig is a short run of workload w against addr.
func testConfig(t testing.TB, addr string, w string) Config {
	cfg := DefaultConfig()
	cfg.Servers = []string{addr}
	wl, err := ParseWorkload(w)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workload = wl
	cfg.Clients = 4
	cfg.Inflight = 4
	cfg.Duration = 800 * time.Millisecond
	cfg.Warmup = 200 * time.Millisecond
	cfg.Keys = 200
	cfg.ValueSize = 64
	cfg.Seed = 42
	if testing.Verbose() {
		cfg.Progress = os.Stderr
	}
	return cfg
}

// children lists a node's children through a fresh session.
func children(t testing.TB, addr, path string) []string {
	t.Helper()
	c, err := Dial(addr, 5*time.Second, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(time.Second)
	h, body, err := c.Call(proto.OpGetChildren, func(b []byte) []byte {
		return proto.AppendBool(proto.AppendString(b, path), false)
	}, 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Err != proto.ErrOk {
		t.Fatalf("getChildren %s: %v", path, h.Err)
	}
	r := proto.NewReader(body)
	return r.Strings()
}

// TestWorkloadsEndToEnd runs every workload for about a second against an
// in-process zen and checks what each must have done.
func TestWorkloadsEndToEnd(t *testing.T) {
	srv := ztest.StartServer(t, nil)
	addr := srv.Addr()
	for _, w := range []string{"get", "set", "exists", "children", "create", "delete", "create-delete",
		"mixed:90", "multi:5", "lock", "watch-fanout", "load:3000", "sessions"} {
		t.Run(strings.ReplaceAll(w, ":", "_"), func(t *testing.T) {
			cfg := testConfig(t, addr, w)
			switch cfg.Workload.Kind {
			case KindDelete:
				cfg.Keys = 5000
				cfg.Warmup = 0
				cfg.Duration = 0 // until every node is gone
			case KindLock:
				cfg.LockCounter = true
			case KindWatchFanout:
				cfg.Clients = 8
			case KindSessions:
				cfg.Clients = 2
			}
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if testing.Verbose() {
				res.WriteText(os.Stderr)
			}
			if len(res.Errors) > 0 || len(res.Warnings) > 0 {
				t.Fatalf("errors %v, warnings %v", res.Errors, res.Warnings)
			}
			if res.Throughput <= 0 || res.Latency.Count == 0 || res.Latency.P50 <= 0 {
				t.Fatalf("nothing measured: %+v", res)
			}
			if res.Latency.P50 > res.Latency.P99 || res.Latency.P99 > res.Latency.Max {
				t.Fatalf("percentiles out of order: %+v", res.Latency)
			}
			if len(res.PerServer) != 1 || res.PerServer[0].Ops[res.Primary].Count != res.Latency.Count {
				t.Fatalf("per-server result does not add up: %+v", res.PerServer)
			}
			switch cfg.Workload.Kind {
			case KindCreate, KindCreateDelete, KindMulti:
				if left := children(t, addr, cfg.Root+"/cr"); len(left) != 0 {
					t.Fatalf("%d nodes left after cleanup, e.g. %s", len(left), left[0])
				}
			case KindDelete:
				if got := res.Ops["delete"].Count; got != int64(cfg.Keys) {
					t.Fatalf("deleted %d of %d nodes", got, cfg.Keys)
				}
				if left := children(t, addr, cfg.Root+"/del"); len(left) != 0 {
					t.Fatalf("%d nodes left", len(left))
				}
			case KindLoad:
				if res.Load == nil || res.Ops["create"].Count != 3000 {
					t.Fatalf("load: %+v, %d creates", res.Load, res.Ops["create"].Count)
				}
				if n := len(children(t, addr, cfg.Root+"/load")); n != 3000 {
					t.Fatalf("load made %d nodes", n)
				}
				if res.Load.LastPath != cfg.Root+"/load/n000002999" {
					t.Fatalf("last path %q", res.Load.LastPath)
				}
			case KindLock:
				lr := res.Lock
				if lr == nil || lr.Violations != 0 || lr.Acquisitions == 0 || lr.Counter != lr.Increments {
					t.Fatalf("lock: %+v", lr)
				}
				if left := children(t, addr, cfg.Root+"/lock"); len(left) != 0 {
					t.Fatalf("lock nodes left: %v", left)
				}
			case KindWatchFanout:
				f := res.Fanout
				if f == nil || f.Watchers != 8 || f.Writes == 0 {
					t.Fatalf("fanout: %+v", f)
				}
				// every write in the window notifies every watcher, give or
				// take the writes straddling the window's edges
				n, w := res.Ops["notify"].Count, res.Ops["write"].Count
				if n < (w-2)*8 || n > (w+2)*8 {
					t.Fatalf("%d notifications for %d writes to 8 watchers", n, w)
				}
			case KindSessions:
				if res.Ops["connect"].Count != res.Ops["session"].Count {
					t.Fatalf("sessions: %+v", res.Ops)
				}
			}
		})
	}
}

// TestTwoServersSplitSessions: session i goes to servers[i % n], setup
// runs on each server, and the result is broken down per server. The
// servers run in this process, so -pids is this process: CPU per op and
// RSS must come out positive.
func TestTwoServersSplitSessions(t *testing.T) {
	a, b := ztest.StartServer(t, nil), ztest.StartServer(t, nil)
	cfg := testConfig(t, a.Addr()+","+b.Addr(), "mixed:50")
	cfg.Servers = ParseServers(a.Addr() + "," + b.Addr())
	cfg.Clients = 3
	cfg.PIDs = []int{os.Getpid(), os.Getpid()}
	cfg.Label = "zen"
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 || len(res.Warnings) > 0 {
		t.Fatalf("errors %v, warnings %v", res.Errors, res.Warnings)
	}
	if len(res.PerServer) != 2 || res.PerServer[0].Sessions != 2 || res.PerServer[1].Sessions != 1 {
		t.Fatalf("per server: %+v", res.PerServer)
	}
	var sum int64
	for _, sr := range res.PerServer {
		if sr.Ops["all"].Count == 0 || sr.CPUPerOp <= 0 || sr.RSS <= 0 || sr.Series != "zen "+sr.Addr {
			t.Fatalf("server %s: %d ops, cpu/op %v, rss %d, series %q", sr.Addr, sr.Ops["all"].Count, sr.CPUPerOp, sr.RSS, sr.Series)
		}
		sum += sr.Ops["all"].Count
	}
	if sum != res.Ops["all"].Count || res.Ops["get"].Count+res.Ops["set"].Count != sum {
		t.Fatalf("totals do not add up: %d vs %+v", sum, res.Ops)
	}
	if res.ServerCPUPerOp <= 0 || res.Harness.CPUSeconds <= 0 {
		t.Fatalf("server cpu/op %v, harness %+v", res.ServerCPUPerOp, res.Harness)
	}
	for _, s := range []*ztest.Server{a, b} {
		if len(children(t, s.Addr(), cfg.Root+"/kv")) != cfg.Keys/keysPerGroup {
			t.Fatalf("key space missing on %s", s.Addr())
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for the progress goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestOpenLoopRateAndProgress: with -rate the run sends at that rate (a
// schedule, not a server figure: the pacer must never exceed it), and the
// progress line is written while it runs.
func TestOpenLoopRateAndProgress(t *testing.T) {
	srv := ztest.StartServer(t, nil)
	cfg := testConfig(t, srv.Addr(), "get")
	cfg.Rate = 2000
	cfg.Duration = 1500 * time.Millisecond
	var out lockedBuffer
	cfg.Progress, cfg.ProgressTTY = &out, true
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sent := float64(res.Ops["get"].Count)
	if max := cfg.Rate*res.Elapsed*1.02 + float64(cfg.Clients*cfg.Inflight); sent > max {
		t.Fatalf("%v requests in %.2fs at %v/s", sent, res.Elapsed, cfg.Rate)
	}
	if sent < cfg.Rate*res.Elapsed/4 {
		t.Fatalf("only %v requests in %.2fs at %v/s", sent, res.Elapsed, cfg.Rate)
	}
	if res.Rate != 2000 || !strings.Contains(res.Case, "@2000/s") {
		t.Fatalf("rate not recorded: %v %q", res.Rate, res.Case)
	}
	p := out.String()
	if !strings.Contains(p, "ops/s") || !strings.Contains(p, "measure") || !strings.Contains(p, "\r") {
		t.Fatalf("progress output %q", p)
	}
}

// TestWaitServing waits for a node that appears later.
func TestWaitServing(t *testing.T) {
	srv := ztest.StartServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := WaitServing(ctx, srv.Addr(), "/not-yet", 10*time.Millisecond); err == nil {
		t.Fatal("a missing node counted as serving")
	}
	c, err := Dial(srv.Addr(), time.Second, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := ensure(c, "/not-yet"); err != nil {
		t.Fatal(err)
	}
	c.Close(time.Second)
	if _, err := WaitServing(context.Background(), srv.Addr(), "/not-yet", 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
