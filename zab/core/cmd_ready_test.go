package core

import (
	"github.com/cockroachdb/datadriven"
)

// tick [ids] [n=1]: advance the nodes' clocks.
func cmdTick(e *env, td *datadriven.TestData) error {
	a := parseArgs(td)
	ts, err := e.nodesArg(a)
	if err != nil {
		return err
	}
	k, err := a.int("n", 1)
	if err != nil {
		return err
	}
	for i := 0; i < k; i++ {
		for _, t := range ts {
			if t.n != nil {
				t.n.Tick()
			}
		}
	}
	return nil
}

// ready [ids]: take a Ready from each node, print it and send its
// messages, but leave its persistence pending (see persist).
func cmdReady(e *env, td *datadriven.TestData) error {
	ts, err := e.nodesArg(parseArgs(td))
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.n == nil || !t.n.HasReady() {
			continue
		}
		rd := e.takeReady(t)
		e.printf("%s", e.fmtReady(t.id, &rd, t.lastCommit))
		t.lastCommit = rd.Commit
		e.answerSnapshots(t, &rd)
		t.pending = append(t.pending, rd)
	}
	return nil
}

// persist [ids] [n=all]: make the oldest pending Readys durable, apply
// their commit point and advance.
func cmdPersist(e *env, td *datadriven.TestData) error {
	a := parseArgs(td)
	ts, err := e.nodesArg(a)
	if err != nil {
		return err
	}
	k, err := a.int("n", -1)
	if err != nil {
		return err
	}
	for _, t := range ts {
		for i := 0; i != k && len(t.pending) > 0; i++ {
			rd := t.pending[0]
			t.pending = t.pending[1:]
			e.printf("%d: persisted ready %d\n", t.id, rd.ID)
			if err := e.persist(t, rd); err != nil {
				return err
			}
		}
	}
	return nil
}

// processReady takes, prints and fully handles one Ready of t (persisting
// any older pending ones first).
func (e *env) processReady(t *tnode) error {
	rd := e.takeReady(t)
	e.printf("%s", e.fmtReady(t.id, &rd, t.lastCommit))
	t.lastCommit = rd.Commit
	e.answerSnapshots(t, &rd)
	t.pending = append(t.pending, rd)
	for len(t.pending) > 0 {
		p := t.pending[0]
		t.pending = t.pending[1:]
		if err := e.persist(t, p); err != nil {
			return err
		}
	}
	return nil
}

// process-ready [ids]: one Ready per node, persisted at once.
func cmdProcessReady(e *env, td *datadriven.TestData) error {
	ts, err := e.nodesArg(parseArgs(td))
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.n != nil && (t.n.HasReady() || len(t.pending) > 0) {
			if err := e.processReady(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// stabilize [ids]: process Readys and deliver messages until nothing
// moves; with ids, only those nodes act and only messages to them are
// delivered.
func cmdStabilize(e *env, td *datadriven.TestData) error {
	ts, err := e.nodesArg(parseArgs(td))
	if err != nil {
		return err
	}
	in := map[int64]bool{}
	for _, t := range ts {
		in[t.id] = true
	}
	for round := 0; round < 1000; round++ {
		moved := false
		for _, t := range ts {
			for t.n != nil && (t.n.HasReady() || len(t.pending) > 0) {
				if err := e.processReady(t); err != nil {
					return err
				}
				moved = true
			}
		}
		var rest, take []Message
		for _, m := range e.queue {
			if in[m.To] {
				take = append(take, m)
			} else {
				rest = append(rest, m)
			}
		}
		e.queue = rest
		for _, m := range take {
			t := e.nodes[m.To]
			if t.n == nil || e.cut(m.From, m.To) {
				continue // lost
			}
			moved = true
			if err := t.n.Step(m); err != nil {
				e.printf("step error: %v\n", err)
			}
		}
		if !moved {
			return nil
		}
	}
	e.printf("stabilize: no quiescence after 1000 rounds\n")
	return nil
}
