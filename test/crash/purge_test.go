package crash

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/engine"
	"github.com/zen-coord/zen/internal/ztest"
)

// purgeConfig is the configuration of TestPurgeKeepsRecoverable: a small
// snapCount so the server snapshots on its own, and the minimum retain
// count.
func purgeConfig(c *engine.Config) {
	c.SnapCount = 50
	c.SnapRetainCount = 3
}

// newInProc starts an in-process server on dir like ztest.StartServerIn but
// returns engine.New's error instead of failing the test.
func newInProc(t testing.TB, dir string, mod func(*engine.Config)) (*engine.Server, error) {
	t.Helper()
	cfg := engine.DefaultConfig()
	cfg.TickTime = 200 * time.Millisecond
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.ClientAddr = "127.0.0.1:0"
	cfg.MaxClientCnxns = 0
	mod(&cfg)
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	var out io.Writer = io.Discard
	if os.Getenv("ZEN_TEST_LOG") != "" {
		out = os.Stderr
	}
	srv, err := engine.New(cfg, engine.Options{
		Logger:  log.New(out, "zen ", log.Lmicroseconds),
		OnFatal: func(err error) { t.Errorf("server fatal: %v", err) },
	})
	if err == nil {
		t.Cleanup(func() { srv.Close() })
	}
	return srv, err
}

// writeSome makes n changes of every kind under /p (creates, setData,
// deletes, sequential creates, a multi) through c.
func writeSome(t testing.TB, c *zk.Conn, round, n int) {
	t.Helper()
	acl := zk.WorldACL(zk.PermAll)
	for i := range n {
		p := fmt.Sprintf("/p/r%d-%d", round, i)
		if _, err := c.Create(p, []byte(p), 0, acl); err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
		switch i % 4 {
		case 0:
			if _, err := c.Set(p, []byte("v2"), 0); err != nil {
				t.Fatalf("set %s: %v", p, err)
			}
		case 1:
			if err := c.Delete(p, 0); err != nil {
				t.Fatalf("delete %s: %v", p, err)
			}
		case 2:
			if _, err := c.Create("/p/seq-", []byte(p), zk.FlagSequence, acl); err != nil {
				t.Fatalf("sequential create: %v", err)
			}
		case 3:
			if _, err := c.Multi(
				&zk.CreateRequest{Path: p + "-m", Data: []byte("m"), Acl: acl},
				&zk.SetDataRequest{Path: p, Data: []byte("m"), Version: 0},
			); err != nil {
				t.Fatalf("multi: %v", err)
			}
		}
	}
}

// waitSnapshotsSettled waits until no snapshot is being written and the
// snapshot files stop changing, and returns them.
func waitSnapshotsSettled(t testing.TB, dir string) []snapFile {
	t.Helper()
	var prev string
	stable := 0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		busy := false
		for _, e := range ents {
			names = append(names, e.Name())
			busy = busy || strings.HasPrefix(e.Name(), "snapshot.tmp.")
		}
		cur := strings.Join(names, ",")
		if !busy && cur == prev {
			if stable++; stable >= 6 {
				return listSnapshots(t, dir)
			}
		} else {
			stable = 0
		}
		prev = cur
	}
	t.Fatal("snapshot files did not settle")
	return nil
}

// TestPurgeKeepsRecoverable runs autopurge (engine.Server.Purge, as the
// purge interval is in hours) after many snapshots: exactly the three
// newest remain, and the server recovers the same tree from the newest, and
// also from the oldest retained one when the two newer are damaged (so the
// log after it was kept). With every retained snapshot damaged the log
// alone no longer holds the whole history: the server must refuse to start
// rather than serve part of the tree.
func TestPurgeKeepsRecoverable(t *testing.T) {
	rng := newRand(t)
	srv := ztest.StartServer(t, purgeConfig)
	dir := srv.Dir
	sdir := filepath.Join(dir, "data", "zen-snap")
	c, _ := connect(t, srv.Addr(), 10*time.Second)
	if _, err := c.Create("/p", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	for round := range 10 {
		writeSome(t, c, round, 30)
		if _, err := srv.TakeSnapshot(); err != nil {
			t.Fatalf("TakeSnapshot: %v", err)
		}
	}
	before := waitSnapshotsSettled(t, sdir)
	if len(before) < 10 {
		t.Fatalf("only %d snapshots after 10 explicit ones", len(before))
	}
	if err := srv.Purge(); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	kept := listSnapshots(t, sdir)
	if len(kept) != 3 {
		t.Fatalf("%d snapshots after Purge with snapRetainCount=3, want 3: %v", len(kept), kept)
	}
	oldestKept := kept[len(kept)-1].zxid
	for _, s := range before {
		removed := true
		for _, k := range kept {
			removed = removed && k.zxid != s.zxid
		}
		if removed && s.zxid > oldestKept {
			t.Errorf("Purge removed snapshot %#x, newer than the retained %#x", s.zxid, oldestKept)
		}
	}
	if err := srv.Purge(); err != nil {
		t.Fatalf("second Purge: %v", err)
	}
	if again := listSnapshots(t, sdir); len(again) != 3 {
		t.Errorf("a second Purge left %d snapshots", len(again))
	}

	// Changes after the newest snapshot live only in the log.
	writeSome(t, c, 100, 20)
	want := dumpTree(t, c)
	c.Close()
	srv.Close()

	restartAndCompare := func(what string) {
		t.Helper()
		s, err := newInProc(t, dir, purgeConfig)
		if err != nil {
			t.Fatalf("%s: restart failed: %v", what, err)
		}
		vc, _ := connect(t, s.Addr(), 10*time.Second)
		if diff := diffDumps(want, dumpTree(t, vc)); len(diff) > 0 {
			t.Fatalf("%s: the recovered tree differs:\n%s", what, strings.Join(diff, "\n"))
		}
		vc.Close()
		s.Close()
	}
	restartAndCompare("after Purge")

	// The restart may have written a snapshot of its own (it replayed
	// more than snapCount/2 entries). Damage every snapshot but the oldest
	// retained one: recovery needs the whole log after it.
	damaged := map[int64]bool{}
	damageAllBut := func(keep int64) {
		for _, sf := range listSnapshots(t, sdir) {
			if sf.zxid != keep && !damaged[sf.zxid] {
				flipByte(t, sf.path, rng)
				damaged[sf.zxid] = true
			}
		}
	}
	if all := listSnapshots(t, sdir); all[len(all)-1].zxid != oldestKept {
		t.Fatalf("the oldest snapshot is %#x, the oldest Purge kept was %#x", all[len(all)-1].zxid, oldestKept)
	}
	damageAllBut(oldestKept)
	restartAndCompare("every snapshot but the oldest retained one damaged")

	damageAllBut(-1)
	s, err := newInProc(t, dir, purgeConfig)
	if err != nil {
		t.Logf("with every retained snapshot damaged the server refuses to start: %v", err)
		return
	}
	vc, _ := connect(t, s.Addr(), 10*time.Second)
	if diff := diffDumps(want, dumpTree(t, vc)); len(diff) > 0 {
		t.Errorf("with every snapshot damaged and the log purged, the server started and serves a partial tree:\n%s",
			strings.Join(diff, "\n"))
	}
}
