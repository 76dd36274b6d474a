package core

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestInteraction runs the scripts in testdata/. Each command is handled by
// one function in cmd_*_test.go (documented there). Regenerate the golden
// output with: go test ./zab/core -run Interaction -rewrite.
//
//	add-nodes voters=(..) [observers=(..)] [limits]   a new ensemble; input lines preset disks
//	crash <ids> / restart <ids>                         lose unpersisted Readys / boot from disk
//	campaign <id>                                       give up the role, new election round
//	snapshot <ids>                                      snapshot the state machine, purge the log
//	status [ids]                                        roles, epochs, commit, logs, peers
//	deliver [from= to= type= n=] [drop] [dup]           step (or drop, or duplicate) queued messages
//	reorder [from= to= type=] / msgs [...]              reverse / list queued messages
//	partition <ids> / <ids> / heal                      cut / restore links
//	tick [ids] [n=]                                     advance clocks
//	ready [ids] / persist [ids] [n=]                    take a Ready (writes pending) / make them durable
//	process-ready [ids]                                 take, persist, apply and advance one Ready
//	stabilize [ids]                                     process and deliver until quiet
//	run [ids] n=                                        n × (tick + stabilize), printing role changes
//	propose <id> <data>... / send-app <from> <to> <p>  a batch / an engine payload
//
// After every command the harness checks that no epoch has two
// established leaders; applying checks every entry against the ensemble's
// committed sequence, and no write may remove an applied entry.
func TestInteraction(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		e := newEnv()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			h, ok := handlers[td.Cmd]
			if !ok {
				td.Fatalf(t, "unknown command %q", td.Cmd)
			}
			var b strings.Builder
			e.out = &b
			if err := h(e, td); err != nil {
				fmt.Fprintf(&b, "error: %v\n", err)
			}
			if err := e.checkLeaders(); err != nil {
				fmt.Fprintf(&b, "INVARIANT: %v\n", err)
			}
			if b.Len() == 0 {
				return "ok"
			}
			return b.String()
		})
	})
}

type handler func(e *env, td *datadriven.TestData) error

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		// cmd_nodes_test.go
		"add-nodes": cmdAddNodes,
		"crash":     cmdCrash,
		"restart":   cmdRestart,
		"campaign":  cmdCampaign,
		"snapshot":  cmdSnapshot,
		"status":    cmdStatus,
		// cmd_net_test.go
		"deliver":   cmdDeliver,
		"reorder":   cmdReorder,
		"msgs":      cmdMsgs,
		"partition": cmdPartition,
		"heal":      cmdHeal,
		// cmd_ready_test.go
		"tick":          cmdTick,
		"ready":         cmdReady,
		"persist":       cmdPersist,
		"process-ready": cmdProcessReady,
		"stabilize":     cmdStabilize,
		"run":           cmdRun,
		// cmd_propose_test.go
		"propose":  cmdPropose,
		"send-app": cmdSendApp,
	}
}

// ---- argument helpers ----

// args splits a command line into bare words (node ids, payloads, "/")
// and key=value options.
type args struct {
	words []string
	opts  map[string][]string
}

func parseArgs(td *datadriven.TestData) args {
	a := args{opts: map[string][]string{}}
	for _, c := range td.CmdArgs {
		if len(c.Vals) == 0 {
			a.words = append(a.words, c.Key)
		} else {
			a.opts[c.Key] = c.Vals
		}
	}
	return a
}

func (a args) has(k string) bool {
	_, ok := a.opts[k]
	if !ok {
		for _, w := range a.words {
			if w == k {
				return true
			}
		}
	}
	return ok
}

func (a args) int(k string, def int) (int, error) {
	v, ok := a.opts[k]
	if !ok {
		return def, nil
	}
	return strconv.Atoi(v[0])
}

func (a args) ids(k string) ([]int64, error) {
	var out []int64
	for _, v := range a.opts[k] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// nodes returns the bare numeric words as node ids, or every node.
func (e *env) nodesArg(a args) ([]*tnode, error) {
	var out []*tnode
	for _, w := range a.words {
		id, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			continue
		}
		t, ok := e.nodes[id]
		if !ok {
			return nil, fmt.Errorf("no node %d", id)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		for _, id := range e.ids() {
			out = append(out, e.nodes[id])
		}
	}
	return out, nil
}

func (e *env) node(w string) (*tnode, error) {
	id, err := strconv.ParseInt(w, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad node id %q", w)
	}
	t, ok := e.nodes[id]
	if !ok {
		return nil, fmt.Errorf("no node %d", id)
	}
	return t, nil
}

func (e *env) up(t *tnode) error {
	if t.n == nil {
		return fmt.Errorf("node %d is down", t.id)
	}
	return nil
}

func parseZxid(s string) (int64, error) {
	ep, ctr, ok := strings.Cut(s, ".")
	if !ok {
		return 0, fmt.Errorf("zxid %q: want epoch.counter", s)
	}
	e, err := strconv.ParseInt(ep, 10, 64)
	if err != nil {
		return 0, err
	}
	c, err := strconv.ParseUint(ctr, 10, 32)
	if err != nil {
		return 0, err
	}
	return MakeZxid(e, uint32(c)), nil
}

// checkLeaders: at most one established leader per epoch, over the whole
// script.
func (e *env) checkLeaders() error {
	for _, id := range e.ids() {
		t := e.nodes[id]
		if t.n == nil {
			continue
		}
		s := t.n.softState()
		if s.Role != Leading || !s.Synced {
			continue
		}
		if e.leaders == nil {
			e.leaders = map[int64]int64{}
		}
		if l, ok := e.leaders[s.Epoch]; ok && l != id {
			return fmt.Errorf("epoch %d led by %d and %d", s.Epoch, l, id)
		}
		e.leaders[s.Epoch] = id
	}
	return nil
}
