package core

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
)

// Node is one server's Zab state machine. It is deterministic: no
// goroutines, clocks, I/O or global randomness. It is not safe for
// concurrent use; one goroutine (the driver) calls every method.
//
// The role is a step function: the role-specific parts live in
// election.go (LOOKING), leader.go (LEADING) and learner.go (FOLLOWING,
// OBSERVING); become* swap them and reset role state.
type Node struct {
	cfg       Config
	id        int64
	observer  bool // this server is an observer
	voters    []int64
	observers []int64
	role      map[int64]Role // configured role per server: Following (voter) or Observing
	quorum    int
	rand      *rand.Rand

	state  Role
	leader int64
	// gen changes whenever the role or the learner session changes; held
	// messages from an older gen are dropped.
	gen   uint64
	round uint64 // election round (ZooKeeper's logical clock)
	vote  Vote   // LOOKING: the current proposal; otherwise the deciding vote
	// epochHint is the highest accepted epoch a voter reported to us as
	// leader: our next epoch goes above it even if that voter is not in
	// the quorum we pick it from.
	epochHint int64

	hs        HardState // latest, maybe not yet durable
	durableHS HardState
	hsDirty   bool
	hsQueue   []hsRecord // HardStates handed out, not yet advanced

	log        *zlog
	commit     int64 // what Ready.Commit reports; monotonic
	lastCommit int64 // commit as of the last Ready

	readyID       uint64 // last Ready handed out
	advancedID    uint64 // last Ready advanced
	lastPersistID uint64 // last Ready that carried persistence
	held          []heldMsg
	msgs          []Message
	apps          []AppMessage
	snapReqs      []SnapshotRequest
	prevSoft      SoftState

	elect *election
	lead  *leadership
	learn *learnership
}

type hsRecord struct {
	id uint64
	hs HardState
}

// heldMsg is a message that may only be sent once Ready id is durable.
type heldMsg struct {
	id  uint64
	gen uint64
	m   Message
}

// NewNode returns a LOOKING node whose first Ready carries its votes.
func NewNode(cfg Config) (*Node, error) {
	c := cfg.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	n := &Node{
		cfg:       c,
		id:        c.ID,
		voters:    c.Voters,
		observers: c.Observers,
		role:      map[int64]Role{},
		quorum:    len(c.Voters)/2 + 1,
		rand:      c.Rand,
		hs:        c.HardState,
		durableHS: c.HardState,
		log:       newZlog(c.Log),
		commit:    c.Applied,
	}
	n.lastCommit = n.commit
	for _, v := range c.Voters {
		n.role[v] = Following
	}
	for _, o := range c.Observers {
		n.role[o] = Observing
	}
	n.observer = n.role[n.id] == Observing
	n.becomeLooking("start")
	n.prevSoft = SoftState{Role: Looking, Epoch: n.durableHS.CurrentEpoch}
	return n, nil
}

// ID is this server's id.
func (n *Node) ID() int64 { return n.id }

func (n *Node) isVoter(id int64) bool { return n.role[id] == Following }

// ---- role transitions ----

func (n *Node) reset(r Role, leader int64) {
	n.state, n.leader = r, leader
	n.gen++
	n.elect, n.lead, n.learn = nil, nil, nil
}

// becomeLooking starts a new election round. Legal from every role.
func (n *Node) becomeLooking(why string, args ...any) {
	n.logf("LOOKING: "+why, args...)
	if n.lead != nil {
		// Close the learners' sessions so they look for a leader at once.
		for _, p := range n.sortedPeers() {
			n.send(Message{Type: MsgReset, To: p.id, Conn: p.conn})
		}
	}
	n.reset(Looking, 0)
	n.round++
	n.startElection()
}

// becomeLeader is legal only from LOOKING, for a voter.
func (n *Node) becomeLeader() {
	if n.state != Looking || n.observer {
		panic(fmt.Sprintf("zab/core: %d: becomeLeader from %v (observer %v)", n.id, n.state, n.observer))
	}
	var early []Message
	if n.elect != nil {
		for _, id := range slices.Sorted(maps.Keys(n.elect.early)) {
			early = append(early, n.elect.early[id])
		}
	}
	n.reset(Leading, n.id)
	n.startLeading()
	for _, m := range early {
		if n.state != Leading {
			break
		}
		n.stepLeader(m)
	}
}

// becomeLearner is legal only from LOOKING: Following for a voter,
// Observing for an observer.
func (n *Node) becomeLearner(leader int64) {
	r := Following
	if n.observer {
		r = Observing
	}
	if n.state != Looking || leader == n.id || !n.isVoter(leader) {
		panic(fmt.Sprintf("zab/core: %d: become %v of %d from %v", n.id, r, leader, n.state))
	}
	n.reset(r, leader)
	n.startLearning()
}

// ---- inputs ----

// Tick advances the node's clock by one tick.
func (n *Node) Tick() {
	switch n.state {
	case Looking:
		n.tickLooking()
	case Leading:
		n.tickLeader()
	default:
		n.tickLearner()
	}
}

// Step processes a message from a peer. Messages that are stale,
// duplicated or not for the current role are ignored; an error means the
// message was not meant for this node (a driver bug).
func (n *Node) Step(m Message) error {
	if m.To != n.id {
		return fmt.Errorf("%w: message for %d stepped on %d", ErrUnknownPeer, m.To, n.id)
	}
	if _, ok := n.role[m.From]; !ok || m.From == n.id {
		return fmt.Errorf("%w: %d", ErrUnknownPeer, m.From)
	}
	if m.Type == MsgVote {
		n.stepVote(m)
		return nil
	}
	switch n.state {
	case Leading:
		n.stepLeader(m)
	case Following, Observing:
		n.stepLearner(m)
	default:
		if m.Type == MsgLearnerInfo && n.elect != nil {
			if n.elect.early == nil {
				n.elect.early = map[int64]Message{}
			}
			n.elect.early[m.From] = m
			return nil
		}
		n.refuseSession(m)
	}
	return nil
}

// refuseSession answers a learner's session message sent to a server that
// is no longer its leader, so the learner gives up at once instead of
// waiting for its timeout. LEARNERINFO gets no answer: the learner may
// just be faster than its leader to finish the election (a LOOKING server
// keeps it for that case; see becomeLeader), and it resends it.
func (n *Node) refuseSession(m Message) {
	switch m.Type {
	case MsgAckEpoch, MsgAck:
		n.send(Message{Type: MsgReset, To: m.From, Conn: m.Conn})
	}
}

// Campaign abandons the current role and starts a new election round.
func (n *Node) Campaign() { n.becomeLooking("campaign") }

// Propose appends a batch of txns as the leader, assigning them
// consecutive zxids, and returns the first and last. Only an established
// leader accepts proposals. An empty batch is a no-op.
func (n *Node) Propose(batch [][]byte) (first, last int64, err error) {
	if n.state != Leading || !n.lead.established {
		return 0, 0, ErrNotLeader
	}
	if len(batch) == 0 {
		return 0, 0, nil
	}
	l := n.lead
	if uint64(l.counter)+uint64(len(batch)) > maxCounter+1 {
		n.becomeLooking("zxid counter exhausted")
		return 0, 0, ErrEpochExhausted
	}
	es := make([]Entry, len(batch))
	for i, d := range batch {
		es[i] = Entry{Zxid: MakeZxid(l.epoch, l.counter), Data: d}
		l.counter++
	}
	n.log.append(es)
	l.readEs = nil
	return es[0].Zxid, es[len(es)-1].Zxid, nil
}

// NextZxid is the zxid the next proposed txn will get (0 unless this node
// is an established leader).
func (n *Node) NextZxid() int64 {
	if n.state != Leading || !n.lead.established {
		return 0
	}
	return MakeZxid(n.lead.epoch, n.lead.counter)
}

// SendApp sends an engine payload: a leader to a synced learner to, a
// synced learner to its leader (to must be the leader). It is ordered
// with the session's other messages.
func (n *Node) SendApp(to int64, payload []byte) error {
	switch n.state {
	case Leading:
		p := n.lead.peers[to]
		if p == nil || p.phase != pUpToDate {
			return ErrNotSynced
		}
		n.flushPeer(p)
		if n.lead.peers[to] != p {
			return ErrNotSynced
		}
		n.sendToPeer(p, Message{Type: MsgApp, Payload: payload, Commit: n.lead.commit})
		return nil
	case Following, Observing:
		if to != n.leader || n.learn.phase != lUpToDate {
			return ErrNotSynced
		}
		n.sendToLeader(Message{Type: MsgApp, Payload: payload})
		return nil
	}
	return ErrNotSynced
}

// ReportSnapshot answers a SnapshotRequest: the driver has a snapshot of
// its applied state at zxid ready to send with the MsgSnap the core emits
// next for req.Peer (ok), or could not make one (!ok, the peer's session
// is dropped and it retries). zxid must be at most the Commit this node
// reported and at least its log's Base.
func (n *Node) ReportSnapshot(req SnapshotRequest, zxid int64, ok bool) {
	if n.state != Leading {
		return
	}
	p := n.lead.peers[req.Peer]
	if p == nil || p.conn != req.Conn || p.phase != pSnapWait {
		return
	}
	n.snapshotReady(p, zxid, ok)
}

// ---- outputs ----

func (n *Node) send(m Message) {
	m.From = n.id
	n.msgs = append(n.msgs, m)
}

// persistMark is the id of the Ready whose durability covers everything
// persisted so far; 0 when all of it is durable already.
func (n *Node) persistMark() uint64 {
	if n.hsDirty || n.log.hasPending() {
		return n.readyID + 1
	}
	if n.lastPersistID > n.advancedID {
		return n.lastPersistID
	}
	return 0
}

// sendAfterPersist holds m until everything persisted so far is durable.
// Learner-session messages get their Seq when released.
func (n *Node) sendAfterPersist(m Message) {
	id := n.persistMark()
	if id == 0 {
		n.release(m)
		return
	}
	// Coalesce cumulative ACKs waiting on the same Ready.
	if m.Type == MsgAck && m.Flags == 0 {
		if k := len(n.held) - 1; k >= 0 {
			h := &n.held[k]
			if h.id == id && h.gen == n.gen && h.m.Type == MsgAck && h.m.Flags == 0 {
				h.m.Zxid = max(h.m.Zxid, m.Zxid)
				return
			}
		}
	}
	n.held = append(n.held, heldMsg{id: id, gen: n.gen, m: m})
}

func (n *Node) release(m Message) {
	if n.learn != nil && m.To == n.leader && m.Type != MsgVote {
		if m.Type == MsgAck && m.Flags == 0 {
			// Fold into an unsent cumulative ACK of this session.
			if k := len(n.msgs) - 1; k >= 0 {
				if p := &n.msgs[k]; p.Type == MsgAck && p.Flags == 0 && p.Conn == n.learn.conn {
					p.Zxid = max(p.Zxid, m.Zxid)
					return
				}
			}
		}
		n.sendToLeader(m)
		return
	}
	n.send(m)
}

func (n *Node) softState() SoftState {
	s := SoftState{Role: n.state, Leader: n.leader, Epoch: n.durableHS.CurrentEpoch}
	switch {
	case n.lead != nil:
		if n.lead.epoch != 0 {
			s.Epoch = n.lead.epoch
		}
		s.Synced = n.lead.established
	case n.learn != nil:
		if n.learn.epoch != 0 {
			s.Epoch = n.learn.epoch
		}
		s.Synced = n.learn.phase == lUpToDate
	}
	return s
}

func (n *Node) updateCommit() {
	var c int64
	switch {
	case n.lead != nil:
		c = n.lead.commit
	case n.learn != nil:
		c = n.learn.rcvCommit
	default:
		return
	}
	if c = min(c, n.log.lastZxid()); c > n.commit {
		n.commit = c
	}
}

func (n *Node) prepare() {
	if n.lead != nil {
		n.flushLeader()
	}
	n.updateCommit()
}

// HasReady reports whether Ready would return anything new.
func (n *Node) HasReady() bool {
	n.prepare()
	return len(n.msgs) > 0 || n.hsDirty || n.log.hasPending() || len(n.apps) > 0 ||
		len(n.snapReqs) > 0 || n.softState() != n.prevSoft || n.commit != n.lastCommit
}

// Ready returns what the driver must do now. Ready may be called again
// before the previous Ready is advanced (pipelining), as long as Readys
// are persisted, applied and advanced in order.
func (n *Node) Ready() Ready {
	n.prepare()
	n.readyID++
	rd := Ready{ID: n.readyID}
	if n.hsDirty || n.log.hasPending() {
		ops := n.log.take(rd.ID)
		rd.Install = ops.install
		rd.Truncate, rd.TruncateAfter = ops.trunc, ops.truncAt
		rd.Entries = ops.entries
		if n.hsDirty {
			hs := n.hs
			rd.HardState = &hs
			n.hsQueue = append(n.hsQueue, hsRecord{id: rd.ID, hs: hs})
			n.hsDirty = false
		}
		n.lastPersistID = rd.ID
	}
	rd.Messages, n.msgs = n.msgs, nil
	rd.AppMessages, n.apps = n.apps, nil
	rd.SnapshotRequests, n.snapReqs = n.snapReqs, nil
	rd.Commit = n.commit
	n.lastCommit = n.commit
	if s := n.softState(); s != n.prevSoft {
		rd.SoftState = &s
		n.prevSoft = s
	}
	return rd
}

// Advance tells the node that rd's persistence is durable (and that its
// commit point was applied, if the driver applies synchronously). Readys
// must be advanced in the order Ready returned them.
func (n *Node) Advance(rd Ready) {
	if rd.ID != n.advancedID+1 || rd.ID > n.readyID {
		panic(fmt.Sprintf("zab/core: %d: Advance(%d) after %d (last Ready %d)", n.id, rd.ID, n.advancedID, n.readyID))
	}
	n.advancedID = rd.ID
	n.log.advance(rd.ID)
	for len(n.hsQueue) > 0 && n.hsQueue[0].id <= rd.ID {
		n.durableHS = n.hsQueue[0].hs
		n.hsQueue = n.hsQueue[1:]
	}
	k := 0
	for k < len(n.held) && n.held[k].id <= rd.ID {
		if h := n.held[k]; h.gen == n.gen {
			n.release(h.m)
		}
		k++
	}
	n.held = slices.Delete(n.held, 0, k)
	if n.lead != nil {
		n.leaderPersisted()
	}
}

// Status is a snapshot of the node's state for tests and monitoring.
type Status struct {
	SoftState
	ID         int64
	Round      uint64
	Vote       Vote
	HardState  HardState // latest, maybe not yet durable
	Durable    HardState
	LastZxid   int64
	StableZxid int64 // last entry known durable
	Base       int64
	Commit     int64
	// Peers (leader only): per learner, its acknowledged zxid.
	Peers map[int64]PeerStatus
}

// PeerStatus is a leader's view of one learner.
type PeerStatus struct {
	Phase string
	Acked int64
	Next  int64
}

// Status returns the node's current state.
func (n *Node) Status() Status {
	s := Status{
		SoftState: n.softState(), ID: n.id, Round: n.round, Vote: n.vote,
		HardState: n.hs, Durable: n.durableHS, LastZxid: n.log.lastZxid(),
		StableZxid: n.log.stableLast, Base: n.log.baseNow(), Commit: n.commit,
	}
	if n.lead != nil {
		s.Peers = map[int64]PeerStatus{}
		for id, p := range n.lead.peers {
			s.Peers[id] = PeerStatus{Phase: p.phase.String(), Acked: n.lead.acks[id], Next: p.next}
		}
	}
	return s
}

func (n *Node) logf(format string, args ...any) {
	if n.cfg.Logger != nil {
		n.cfg.Logger(fmt.Sprintf("%d: ", n.id)+format, args...)
	}
}
