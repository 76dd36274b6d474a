package compat

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

const python = "/usr/bin/python3" // Debian's, where python3-kazoo lives

func requireKazoo(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import kazoo").CombinedOutput(); err != nil {
		t.Fatalf("Debian python3-kazoo is required (scripts/install-test-deps.sh): %v\n%s", err, out)
	}
}

// runRecipe runs one recipe of testdata/kazoo_recipes.py to completion and
// returns its facts after checking that it passed.
func runRecipe(t *testing.T, addr, recipe, root string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, testdata("kazoo_recipes.py"), addr, recipe, root)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS "+recipe+"\n") {
		t.Fatalf("kazoo %s: %v\n%s", recipe, err, out)
	}
	return facts(string(out))
}

func facts(out string) map[string]string {
	f := map[string]string{}
	for _, l := range lines(out) {
		if kv, ok := strings.CutPrefix(l, "FACT "); ok {
			k, v, _ := strings.Cut(kv, "=")
			f[k] = v
		}
	}
	return f
}

func wantFacts(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("fact %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

// TestKazooRecipes runs kazoo's recipes, each from its own Python process
// with several client sessions, against one zen process.
func TestKazooRecipes(t *testing.T) {
	requireKazoo(t)
	srv := startTarget(t)
	check := goClient(t, srv.Addr)

	t.Run("Lock", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "lock", "/kazoo-lock")
		wantFacts(t, f, map[string]string{
			"lock_counter":                   "40",
			"lock_max_holders":               "1",
			"lock_handover_on_session_close": "ok",
			"semaphore_max_holders":          "2",
		})
		data, st, err := check.Get("/kazoo-lock/counter")
		if err != nil || string(data) != "40" || st.Version != 41 {
			t.Errorf("counter node: %q %+v %v", data, st, err)
		}
		// every lock/lease node is gone with its holder
		for _, p := range []string{"/kazoo-lock/lock", "/kazoo-lock/lock2", "/kazoo-lock/sem"} {
			if kids, _, err := check.Children(p); err != nil || len(kids) != 0 {
				t.Errorf("children of %s after the run: %v %v", p, kids, err)
			}
		}
	})
	t.Run("Election", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "election", "/kazoo-election")
		wantFacts(t, f, map[string]string{
			"election_first_leader":  "c0",
			"election_second_leader": "c1",
			"election_leaders":       "c0,c1,c2",
			"election_cancel":        "ok",
		})
	})
	t.Run("Barrier", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "barrier", "/kazoo-barrier")
		wantFacts(t, f, map[string]string{
			"barrier_released":       "3",
			"double_barrier_entered": "3",
			"double_barrier_left":    "3",
		})
		if ok, _, err := check.Exists("/kazoo-barrier/barrier"); ok || err != nil {
			t.Errorf("barrier node still there: %v %v", ok, err)
		}
	})
	t.Run("Counter", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "counter", "/kazoo-counter")
		wantFacts(t, f, map[string]string{"counter_value": "100", "counter_after_decrement": "70"})
		data, _, err := check.Get("/kazoo-counter/counter")
		if err != nil || string(data) != "70" {
			t.Errorf("counter node: %q %v", data, err)
		}
	})
	t.Run("Queue", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "queue", "/kazoo-queue")
		wantFacts(t, f, map[string]string{
			"queue_order":         "urgent,a,b,c,low",
			"queue_consumed_once": "60",
			"locking_queue":       "ok",
		})
		_, st, err := check.Exists("/kazoo-queue/queue")
		if err != nil || st.NumChildren != 0 || st.Cversion != 2*65 {
			t.Errorf("queue node after draining 65 entries: %+v %v", st, err)
		}
	})
	t.Run("TreeCache", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "treecache", "/kazoo-treecache")
		wantFacts(t, f, map[string]string{"watchers": "ok"})
	})
	t.Run("Transaction", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "transaction", "/kazoo-tx")
		wantFacts(t, f, map[string]string{
			"tx_committed":     "6",
			"tx_failed_atomic": "BadVersion",
			"tx_next_sequence": "0000000003",
		})
		kids, _, err := check.Children("/kazoo-tx/tx")
		if err != nil || len(kids) != 3 {
			t.Errorf("children after the transactions: %v %v", kids, err)
		}
	})
	t.Run("ReadWriteLockParty", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "rwlock", "/kazoo-rw")
		wantFacts(t, f, map[string]string{"rwlock_exclusion": "ok", "party": "ok"})
	})
	t.Run("ClientAPI", func(t *testing.T) {
		t.Parallel()
		f := runRecipe(t, srv.Addr, "client", "/kazoo-api")
		wantFacts(t, f, map[string]string{
			"large_value_bytes":    "998400",
			"many_children":        "2000",
			"acl":                  "ok",
			"auth_failed":          "ok",
			"chroot":               "ok",
			"watches":              "ok",
			"read_only_flag":       "ok",
			"server_version_major": "3",
		})
		data, st, err := check.Get("/kazoo-api/api/empty")
		if err != nil || len(data) != 998400 || st.DataLength != 998400 {
			t.Errorf("large value seen by go-zookeeper: %d bytes %+v %v", len(data), st, err)
		}
	})
	t.Run("SessionExpiry", func(t *testing.T) {
		t.Parallel()
		testKazooExpiry(t, srv.Addr, check)
	})
}

// testKazooExpiry freezes a kazoo process (SIGSTOP) until the server has
// expired its session, then lets it observe the expiry.
func testKazooExpiry(t *testing.T, addr string, check *zk.Conn) {
	p := startInteractive(t, python, testdata("kazoo_recipes.py"), addr, "expiry", "/kazoo-expiry")
	out, ok := p.out.waitMatch(0, regexp.MustCompile(`READY 0x[0-9a-f]+\n`), 30*time.Second)
	if !ok {
		t.Fatalf("kazoo never got ready:\n%s", out)
	}
	const eph = "/kazoo-expiry/exp/eph"
	_, st, err := check.Exists(eph)
	if err != nil || st == nil || st.EphemeralOwner == 0 {
		t.Fatalf("ephemeral before expiry: %+v %v", st, err)
	}
	owner := st.EphemeralOwner
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			p.cmd.Process.Signal(syscall.SIGCONT)
		}
	}
	defer resume()
	// The client asked for 2 s; nothing pings while it is frozen.
	if !waitUntil(20*time.Second, func() bool {
		ok, _, err := check.Exists(eph)
		return err == nil && !ok
	}) {
		t.Fatalf("the frozen client's session (0x%x) never expired", owner)
	}
	resume()
	p.send(t, "GO")
	if exited, err := p.wait(60 * time.Second); !exited || err != nil {
		t.Fatalf("kazoo expiry: exited=%v err=%v\n%s", exited, err, p.out.String())
	}
	res := p.out.String()
	if !strings.Contains(res, "PASS expiry\n") {
		t.Fatalf("kazoo expiry failed:\n%s", res)
	}
	f := facts(res)
	if !strings.Contains(f["expiry_states"], "LOST") {
		t.Errorf("kazoo states %q lack LOST", f["expiry_states"])
	}
	// the script closed its new session on the way out
	if ok, _, err := check.Exists(eph); ok || err != nil {
		t.Errorf("ephemeral of the closed session still there: %v %v", ok, err)
	}
}

// TestKazooServerRestart: a kazoo client keeps its session across a
// restart of the zen process (SIGKILL, then a new process on the same data
// dir and port), and its DataWatch/ChildrenWatch see the changes made
// while it was away.
func TestKazooServerRestart(t *testing.T) {
	requireKazoo(t)
	if againstZK() {
		t.Skip("restarting needs a server process on a fixed data dir: zen only")
	}
	srv, restart := restartableTarget(t, "maxSessionTimeout=20000")

	p := startInteractive(t, python, testdata("kazoo_recipes.py"), srv.Addr, "restart", "/kazoo-restart")
	out, ok := p.out.waitMatch(0, regexp.MustCompile(`READY 0x([0-9a-f]+)\n`), 30*time.Second)
	if !ok {
		t.Fatalf("kazoo never got ready:\n%s", out)
	}
	sid, _ := strconv.ParseUint(regexp.MustCompile(`READY 0x([0-9a-f]+)`).FindStringSubmatch(out)[1], 16, 64)
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			p.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	srv2 := restart()
	c := goClient(t, srv2.Addr)
	_, st, err := c.Exists("/kazoo-restart/rs/eph")
	if err != nil || st == nil || uint64(st.EphemeralOwner) != sid {
		t.Fatalf("ephemeral after the restart: %+v %v (session 0x%x)", st, err, sid)
	}
	if _, err := c.Set("/kazoo-restart/rs/data", []byte("v1"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/kazoo-restart/rs/new", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGCONT)
	resumed = true
	p.send(t, "GO")
	if exited, err := p.wait(60 * time.Second); !exited || err != nil {
		t.Fatalf("kazoo restart: exited=%v err=%v\n%s", exited, err, p.out.String())
	}
	res := p.out.String()
	if !strings.Contains(res, "PASS restart\n") {
		t.Fatalf("kazoo across a restart:\n%s", res)
	}
	wantFacts(t, facts(res), map[string]string{"restart_same_session": "ok"})
}
