package core

import (
	"fmt"
	"strings"

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

// run [ids] n=K: K times, tick the nodes and stabilize them; print only
// role changes (with the tick they happened at).
func cmdRun(e *env, td *datadriven.TestData) error {
	a := parseArgs(td)
	k, err := a.int("n", 1)
	if err != nil {
		return err
	}
	out := e.out
	defer func() { e.out = out }()
	sub := &datadriven.TestData{}
	for _, c := range td.CmdArgs {
		if c.Key != "n" {
			sub.CmdArgs = append(sub.CmdArgs, c)
		}
	}
	for i := 1; i <= k; i++ {
		if err := cmdTick(e, sub); err != nil {
			return err
		}
		var b strings.Builder
		e.out = &b
		err := cmdStabilize(e, sub)
		who := ""
		for _, line := range strings.Split(b.String(), "\n") {
			if strings.Contains(line, ": ready ") {
				who, _, _ = strings.Cut(line, ":")
			}
			if strings.HasPrefix(line, "  state ") {
				fmt.Fprintf(out, "tick %d: %s: %s\n", i, who, strings.TrimPrefix(line, "  state "))
			} else if strings.HasPrefix(line, "step error") || strings.HasPrefix(line, "stabilize:") {
				fmt.Fprintf(out, "tick %d: %s\n", i, line)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
