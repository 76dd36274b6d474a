package core

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestConfigValidation(t *testing.T) {
	ok := Config{ID: 1, Voters: []int64{1, 2, 3}, Log: NewMemLog(), Rand: rand.New(rand.NewPCG(1, 1))}
	if _, err := NewNode(ok); err != nil {
		t.Fatal(err)
	}
	bad := []func(c *Config){
		func(c *Config) { c.ID = 4 },
		func(c *Config) { c.Voters = nil },
		func(c *Config) { c.Observers = []int64{2} },
		func(c *Config) { c.Rand = nil },
		func(c *Config) { c.Log = nil },
		func(c *Config) { c.HardState = HardState{AcceptedEpoch: 1, CurrentEpoch: 2} },
		func(c *Config) { c.Applied = 5 },
		func(c *Config) { c.InitLimit = -1 },
	}
	for i, f := range bad {
		c := ok
		f(&c)
		if _, err := NewNode(c); err == nil {
			t.Errorf("bad config %d accepted", i)
		}
	}
}

func TestStandalone(t *testing.T) {
	log := NewMemLog()
	n, err := NewNode(Config{ID: 1, Voters: []int64{1}, Log: log, Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.Propose([][]byte{[]byte("x")}); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("propose before leading: %v", err)
	}
	var hs HardState
	drive := func() Ready {
		var last Ready
		for n.HasReady() {
			rd := n.Ready()
			if len(rd.Messages) > 0 {
				t.Fatalf("standalone node sends %v", rd.Messages)
			}
			if err := log.Persist(&rd); err != nil {
				t.Fatal(err)
			}
			if rd.HardState != nil {
				hs = *rd.HardState
			}
			n.Advance(rd)
			last = rd
		}
		return last
	}
	drive()
	if s := n.Status(); s.Role != Leading || !s.Synced || s.Epoch != 1 || hs != (HardState{1, 1}) {
		t.Fatalf("standalone: %+v %+v", s.SoftState, hs)
	}
	if z := n.NextZxid(); z != MakeZxid(1, 1) {
		t.Fatalf("next zxid %s", FormatZxid(z))
	}
	first, last, err := n.Propose([][]byte{[]byte("a"), []byte("b")})
	if err != nil || first != MakeZxid(1, 1) || last != MakeZxid(1, 2) {
		t.Fatalf("propose: %s..%s %v", FormatZxid(first), FormatZxid(last), err)
	}
	if rd := drive(); rd.Commit != last {
		t.Fatalf("commit %s, want %s", FormatZxid(rd.Commit), FormatZxid(last))
	}

	// The counter must not roll into the next epoch: the leader gives up
	// its epoch instead, and the next one starts over at counter 1.
	n.lead.counter = maxCounter - 1
	if _, last, err = n.Propose([][]byte{[]byte("c"), []byte("d")}); err != nil || CounterOf(last) != maxCounter {
		t.Fatalf("propose up to the last counter: %s %v", FormatZxid(last), err)
	}
	// (A standalone server is re-elected at once, but not yet established.)
	if _, _, err := n.Propose([][]byte{[]byte("e")}); !errors.Is(err, ErrEpochExhausted) || n.Status().Synced {
		t.Fatalf("propose past the last counter: %v, %+v", err, n.Status().SoftState)
	}
	drive()
	if s := n.Status(); s.Role != Leading || s.Epoch != 2 || n.NextZxid() != MakeZxid(2, 1) || s.Commit != last {
		t.Fatalf("after exhaustion: %+v next %s commit %s", s.SoftState, FormatZxid(n.NextZxid()), FormatZxid(s.Commit))
	}
}

func TestStepAndAdvanceMisuse(t *testing.T) {
	n, err := NewNode(Config{ID: 1, Voters: []int64{1, 2, 3}, Log: NewMemLog(), Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Step(Message{Type: MsgVote, From: 2, To: 3}); err == nil {
		t.Error("message for another node accepted")
	}
	if err := n.Step(Message{Type: MsgVote, From: 9, To: 1}); err == nil {
		t.Error("message from an unknown node accepted")
	}
	rd1 := n.Ready()
	rd2 := n.Ready()
	defer func() {
		if recover() == nil {
			t.Error("out-of-order Advance did not panic")
		}
	}()
	n.Advance(rd2)
	n.Advance(rd1)
}
