package cluster

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

// createMany creates prefix and n children of it, data "<i>", through c
// with 16 requests in flight; every create must be acked.
func createMany(t testing.TB, c *zk.Conn, prefix string, n int) {
	t.Helper()
	if _, err := c.Create(prefix, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s: %v", prefix, err)
	}
	next := make(chan int)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p := fmt.Sprintf("%s/n%05d", prefix, i)
				if _, err := c.Create(p, []byte(fmt.Sprint(i)), 0, zk.WorldACL(zk.PermAll)); err != nil {
					errs <- fmt.Errorf("create %s: %w", p, err)
					return
				}
			}
		}()
	}
	func() {
		for i := range n {
			select {
			case next <- i:
			case err := <-errs:
				close(next)
				wg.Wait()
				t.Fatal(err)
			}
		}
		close(next)
	}()
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// catchUp starts m again and waits until it serves and reports the same
// zxid as the others; then it reads m's whole tree through m (no sync: it
// must hold everything by now) and compares it with the leader's. It
// returns the sync modes the leader logged for m during the restart.
func catchUp(t *testing.T, c *ztest.Cluster, leader, m *ztest.ClusterMember, what string) []string {
	t.Helper()
	from := len(leader.Output())
	start := time.Now()
	m.Start()
	mustServe(t, m)
	served := time.Since(start)
	z := c.WaitSameZxid(60 * time.Second)
	if z < 0 {
		for _, x := range c.Members {
			t.Logf("member %d: zxid %#x", x.ID, x.Zxid())
		}
		t.Fatalf("%s: member %d did not reach the leader's zxid", what, m.ID)
	}
	modes := syncModes(leader.Output()[from:], m.ID)
	t.Logf("catch-up (%s): member %d synced by %v, serving %dms after its start, at the leader's zxid %#x after %dms",
		what, m.ID, modes, served.Milliseconds(), z, time.Since(start).Milliseconds())
	want, err := ztest.DumpTree(connect(t, leader.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ztest.DumpTree(connect(t, m.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := ztest.DiffTrees(userTree(want), userTree(got), 20); len(diff) > 0 {
		t.Errorf("%s: member %d's tree differs from the leader's:\n%s", what, m.ID, strings.Join(diff, "\n"))
	}
	return modes
}

// TestFollowerCatchUp kills a follower, writes 2000 znodes, restarts it
// (the leader must sync it by DIFF); then stops it, wipes its data, writes
// 1500 more and restarts it (more entries than zen.maxDiffEntries behind:
// the leader must sync it by SNAP). Each time the follower must end up
// holding exactly the leader's tree, read through the follower itself.
func TestFollowerCatchUp(t *testing.T) {
	cfg := append([]string{"zen.maxDiffEntries=3000"}, clusterCfg...)
	c := ztest.StartCluster(t, ztest.ClusterSpec{Voters: 3, Cfg: cfg})
	leader := waitLeader(t, c)
	f := c.Others(leader)[0]
	// Writes go to the members that stay up.
	w := connect(t, leader.Addr(), c.Others(leader, f)[0].Addr())

	f.Kill()
	createMany(t, w, "/d1", 2000)
	if modes := catchUp(t, c, leader, f, "restart"); len(modes) == 0 || modes[len(modes)-1] != "DIFF" {
		t.Errorf("after a restart 2000 entries behind, member %d was synced by %v, want DIFF", f.ID, modes)
	}

	f.Stop()
	f.Wipe()
	createMany(t, w, "/d2", 1500)
	if modes := catchUp(t, c, leader, f, "wiped"); len(modes) == 0 || modes[len(modes)-1] != "SNAP" {
		t.Errorf("after losing its data, member %d was synced by %v, want SNAP", f.ID, modes)
	}
	if leader.Mode() != "leader" {
		t.Errorf("member %d is no longer the leader (%q)", leader.ID, leader.Mode())
	}
}
