package cluster

import (
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
)

// allMembers is a load of n sessions, each free to use any member.
func allMembers(c *ztest.Cluster, n int) []loadSession {
	var out []loadSession
	for range n {
		out = append(out, loadSession{addrs: c.Addrs(), tag: "any"})
	}
	return out
}

// TestLeaderKillUnderLoad SIGKILLs the leader while clients spread over
// all members write, logs how long it took until a write issued after the
// kill was acked (the failover time as clients see it), restarts the dead
// member, and checks that every member holds every acked write (and each
// unanswered write wholly or not at all), that all members hold the same
// tree, and that the clients' history is linearizable.
func TestLeaderKillUnderLoad(t *testing.T) {
	rng := newRand(t)
	c := ztest.StartCluster(t, ztest.ClusterSpec{Voters: 3, Cfg: clusterCfg})
	l := startLoad(t, c, rng, allMembers(c, 3), 4, 8)
	l.waitAcked(t, 0, 300, "before the kill")

	old := waitLeader(t, c)
	base := l.acked.Load()
	tKill := l.h.Now()
	old.Kill()
	killed := time.Now()
	probed := probeFailover(c.Others(old), "kill")
	nl := waitLeader(t, c, c.Others(old)...)
	if probed.IsZero() {
		t.Fatalf("no write was acked within 60 s of the leader's kill")
	}
	t.Logf("failover: %dms (kill -9 of leader %d → first write acked, on a bare session; new leader %d)",
		probed.Sub(killed).Milliseconds(), old.ID, nl.ID)
	l.waitAcked(t, base, 300, "after the kill")
	t.Logf("failover as the go-zk clients saw it (incl. their 1 s reconnect backoff): %s to the first acked write issued after the kill",
		ms(l.firstAckAfter(tKill)-tKill))

	// The dead member comes back as a follower and the load goes on.
	old.Start()
	mustServe(t, old)
	if mode := old.Mode(); mode != "follower" {
		t.Errorf("the old leader rejoined as %q", mode)
	}
	if got := syncModes(nl.Output(), old.ID); len(got) == 0 {
		t.Errorf("the new leader did not log how it synced member %d", old.ID)
	} else {
		t.Logf("the old leader was synced by %v", got)
	}
	l.waitAcked(t, l.acked.Load(), 200, "after the restart")
	l.stopLoad(t)
	l.verify(t, c)
}
