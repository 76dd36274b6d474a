package cluster

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

// TestObserver runs 3 voters and an observer. The observer says "Mode:
// observer"; sessions on it read and write (writes are forwarded and
// acked); when the leader is killed it serves again once a voter leads,
// with the same sessions; it never reports leading (polled throughout).
// The load through the observer loses no acked write and is linearizable.
func TestObserver(t *testing.T) {
	rng := newRand(t)
	c := ztest.StartCluster(t, ztest.ClusterSpec{Voters: 3, Observers: 1, Cfg: clusterCfg})
	obs := c.Member(4)
	if out := obs.Srvr(); ztest.SrvrField(out, "Mode") != "observer" {
		t.Fatalf("member 4's srvr:\n%s", out)
	}

	// Poll every member's mode throughout: the observer must never lead.
	stopPoll := make(chan struct{})
	var pollDone sync.WaitGroup
	var obsModes sync.Map // mode → true
	pollDone.Add(1)
	go func() {
		defer pollDone.Done()
		for {
			select {
			case <-stopPoll:
				return
			case <-time.After(20 * time.Millisecond):
			}
			obsModes.Store(obs.Mode(), true)
		}
	}()
	defer func() {
		close(stopPoll)
		pollDone.Wait()
	}()

	// Reads and writes through the observer.
	oc := connect(t, obs.Addr())
	sid := oc.SessionID()
	if _, err := oc.Create("/obs", []byte("v0"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create through the observer: %v", err)
	}
	if st, err := oc.Set("/obs", []byte("v1"), 0); err != nil || st.Version != 1 {
		t.Fatalf("set through the observer: %+v %v", st, err)
	}
	if data, _, err := oc.Get("/obs"); err != nil || string(data) != "v1" {
		t.Fatalf("read through the observer after its own write: %q %v", data, err)
	}
	leader := waitLeader(t, c)
	lc := connect(t, leader.Addr())
	if data, _, err := lc.Get("/obs"); err != nil || string(data) != "v1" {
		t.Fatalf("the leader misses the write made through the observer: %q %v", data, err)
	}
	lc.Close()

	sessions := []loadSession{{addrs: []string{obs.Addr()}, tag: "observer"}, {addrs: []string{obs.Addr()}, tag: "observer"}}
	l := startLoad(t, c, rng, sessions, 3, 6)
	l.waitAcked(t, 0, 200, "through the observer")

	killed := time.Now()
	leader.Kill()
	nl := waitLeader(t, c, c.Others(leader, obs)...)
	if !obs.WaitServing(60 * time.Second) {
		t.Fatalf("the observer does not serve after the leader change (mode %q)", obs.Mode())
	}
	var err error
	if !waitFor(60*time.Second, func() bool {
		_, err = oc.Set("/obs", []byte(fmt.Sprint("after-", nl.ID)), -1)
		return err == nil
	}) {
		t.Fatalf("no write through the observer after the leader change: %v", err)
	}
	t.Logf("observer: a write through it was acked %dms after leader %d was killed (new leader %d)",
		time.Since(killed).Milliseconds(), leader.ID, nl.ID)
	if got := oc.SessionID(); got != sid {
		t.Errorf("the observer's session changed across the leader change: %#x, then %#x", sid, got)
	}
	l.waitAcked(t, l.acked.Load(), 200, "through the observer after the leader change")

	leader.Start()
	mustServe(t, leader)
	if m := leader.Mode(); m != "follower" {
		t.Errorf("the old leader rejoined as %q", m)
	}
	l.waitAcked(t, l.acked.Load(), 100, "after the old leader's return")
	l.stopLoad(t)
	if z := c.WaitSameZxid(60 * time.Second); z < 0 {
		t.Fatal("the members did not converge on one zxid")
	}
	l.verify(t, c)

	if m := obs.Mode(); m != "observer" {
		t.Errorf("member 4 ended as %q", m)
	}
	var modes []string
	obsModes.Range(func(k, _ any) bool {
		modes = append(modes, fmt.Sprintf("%q", k))
		return true
	})
	t.Logf("observer: modes seen while polling: %v", modes)
	if _, ok := obsModes.Load("leader"); ok {
		t.Errorf("the observer reported Mode: leader")
	}
}
