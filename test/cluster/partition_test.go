package cluster

import (
	"fmt"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// pinned is a load of one session per member, each pinned to its member
// (tag: the member's id).
func pinned(c *ztest.Cluster) []loadSession {
	var out []loadSession
	for _, m := range c.Members {
		out = append(out, loadSession{addrs: []string{m.Addr()}, tag: fmt.Sprint(m.ID)})
	}
	return out
}

// TestPartitions cuts members off through the peer proxies while a
// session on each member writes. A follower cut off: it stops serving and
// the other two go on acking writes; healed, it catches up. The leader cut
// off: the other two elect a new leader and ack writes, a write sent to the
// old leader is not acked, and the old leader steps down; healed, it
// rejoins as a follower holding exactly the majority's history (a write
// only it had logged is gone). Every acked write survives and the history
// is linearizable (the cut-off leader serves plain reads until it steps
// down, but no fenced read: its fence write cannot commit).
func TestPartitions(t *testing.T) {
	rng := newRand(t)
	c := ztest.StartCluster(t, ztest.ClusterSpec{Voters: 3, Proxied: true, Cfg: clusterCfg})
	l := startLoad(t, c, rng, pinned(c), 3, 8)
	l.waitAcked(t, 0, 200, "before the partitions")

	// A follower cut off.
	leader := waitLeader(t, c)
	f := c.Others(leader)[0]
	cut := time.Now()
	c.Isolate(f.ID, false)
	if !waitFor(30*time.Second, func() bool { return f.Mode() == "" }) {
		t.Errorf("follower %d still serves (%q) 30 s after it was cut off", f.ID, f.Mode())
	}
	t.Logf("partition: follower %d stopped serving %dms after it was cut off", f.ID, time.Since(cut).Milliseconds())
	l.waitAcked(t, l.acked.Load(), 200, "with a follower cut off")
	if m := leader.Mode(); m != "leader" {
		t.Errorf("member %d lost its leadership (%q) when a follower was cut off", leader.ID, m)
	}
	healed, from := time.Now(), len(leader.Output())
	c.HealAll()
	mustServe(t, f)
	t.Logf("partition: follower %d serves again %dms after the heal (synced by %v)", f.ID,
		time.Since(healed).Milliseconds(), syncModes(leader.Output()[from:], f.ID))
	if m := f.Mode(); m != "follower" {
		t.Errorf("member %d rejoined as %q", f.ID, m)
	}
	l.waitAcked(t, l.acked.Load(), 100, "after the follower's heal")

	// The leader cut off.
	old := waitLeader(t, c)
	probe, err := ztest.DialRaw(old.Addr(), 10000)
	if err != nil {
		t.Fatalf("session on the leader: %v", err)
	}
	defer probe.Close()
	cut = time.Now()
	c.Isolate(old.ID, false)
	type reply struct {
		rep ztest.Reply
		err error
	}
	probed := make(chan reply, 1)
	go func() {
		q := proto.CreateRequest{Path: []byte("/cut-off-write"), ACL: proto.OpenACL}
		rep, _, err := probe.Call(1, proto.OpCreate, q.Append(nil))
		probed <- reply{rep, err}
	}()
	nl := waitLeader(t, c, c.Others(old)...)
	t.Logf("partition: member %d leads %dms after leader %d was cut off", nl.ID, time.Since(cut).Milliseconds(), old.ID)
	switch r := <-probed; {
	case r.err == nil && r.rep.Hdr.Err == proto.ErrOk:
		t.Errorf("a write sent to the cut-off leader %d was acked (zxid %#x)", old.ID, r.rep.Hdr.Zxid)
	case r.err == nil:
		t.Logf("partition: the write sent to the cut-off leader failed: %v", r.rep.Hdr.Err)
	default:
		t.Logf("partition: the write sent to the cut-off leader got no answer: %v", r.err)
	}
	l.waitAcked(t, l.acked.Load(), 200, "with the leader cut off")
	if !waitFor(60*time.Second, func() bool { return old.Mode() != "leader" }) {
		t.Errorf("split brain: the cut-off member %d still says it leads 60 s later, while %d leads the majority", old.ID, nl.ID)
	}
	t.Logf("partition: the cut-off leader %d stopped leading %dms after the cut", old.ID, time.Since(cut).Milliseconds())
	healed, from = time.Now(), len(nl.Output())
	c.HealAll()
	mustServe(t, old)
	t.Logf("partition: member %d serves again %dms after the heal, as %q (synced by %v)", old.ID,
		time.Since(healed).Milliseconds(), old.Mode(), syncModes(nl.Output()[from:], old.ID))
	if m := old.Mode(); m != "follower" {
		t.Errorf("the old leader %d rejoined as %q", old.ID, m)
	}
	l.waitAcked(t, l.acked.Load(), 100, "after the leader's heal")
	l.stopLoad(t)

	if z := c.WaitSameZxid(60 * time.Second); z < 0 {
		for _, m := range c.Members {
			t.Errorf("member %d: zxid %#x", m.ID, m.Zxid())
		}
		t.Fatal("the members did not converge on one zxid")
	}
	l.verify(t, c)
	for _, m := range c.Members {
		conn := connect(t, m.Addr())
		if _, err := conn.Sync("/"); err != nil {
			t.Fatal(err)
		}
		if ok, _, err := conn.Exists("/cut-off-write"); err != nil || ok {
			t.Errorf("member %d: the write only the cut-off leader saw exists: %v %v", m.ID, ok, err)
		}
		conn.Close()
	}
}
