package cluster

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// clusterCfg is added to every member's zoo.cfg: sessions may outlive a
// failover with room to spare (the default maximum is 20 ticks, 4 s).
var clusterCfg = []string{"maxSessionTimeout=30000"}

// sessionTimeout is what the tests' clients ask for.
const sessionTimeout = 10 * time.Second

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// connect opens a session to any of addrs and waits until it is
// established; it is closed at test end.
func connect(t testing.TB, addrs ...string) *zk.Conn {
	t.Helper()
	c, ev, err := zk.Connect(addrs, sessionTimeout, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(30 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("no session with %v (state %v)", addrs, c.State())
		}
	}
	return c
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newRand returns a seeded generator and logs the seed (CLUSTER_SEED
// repeats a run's choices; timing differs anyway).
func newRand(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CLUSTER_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CLUSTER_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("random seed %d (set CLUSTER_SEED to repeat)", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// ms formats history nanoseconds as milliseconds.
func ms(ns int64) string { return fmt.Sprintf("%dms", ns/int64(time.Millisecond)) }

// mustServe waits until m serves clients.
func mustServe(t testing.TB, m *ztest.ClusterMember) {
	t.Helper()
	if !m.WaitServing(60 * time.Second) {
		t.Fatalf("member %d does not serve (mode %q):\n%s", m.ID, m.Mode(), m.Output())
	}
}

// waitLeader waits for a leader among the members given.
func waitLeader(t testing.TB, c *ztest.Cluster, among ...*ztest.ClusterMember) *ztest.ClusterMember {
	t.Helper()
	l := c.WaitLeader(60*time.Second, among...)
	if l == nil {
		for _, m := range c.Members {
			t.Logf("member %d: running %v, mode %q", m.ID, m.Running(), m.Mode())
		}
		t.Fatal("no leader was elected")
	}
	return l
}

// userTree drops the /zookeeper subtree from a dump: it is each server's
// own (e.g. /zookeeper/config's mtime is when the server started).
func userTree(d map[string]ztest.ZNode) map[string]ztest.ZNode {
	for p := range d {
		if p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") {
			delete(d, p)
		}
	}
	return d
}

// dumpAll syncs and dumps the tree of every running member and checks
// that they are identical (but for /zookeeper); it returns the first
// member's dump.
func dumpAll(t testing.TB, c *ztest.Cluster) map[string]ztest.ZNode {
	t.Helper()
	var first map[string]ztest.ZNode
	var firstID int64
	for _, m := range c.Members {
		if !m.Running() {
			continue
		}
		mustServe(t, m)
		conn := connect(t, m.Addr())
		if _, err := conn.Sync("/"); err != nil {
			t.Fatalf("sync on member %d: %v", m.ID, err)
		}
		d, err := ztest.DumpTree(conn)
		conn.Close()
		if err != nil {
			t.Fatalf("dump of member %d: %v", m.ID, err)
		}
		d = userTree(d)
		if first == nil {
			first, firstID = d, m.ID
			continue
		}
		if diff := ztest.DiffTrees(first, d, 20); len(diff) > 0 {
			t.Errorf("member %d's tree differs from member %d's:\n%s", m.ID, firstID, strings.Join(diff, "\n"))
		}
	}
	return first
}

// syncModes lists the sync modes a leader's log names for learner id, in
// order ("DIFF", "TRUNC", "SNAP"), from its "zab: syncing learner" lines.
func syncModes(out string, id int64) []string {
	prefix := fmt.Sprintf("zab: syncing learner %d by ", id)
	var modes []string
	for _, l := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(l, prefix); ok {
			mode, _, _ := strings.Cut(rest, " ")
			modes = append(modes, mode)
		}
	}
	return modes
}

// rawCreate connects a fresh session to addr (a bare connection: no
// reconnects, no backoff), creates path and closes the session. It
// reports whether the create was acked.
func rawCreate(addr, path string) (bool, error) {
	r, err := ztest.DialRaw(addr, 10000)
	if err != nil {
		return false, err
	}
	defer r.Close()
	if r.SessionID == 0 {
		return false, fmt.Errorf("no session")
	}
	q := proto.CreateRequest{Path: []byte(path), ACL: proto.OpenACL}
	rep, _, err := r.Call(1, proto.OpCreate, q.Append(nil))
	if err != nil {
		return false, err
	}
	r.Send(2, proto.OpCloseSession, nil)
	if rep.Hdr.Err != proto.ErrOk {
		return false, fmt.Errorf("create %s: %v", path, rep.Hdr.Err)
	}
	return true, nil
}

// probeFailover writes through bare sessions to each of members in turn
// until one write is acked, and returns when it was (zero if none was
// within 60 s). Unlike a go-zk client it does not back off between
// rounds, so it measures the ensemble, not the client library.
func probeFailover(members []*ztest.ClusterMember, tag string) time.Time {
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		m := members[i%len(members)]
		if ok, _ := rawCreate(m.Addr(), fmt.Sprintf("/probe-%s-%d", tag, i)); ok {
			return time.Now()
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Time{}
}
