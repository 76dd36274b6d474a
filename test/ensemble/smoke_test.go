package ensemble

import (
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

func connect(t *testing.T, addrs ...string) *zk.Conn {
	t.Helper()
	c, ev, err := zk.Connect(addrs, 4*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(20 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("no session with %v (state %v)", addrs, c.State())
		}
	}
	return c
}

func TestThreeMembersReplicate(t *testing.T) {
	ms := ztest.StartEnsemble(t, ztest.EnsembleSpec{Voters: 3})
	leaders := 0
	for _, m := range ms {
		t.Logf("member %d: %s (leader %d)", m.ID, m.Mode(), m.LeaderID())
		if m.Mode() == "leader" {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("%d leaders", leaders)
	}
	// Write through every member, read through every member.
	conns := make([]*zk.Conn, len(ms))
	for i, m := range ms {
		conns[i] = connect(t, m.Addr())
	}
	for i, c := range conns {
		p := "/n" + string(rune('0'+i))
		if _, err := c.Create(p, []byte(p), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("create via member %d: %v", ms[i].ID, err)
		}
	}
	for i, c := range conns {
		if _, err := c.Sync("/"); err != nil {
			t.Fatalf("sync via member %d: %v", ms[i].ID, err)
		}
		kids, _, err := c.Children("/")
		if err != nil || len(kids) != 4 {
			t.Fatalf("children via member %d: %v %v", ms[i].ID, kids, err)
		}
	}
}

func leaderOf(ms []*ztest.Member) *ztest.Member {
	for _, m := range ms {
		if m.Server != nil && m.Serving() && m.Mode() == "leader" {
			return m
		}
	}
	return nil
}

func waitFor(d time.Duration, f func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if f() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func TestLeaderFailover(t *testing.T) {
	ms := ztest.StartEnsemble(t, ztest.EnsembleSpec{Voters: 3})
	old := leaderOf(ms)
	if old == nil {
		t.Fatal("no leader")
	}
	var others []*ztest.Member
	for _, m := range ms {
		if m != old {
			others = append(others, m)
		}
	}
	c := connect(t, others[0].Addr(), others[1].Addr())
	if _, err := c.Create("/before", []byte("x"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	old.Stop()
	var nl *ztest.Member
	if !waitFor(10*time.Second, func() bool { nl = leaderOf(others); return nl != nil }) {
		t.Fatal("no new leader")
	}
	t.Logf("new leader %d after %v", nl.ID, time.Since(start))
	// The client's session survives on the remaining members.
	if !waitFor(20*time.Second, func() bool {
		_, err := c.Create("/after", nil, 0, zk.WorldACL(zk.PermAll))
		return err == nil || err == zk.ErrNodeExists
	}) {
		t.Fatal("no write after failover")
	}
	t.Logf("first write after %v", time.Since(start))
	if ok, _, err := c.Exists("/before"); err != nil || !ok {
		t.Fatalf("ephemeral lost in failover: %v %v", ok, err)
	}
	// The old leader comes back as a follower and catches up.
	old.Start()
	if !old.WaitServing(20 * time.Second) {
		t.Fatal("old leader did not rejoin")
	}
	if old.Mode() != "follower" {
		t.Fatalf("old leader rejoined as %s", old.Mode())
	}
	c2 := connect(t, old.Addr())
	if _, err := c2.Sync("/"); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := c2.Exists("/after"); err != nil || !ok {
		t.Fatalf("rejoined member misses /after: %v %v", ok, err)
	}
}

func TestObserverServesAndNeverVotes(t *testing.T) {
	ms := ztest.StartEnsemble(t, ztest.EnsembleSpec{Voters: 3, Observers: 1})
	obs := ms[3]
	if obs.Mode() != "observer" {
		t.Fatalf("member 4 is %s", obs.Mode())
	}
	c := connect(t, obs.Addr())
	if _, err := c.Create("/via-observer", []byte("o"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("write through the observer: %v", err)
	}
	// Two voters down: no quorum, even with the observer up.
	var down []*ztest.Member
	for _, m := range ms[:3] {
		if len(down) < 2 && m.Mode() != "leader" {
			down = append(down, m)
		}
	}
	for _, m := range down {
		m.Stop()
	}
	if !waitFor(20*time.Second, func() bool { return !obs.Serving() }) {
		t.Fatal("the observer kept serving without a quorum")
	}
	for _, m := range down[:1] {
		m.Start()
	}
	if !waitFor(30*time.Second, func() bool { return obs.Serving() }) {
		t.Fatal("the observer did not come back with a quorum")
	}
	c2 := connect(t, obs.Addr())
	if _, err := c2.Sync("/"); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := c2.Exists("/via-observer"); err != nil || !ok {
		t.Fatalf("lost /via-observer: %v %v", ok, err)
	}
	if _, err := c2.Create("/after-quorum", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("write after quorum came back: %v", err)
	}
}

func TestFourLetterModes(t *testing.T) {
	ms := ztest.StartEnsemble(t, ztest.EnsembleSpec{Voters: 3, Observers: 1})
	modes := map[string]int{}
	for _, m := range ms {
		srvr, err := ztest.FourLetter(m.Addr(), "srvr")
		if err != nil {
			t.Fatal(err)
		}
		mntr, err := ztest.FourLetter(m.Addr(), "mntr")
		if err != nil {
			t.Fatal(err)
		}
		mode := ""
		for _, l := range strings.Split(srvr, "\n") {
			if strings.HasPrefix(l, "Mode: ") {
				mode = strings.TrimPrefix(l, "Mode: ")
			}
		}
		modes[mode]++
		if !strings.Contains(mntr, "zk_server_state\t"+mode+"\n") || !strings.Contains(mntr, "zk_quorum_size\t3\n") {
			t.Errorf("member %d (%s): mntr lacks its state or quorum size", m.ID, mode)
		}
		if mode == "leader" {
			if !strings.Contains(srvr, "Proposal sizes last/min/max:") {
				t.Errorf("leader's srvr lacks proposal sizes:\n%s", srvr)
			}
			// The leader's view of its learners settles within a few ticks.
			ok := waitFor(10*time.Second, func() bool {
				mntr, _ = ztest.FourLetter(m.Addr(), "mntr")
				return strings.Contains(mntr, "zk_synced_followers\t2\n") && strings.Contains(mntr, "zk_synced_observers\t1\n") &&
					strings.Contains(mntr, "zk_learners\t3\n")
			})
			if !ok {
				t.Errorf("leader's mntr: %s", grepLines(mntr, "synced", "learners", "proposal"))
			}
		}
	}
	if modes["leader"] != 1 || modes["follower"] != 2 || modes["observer"] != 1 {
		t.Fatalf("modes %v", modes)
	}
}

func grepLines(s string, words ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
