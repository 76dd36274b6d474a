package core

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// env is the scripted tests' world: nodes with in-memory disks, a message
// queue, partitions. Every handler in cmd_*_test.go works on it.
type env struct {
	cfg    Config // template: tick limits etc.
	voters []int64
	obs    []int64
	nodes  map[int64]*tnode
	queue  []Message
	parts  map[int64]int // node → partition group (absent: group 0)
	out    *strings.Builder
	// committed is the ensemble's committed sequence as applied anywhere.
	committed []Entry
	leaders   map[int64]int64 // epoch → established leader
	// committedData: zxid → data of every entry in committed
	committedData map[int64]string
	idCache       []int64
}

// tnode is one server: its core (nil while down) and its durable state.
type tnode struct {
	id    int64
	n     *Node
	seed  uint64
	boots uint64

	// durable
	log         *MemLog
	hs          HardState
	snapZ       int64   // latest snapshot of the state machine
	snapSM      []Entry // its content
	pending     []Ready // handed out, not yet durable (lost on crash)
	pendingDone []int   // sim: step at which each pending Ready is durable

	// volatile state machine: the applied entries
	sm      []Entry
	applied int64
	// snapshots taken for peers (leader), by conn
	sent map[uint64][]Entry
	// commit as of the last Ready printed
	lastCommit int64
}

func newEnv() *env {
	return &env{nodes: map[int64]*tnode{}, parts: map[int64]int{}}
}

func (e *env) printf(format string, args ...any) { fmt.Fprintf(e.out, format, args...) }

func (e *env) ids() []int64 {
	if len(e.idCache) == len(e.nodes) {
		return e.idCache
	}
	ids := make([]int64, 0, len(e.nodes))
	for id := range e.nodes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	e.idCache = ids
	return ids
}

func (e *env) boot(t *tnode) error {
	t.boots++
	c := e.cfg
	c.ID = t.id
	c.Voters, c.Observers = e.voters, e.obs
	c.Log = t.log
	c.HardState = t.hs
	c.Applied = t.snapZ
	c.Rand = rand.New(rand.NewPCG(t.seed, t.boots))
	n, err := NewNode(c)
	if err != nil {
		return err
	}
	t.n = n
	t.sm = slices.Clone(t.snapSM)
	t.applied = t.snapZ
	t.sent = map[uint64][]Entry{}
	t.pending, t.pendingDone = nil, nil
	return nil
}

// takeReady gets a Ready from t, answers snapshot requests, attaches
// snapshot bodies to SNAP messages and queues the messages.
func (e *env) takeReady(t *tnode) Ready {
	rd := t.n.Ready()
	for _, m := range rd.Messages {
		if m.Type == MsgSnap {
			m.Snapshot = slices.Clone(t.sent[m.Conn])
		}
		e.queue = append(e.queue, m)
	}
	return rd
}

// answerSnapshots reports snapshots of t's applied state for rd's requests.
func (e *env) answerSnapshots(t *tnode, rd *Ready) {
	for _, req := range rd.SnapshotRequests {
		t.sent[req.Conn] = slices.Clone(t.sm)
		t.n.ReportSnapshot(req, t.applied, true)
	}
}

// persist makes rd durable on t's disk, applies its commit and advances.
func (e *env) persist(t *tnode, rd Ready) error {
	if err := checkWrites(t, &rd); err != nil {
		return err
	}
	if rd.Install != nil {
		t.snapZ = rd.Install.Zxid
		t.snapSM = slices.Clone(rd.Install.Data.([]Entry))
	}
	if err := t.log.Persist(&rd); err != nil {
		return err
	}
	if rd.HardState != nil {
		t.hs = *rd.HardState
	}
	if err := e.apply(t, rd); err != nil {
		return err
	}
	t.n.Advance(rd)
	return nil
}

// checkWrites: no write may remove an applied entry (applied entries are
// verified against the ensemble's committed sequence as they are applied,
// so this keeps every log's committed prefix verified).
func checkWrites(t *tnode, rd *Ready) error {
	if rd.Install != nil && rd.Install.Zxid < t.applied {
		return fmt.Errorf("node %d: installs snapshot %s below applied %s", t.id, FormatZxid(rd.Install.Zxid), FormatZxid(t.applied))
	}
	if rd.Truncate && rd.TruncateAfter < t.applied {
		return fmt.Errorf("node %d: truncates after %s below applied %s", t.id, FormatZxid(rd.TruncateAfter), FormatZxid(t.applied))
	}
	return nil
}

func (e *env) apply(t *tnode, rd Ready) error {
	if rd.Install != nil {
		t.sm = slices.Clone(t.snapSM)
		t.applied = t.snapZ
		if err := e.checkPrefix(t.id, t.sm); err != nil {
			return err
		}
	}
	if rd.Commit < t.applied {
		return fmt.Errorf("node %d: commit %s below applied %s", t.id, FormatZxid(rd.Commit), FormatZxid(t.applied))
	}
	for t.applied < rd.Commit {
		es, err := t.log.Entries(t.applied, 1024)
		if err != nil {
			return fmt.Errorf("node %d: applying after %s: %v", t.id, FormatZxid(t.applied), err)
		}
		if len(es) == 0 {
			return fmt.Errorf("node %d: commit %s beyond durable log %s", t.id, FormatZxid(rd.Commit), FormatZxid(t.log.LastZxid()))
		}
		for _, en := range es {
			if en.Zxid > rd.Commit {
				break
			}
			if err := e.commitEntry(t, en); err != nil {
				return err
			}
		}
	}
	return nil
}

// commitEntry applies en on t and checks it against the ensemble's
// committed sequence.
func (e *env) commitEntry(t *tnode, en Entry) error {
	i := len(t.sm)
	if i < len(e.committed) {
		if c := e.committed[i]; c.Zxid != en.Zxid || string(c.Data) != string(en.Data) {
			return fmt.Errorf("node %d applies %s=%q as #%d, ensemble committed %s=%q",
				t.id, FormatZxid(en.Zxid), en.Data, i, FormatZxid(c.Zxid), c.Data)
		}
	} else {
		e.addCommitted(en)
	}
	t.sm = append(t.sm, en)
	t.applied = en.Zxid
	return nil
}

func (e *env) addCommitted(en Entry) {
	if e.committedData == nil {
		e.committedData = map[int64]string{}
	}
	e.committed = append(e.committed, en)
	e.committedData[en.Zxid] = string(en.Data)
}

func (e *env) checkPrefix(id int64, sm []Entry) error {
	for i, en := range sm {
		if i >= len(e.committed) {
			return fmt.Errorf("node %d: snapshot holds uncommitted %s", id, FormatZxid(en.Zxid))
		}
		if c := e.committed[i]; c.Zxid != en.Zxid || string(c.Data) != string(en.Data) {
			return fmt.Errorf("node %d: snapshot differs at #%d", id, i)
		}
	}
	return nil
}

func (e *env) crash(t *tnode) {
	t.n = nil
	t.pending, t.pendingDone = nil, nil
}

func (e *env) cut(from, to int64) bool { return e.parts[from] != e.parts[to] }

// ---- formatting ----

func fmtZxids(es []Entry) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, en := range es {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(FormatZxid(en.Zxid))
	}
	b.WriteByte(']')
	return b.String()
}

func fmtMsg(m Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d->%d %v", m.From, m.To, m.Type)
	if m.Seq != 0 {
		fmt.Fprintf(&b, " #%d", m.Seq)
	}
	z := FormatZxid
	switch m.Type {
	case MsgVote:
		fmt.Fprintf(&b, " r%d %v %v", m.Round, m.State, m.Vote)
	case MsgLearnerInfo:
		fmt.Fprintf(&b, " acc=%d last=%s commit=%s", m.Epoch, z(m.Zxid), z(m.Commit))
		if m.Flags&FlagObserver != 0 {
			b.WriteString(" observer")
		}
	case MsgLeaderInfo:
		fmt.Fprintf(&b, " e%d", m.Epoch)
	case MsgAckEpoch:
		fmt.Fprintf(&b, " e%d cur=%d last=%s", m.Epoch, m.CurrentEpoch, z(m.Zxid))
		if m.Flags&FlagFresh != 0 {
			b.WriteString(" fresh")
		}
	case MsgDiff, MsgTrunc, MsgSnap, MsgCommit:
		fmt.Fprintf(&b, " %s", z(m.Zxid))
	case MsgProposal:
		fmt.Fprintf(&b, " %s", fmtZxids(m.Entries))
	case MsgInform:
		fmt.Fprintf(&b, " %s commit=%s", fmtZxids(m.Entries), z(m.Commit))
	case MsgNewLeader:
		fmt.Fprintf(&b, " e%d %s", m.Epoch, z(m.Zxid))
	case MsgAck:
		if m.Flags&FlagNewLeader != 0 {
			b.WriteString(" newleader")
		}
		fmt.Fprintf(&b, " %s", z(m.Zxid))
	case MsgUpToDate:
		fmt.Fprintf(&b, " commit=%s", z(m.Commit))
	case MsgApp:
		fmt.Fprintf(&b, " %q", m.Payload)
		if m.Commit != 0 {
			fmt.Fprintf(&b, " commit=%s", z(m.Commit))
		}
	}
	return b.String()
}

func fmtSoft(s SoftState) string {
	out := fmt.Sprintf("%v", s.Role)
	if s.Leader != 0 {
		out += fmt.Sprintf(" leader=%d", s.Leader)
	}
	out += fmt.Sprintf(" epoch=%d", s.Epoch)
	if s.Synced {
		out += " synced"
	}
	return out
}

// fmtReady prints the parts of rd that are set.
func (e *env) fmtReady(id int64, rd *Ready, prevCommit int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d: ready %d\n", id, rd.ID)
	if rd.SoftState != nil {
		fmt.Fprintf(&b, "  state %s\n", fmtSoft(*rd.SoftState))
	}
	if rd.Install != nil {
		fmt.Fprintf(&b, "  install snapshot %s\n", FormatZxid(rd.Install.Zxid))
	}
	if rd.Truncate {
		fmt.Fprintf(&b, "  truncate after %s\n", FormatZxid(rd.TruncateAfter))
	}
	if len(rd.Entries) > 0 {
		fmt.Fprintf(&b, "  append %s\n", fmtZxids(rd.Entries))
	}
	if rd.HardState != nil {
		fmt.Fprintf(&b, "  hardstate acc=%d cur=%d\n", rd.HardState.AcceptedEpoch, rd.HardState.CurrentEpoch)
	}
	if rd.Commit != prevCommit {
		fmt.Fprintf(&b, "  commit %s\n", FormatZxid(rd.Commit))
	}
	for _, r := range rd.SnapshotRequests {
		fmt.Fprintf(&b, "  snapshot request for %d\n", r.Peer)
	}
	for _, a := range rd.AppMessages {
		fmt.Fprintf(&b, "  app from %d %q", a.From, a.Payload)
		if a.Commit != 0 {
			fmt.Fprintf(&b, " commit=%s", FormatZxid(a.Commit))
		}
		b.WriteByte('\n')
	}
	for _, m := range rd.Messages {
		fmt.Fprintf(&b, "  %s\n", fmtMsg(m))
	}
	return b.String()
}
