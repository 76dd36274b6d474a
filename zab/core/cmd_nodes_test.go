package core

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"
)

// add-nodes voters=(1,2,3) [observers=(4)] [init-limit=N sync-limit=N
// election-ticks=N finalize=N max-diff=N ping=N]
//
// Creates a new ensemble (discarding any previous one), every node
// LOOKING. Input lines preset a node's
// disk before it starts:
//
//	<id>: log=1.1,1.2,2.1 acc=2 cur=2 snap=1.1
//
// (entries' data is their zxid; snap compacts the log to that zxid and
// makes it the state machine's snapshot).
func cmdAddNodes(e *env, td *datadriven.TestData) error {
	out := e.out
	*e = *newEnv() // a new world
	e.out = out
	a := parseArgs(td)
	var err error
	if e.voters, err = a.ids("voters"); err != nil {
		return err
	}
	if e.obs, err = a.ids("observers"); err != nil {
		return err
	}
	for k, p := range map[string]*int{
		"init-limit": &e.cfg.InitLimit, "sync-limit": &e.cfg.SyncLimit,
		"election-ticks": &e.cfg.ElectionTicks, "finalize": &e.cfg.FinalizeTicks,
		"max-diff": &e.cfg.MaxDiffEntries, "ping": &e.cfg.PingTicks,
	} {
		if *p, err = a.int(k, 0); err != nil {
			return err
		}
	}
	for _, id := range append(slices.Clone(e.voters), e.obs...) {
		e.nodes[id] = &tnode{id: id, log: NewMemLog(), seed: uint64(id)}
	}
	for _, line := range strings.Split(td.Input, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := e.presetDisk(line); err != nil {
			return err
		}
	}
	for _, id := range e.ids() {
		if err := e.boot(e.nodes[id]); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) presetDisk(line string) error {
	head, rest, ok := strings.Cut(line, ":")
	if !ok {
		return fmt.Errorf("bad preset %q", line)
	}
	t, err := e.node(strings.TrimSpace(head))
	if err != nil {
		return err
	}
	for _, f := range strings.Fields(rest) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "log":
			for _, s := range strings.Split(v, ",") {
				z, err := parseZxid(s)
				if err != nil {
					return err
				}
				if err := t.log.Append([]Entry{{Zxid: z, Data: []byte(s)}}); err != nil {
					return err
				}
			}
		case "acc", "cur":
			ep, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return err
			}
			if k == "acc" {
				t.hs.AcceptedEpoch = ep
			} else {
				t.hs.CurrentEpoch = ep
			}
		case "snap":
			z, err := parseZxid(v)
			if err != nil {
				return err
			}
			for _, en := range t.log.All() {
				if en.Zxid <= z {
					t.snapSM = append(t.snapSM, en)
				}
			}
			t.snapZ = z
			t.log.Compact(z)
			// A preset snapshot is committed history by definition.
			for i, en := range t.snapSM {
				if i >= len(e.committed) {
					e.addCommitted(en)
				}
			}
		default:
			return fmt.Errorf("unknown preset %q", k)
		}
	}
	return nil
}

// crash <id>: the node stops; Readys it has not persisted are lost.
func cmdCrash(e *env, td *datadriven.TestData) error {
	ts, err := e.nodesArg(parseArgs(td))
	if err != nil {
		return err
	}
	for _, t := range ts {
		if len(t.pending) > 0 {
			e.printf("%d: crashed, %d unpersisted ready(s) lost\n", t.id, len(t.pending))
		}
		e.crash(t)
	}
	return nil
}

// restart <id>: the node boots from its disk, LOOKING.
func cmdRestart(e *env, td *datadriven.TestData) error {
	ts, err := e.nodesArg(parseArgs(td))
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.n != nil {
			return fmt.Errorf("node %d is up", t.id)
		}
		if err := e.boot(t); err != nil {
			return err
		}
		t.lastCommit = t.applied
	}
	return nil
}

// campaign <id>: the node abandons its role and starts a new round.
func cmdCampaign(e *env, td *datadriven.TestData) error {
	ts, err := e.nodesArg(parseArgs(td))
	if err != nil {
		return err
	}
	for _, t := range ts {
		if err := e.up(t); err != nil {
			return err
		}
		t.n.Campaign()
	}
	return nil
}

// snapshot <id>: snapshot the state machine at its applied zxid and purge
// the log up to it.
func cmdSnapshot(e *env, td *datadriven.TestData) error {
	ts, err := e.nodesArg(parseArgs(td))
	if err != nil {
		return err
	}
	for _, t := range ts {
		if err := e.up(t); err != nil {
			return err
		}
		t.snapZ, t.snapSM = t.applied, slices.Clone(t.sm)
		t.log.Compact(t.applied)
		e.printf("%d: snapshot at %s, log base %s\n", t.id, FormatZxid(t.snapZ), FormatZxid(t.log.Base()))
	}
	return nil
}

// status [ids]: role, epochs, log and state machine of each node.
func cmdStatus(e *env, td *datadriven.TestData) error {
	ts, err := e.nodesArg(parseArgs(td))
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.n == nil {
			e.printf("%d: down disk: acc=%d cur=%d log=%s\n", t.id, t.hs.AcceptedEpoch, t.hs.CurrentEpoch, fmtLog(t.log))
			continue
		}
		s := t.n.Status()
		e.printf("%d: %s acc=%d cur=%d commit=%s applied=%s log=%s\n", t.id, fmtSoft(s.SoftState),
			t.hs.AcceptedEpoch, t.hs.CurrentEpoch, FormatZxid(s.Commit), FormatZxid(t.applied), fmtLog(t.log))
		if len(s.Peers) > 0 {
			ids := make([]int64, 0, len(s.Peers))
			for id := range s.Peers {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				p := s.Peers[id]
				e.printf("   peer %d: %s acked=%s\n", id, p.Phase, FormatZxid(p.Acked))
			}
		}
	}
	return nil
}

func fmtLog(l *MemLog) string {
	s := fmtZxids(l.All())
	if l.Base() != 0 {
		s = FormatZxid(l.Base()) + "|" + s
	}
	return s
}
