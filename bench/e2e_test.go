package bench

import (
	"context"
	"os"
	"strings"
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
