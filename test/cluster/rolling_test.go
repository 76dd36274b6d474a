package cluster

import (
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
)

// TestRollingRestart stops (SIGTERM) and restarts every member in turn,
// followers first and the leader last, while clients spread over all
// members write. No acked write may be lost, every member must end with
// the same tree, and the history must be linearizable.
func TestRollingRestart(t *testing.T) {
	rng := newRand(t)
	c := ztest.StartCluster(t, ztest.ClusterSpec{Voters: 3, Cfg: clusterCfg})
	l := startLoad(t, c, rng, allMembers(c, 3), 3, 8)
	l.waitAcked(t, 0, 200, "before the restarts")

	leader := waitLeader(t, c)
	order := append(c.Others(leader), leader)
	for _, m := range order {
		wasLeader := m.Mode() == "leader"
		tStop := l.h.Now()
		stopped := time.Now()
		m.Stop()
		if wasLeader {
			probed := probeFailover(c.Others(m), "stop")
			if probed.IsZero() {
				t.Fatalf("no write was acked within 60 s of the leader's stop")
			}
			t.Logf("failover: %dms (SIGTERM of leader %d → first write acked, on a bare session)", probed.Sub(stopped).Milliseconds(), m.ID)
		}
		l.waitAcked(t, l.acked.Load(), 100, "with a member down")
		t.Logf("rolling restart: member %d (leader: %v) stopped; first write issued after the stop acked after %s",
			m.ID, wasLeader, ms(l.firstAckAfter(tStop)-tStop))
		if code := m.Proc.Cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("member %d exited with status %d on SIGTERM", m.ID, code)
		}
		start := time.Now()
		m.Start()
		mustServe(t, m)
		t.Logf("rolling restart: member %d serves again %dms after its start, as %q", m.ID, time.Since(start).Milliseconds(), m.Mode())
		l.waitAcked(t, l.acked.Load(), 100, "after a restart")
	}
	if waitLeader(t, c) == nil {
		t.Fatal("no leader after the rolling restart")
	}
	l.stopLoad(t)
	if z := c.WaitSameZxid(60 * time.Second); z < 0 {
		t.Fatal("the members did not converge on one zxid")
	}
	l.verify(t, c)
}
