package core

import (
	"fmt"
	"slices"
)

// The LEADING role: discovery, synchronisation and broadcast.
//
// Discovery. The leader counts itself and every follower whose LEARNERINFO
// arrives; once a quorum of voters is connected it picks epoch = 1 + the
// highest accepted epoch among them, persists it as its accepted epoch and
// only then sends LEADERINFO. A follower answers ACKEPOCH (after persisting
// the epoch as accepted); an ACKEPOCH is "fresh" when the follower had not
// accepted this epoch before. Discovery completes when a quorum of voters
// (the leader included) freshly accepted the epoch; a voter can freshly
// accept an epoch once, so two leaders can never both complete discovery
// for one epoch. A fresh ACKEPOCH from a follower more recent than the
// leader (higher current epoch, or same and higher last zxid) makes the
// leader step down.
//
// Synchronisation. Once discovery completes the leader persists the epoch
// as current and syncs every learner that acked the epoch (later ones as
// they come): DIFF when the learner's last zxid is in the leader's log,
// TRUNC to the leader's largest zxid below it otherwise, SNAP when the
// learner is below the leader's log base or would need more than
// MaxDiffEntries entries. The header is followed by the entries from the
// leader's log, then NEWLEADER. Proposals made meanwhile come after, in the
// same stream, so a syncing learner never misses one.
//
// Broadcast. The leader is established once a quorum of voters (itself
// included, after its current epoch is durable) acked NEWLEADER; only then
// does it commit or accept proposals. Followers ack cumulatively; a zxid is
// committed when a quorum of synced voters acked it. COMMIT is cumulative;
// observers get INFORM with committed entries. UPTODATE goes to each
// synced learner once the leader is established.
//
// Liveness. Unestablished after InitLimit ticks, or hearing from less than
// a quorum of synced voters within SyncLimit ticks, the leader steps down.

type peerPhase uint8

const (
	pInfo          peerPhase = iota // LEARNERINFO in; LEADERINFO waits for the epoch
	pEpochSent                      // LEADERINFO out
	pEpochAcked                     // ACKEPOCH in; sync waits for discovery
	pSnapWait                       // SNAP chosen; waiting for the driver's snapshot
	pSyncing                        // sync header out, streaming
	pNewLeaderSent                  // NEWLEADER out
	pSynced                         // NEWLEADER acked
	pUpToDate                       // UPTODATE out
)

var peerPhaseNames = [...]string{"info", "epoch-sent", "epoch-acked", "snap-wait", "syncing",
	"newleader-sent", "synced", "uptodate"}

func (p peerPhase) String() string { return peerPhaseNames[p] }

// peer is the leader's handler of one learner session.
type peer struct {
	id       int64
	observer bool
	conn     uint64
	sendSeq  uint64
	recvSeq  uint64
	phase    peerPhase

	accepted int64 // LEARNERINFO: accepted epoch
	current  int64 // ACKEPOCH: current epoch
	last     int64 // ACKEPOCH: last zxid
	commit   int64 // LEARNERINFO: commit point

	next       int64 // the stream holds every entry up to next
	commitSent int64
	heard      int // ticks since the last message

	// Plan B when a snapshot turns out older than the learner's commit.
	fallback   MsgType
	fallbackAt int64
}

type leadership struct {
	epoch        int64 // 0 until chosen
	epochDurable bool
	discovered   bool
	selfSynced   bool // our current epoch is durable: we count as NEWLEADER-acked
	established  bool

	connecting map[int64]int64 // voter → accepted epoch, self included
	epochAcks  map[int64]bool  // voters that freshly accepted epoch
	synced     map[int64]bool  // voters that acked NEWLEADER
	acks       map[int64]int64 // voter → highest acked zxid
	commit     int64
	peers      map[int64]*peer
	conns      map[uint64]bool // every session opened in this leadership
	list       []*peer         // the peers sorted by id; dropped ones linger until compacted
	// readAfter/readEs cache the first chunk of entries read after a
	// zxid: every live learner usually needs the same one. Reset by
	// Propose (the only change to a leader's log).
	readAfter int64
	readEs    []Entry

	myEpoch int64 // our current epoch and last zxid when elected
	myLast  int64
	counter uint32 // next zxid counter
	ticks   int
	pingIn  int
}

func (n *Node) startLeading() {
	n.lead = &leadership{
		connecting: map[int64]int64{n.id: n.hs.AcceptedEpoch},
		epochAcks:  map[int64]bool{},
		synced:     map[int64]bool{},
		acks:       map[int64]int64{},
		commit:     n.commit,
		peers:      map[int64]*peer{},
		conns:      map[uint64]bool{},
		myEpoch:    n.durableHS.CurrentEpoch,
		myLast:     n.log.lastZxid(),
		counter:    1,
		pingIn:     n.cfg.PingTicks,
	}
	n.maybeChooseEpoch()
}

func (n *Node) countVoters(set map[int64]bool) int {
	c := 0
	for id, ok := range set {
		if ok && n.isVoter(id) {
			c++
		}
	}
	return c
}

// sortedPeers returns the current peers in id order, without allocating.
// The slice stays valid if peers are dropped while the caller iterates
// (check alive); no peer is added while iterating.
func (n *Node) sortedPeers() []*peer {
	l := n.lead
	k := 0
	for _, p := range l.list {
		if l.peers[p.id] == p {
			l.list[k] = p
			k++
		}
	}
	clear(l.list[k:])
	l.list = l.list[:k]
	return l.list
}

func (n *Node) addPeer(p *peer) {
	l := n.lead
	l.peers[p.id] = p
	i, found := slices.BinarySearchFunc(l.list, p.id, func(q *peer, id int64) int {
		return int(min(max(q.id-id, -1), 1))
	})
	if found {
		l.list[i] = p
	} else {
		l.list = slices.Insert(l.list, i, p)
	}
}

// readEntries is log.entries for streaming, through the leader's cache.
func (n *Node) readEntries(after int64) ([]Entry, error) {
	l := n.lead
	if l.readEs != nil && l.readAfter == after {
		return l.readEs, nil
	}
	es, err := n.log.entries(after, n.cfg.MaxMsgEntries)
	if err != nil {
		return nil, err
	}
	l.readAfter, l.readEs = after, es[:len(es):len(es)]
	return es, nil
}

// alive reports whether p is still the current handler of its learner
// (handlers get dropped while iterating).
func (n *Node) alive(p *peer) bool { return n.lead != nil && n.lead.peers[p.id] == p }

func (n *Node) maybeChooseEpoch() {
	l := n.lead
	if l.epoch != 0 || len(l.connecting) < n.quorum {
		return
	}
	e := n.epochHint
	for _, a := range l.connecting {
		e = max(e, a)
	}
	e++
	if e > MaxEpoch {
		panic(fmt.Sprintf("zab/core: %d: epoch space exhausted", n.id))
	}
	l.epoch = e
	n.hs.AcceptedEpoch = e
	n.hsDirty = true
}

// leaderPersisted reacts to newly durable state.
func (n *Node) leaderPersisted() {
	l := n.lead
	if l.epoch != 0 && !l.epochDurable && n.durableHS.AcceptedEpoch >= l.epoch {
		l.epochDurable = true
		l.epochAcks[n.id] = true
		for _, p := range n.sortedPeers() {
			if p.phase == pInfo {
				n.sendLeaderInfo(p)
			}
		}
		n.maybeDiscovered()
	}
	if l.discovered && !l.selfSynced && n.durableHS.CurrentEpoch == l.epoch {
		l.selfSynced = true
		l.synced[n.id] = true
	}
	if l.selfSynced {
		l.acks[n.id] = n.log.stableLast
		n.maybeEstablish()
		n.maybeCommit()
	}
}

func (n *Node) sendToPeer(p *peer, m Message) {
	p.sendSeq++
	m.To, m.Conn, m.Seq, m.Epoch = p.id, p.conn, p.sendSeq, n.lead.epoch
	n.send(m)
}

func (n *Node) sendLeaderInfo(p *peer) {
	n.sendToPeer(p, Message{Type: MsgLeaderInfo, Epoch: n.lead.epoch})
	p.phase = pEpochSent
}

func (n *Node) dropPeer(p *peer) {
	delete(n.lead.peers, p.id)
	n.send(Message{Type: MsgReset, To: p.id, Conn: p.conn})
}

func (n *Node) stepLeader(m Message) {
	l := n.lead
	switch m.Type {
	case MsgLearnerInfo:
		n.handleLearnerInfo(m)
		return
	case MsgAckEpoch, MsgAck, MsgPing, MsgApp:
	default:
		return
	}
	p := l.peers[m.From]
	if p == nil || p.conn != m.Conn || m.Epoch != l.epoch {
		n.send(Message{Type: MsgReset, To: m.From, Conn: m.Conn})
		return
	}
	if m.Seq <= p.recvSeq {
		return // duplicate
	}
	if m.Seq != p.recvSeq+1 {
		n.dropPeer(p) // gap: the session lost a message
		return
	}
	p.recvSeq = m.Seq
	p.heard = 0
	switch m.Type {
	case MsgAckEpoch:
		n.handleAckEpoch(p, m)
	case MsgAck:
		n.handleAck(p, m)
	case MsgApp:
		if p.phase == pUpToDate {
			n.apps = append(n.apps, AppMessage{From: p.id, Payload: m.Payload})
		}
	}
}

func (n *Node) handleLearnerInfo(m Message) {
	l := n.lead
	obs := m.Flags&FlagObserver != 0
	if obs != (n.role[m.From] == Observing) || m.Seq != 1 {
		return
	}
	if l.conns[m.Conn] {
		return // a duplicate, or a replay of a session already served
	}
	if p := l.peers[m.From]; p != nil && m.Epoch < p.accepted {
		return // a replay from an older session: accepted epochs only grow
	}
	if !obs && m.Epoch > n.epochHint {
		n.epochHint = m.Epoch
	}
	if l.established && !obs && m.Epoch > l.epoch {
		// The voter promised a later epoch to a leader that failed and can
		// never follow ours: a new election picks an epoch above it.
		n.becomeLooking("voter %d accepted epoch %d > %d", m.From, m.Epoch, l.epoch)
		return
	}
	l.conns[m.Conn] = true
	p := &peer{id: m.From, observer: obs, conn: m.Conn, recvSeq: 1, accepted: m.Epoch, commit: m.Commit}
	n.addPeer(p)
	if l.epoch == 0 {
		if !obs {
			l.connecting[m.From] = m.Epoch
			n.maybeChooseEpoch()
		}
		return
	}
	if l.epochDurable {
		n.sendLeaderInfo(p)
	}
}

func (n *Node) handleAckEpoch(p *peer, m Message) {
	l := n.lead
	if p.phase != pEpochSent {
		return
	}
	p.current, p.last = m.CurrentEpoch, m.Zxid
	p.phase = pEpochAcked
	if l.discovered {
		n.startSync(p)
		return
	}
	if m.Flags&FlagFresh == 0 || p.observer {
		return // synced once discovery completes, but not counted
	}
	if p.current > l.myEpoch || (p.current == l.myEpoch && p.last > l.myLast) {
		// A quorum member knows more than we do: we must not lead.
		n.becomeLooking("follower %d is more recent (e%d, %s)", p.id, p.current, FormatZxid(p.last))
		return
	}
	l.epochAcks[p.id] = true
	n.maybeDiscovered()
}

func (n *Node) maybeDiscovered() {
	l := n.lead
	if l.discovered || !l.epochDurable || n.countVoters(l.epochAcks) < n.quorum {
		return
	}
	l.discovered = true
	n.hs.CurrentEpoch = l.epoch
	n.hsDirty = true
	for _, p := range n.sortedPeers() {
		if p.phase == pEpochAcked && n.alive(p) {
			n.startSync(p)
		}
	}
}

// startSync picks DIFF, TRUNC or SNAP for p.
func (n *Node) startSync(p *peer) {
	f, last, base := p.last, n.log.lastZxid(), n.log.baseNow()
	var kind MsgType
	var point int64
	switch {
	case f == last:
		kind, point = MsgDiff, f
	case f < base:
		kind = MsgSnap
	default:
		fl, err := n.log.floor(f)
		switch {
		case err != nil:
			kind = MsgSnap
		case fl == f:
			kind, point = MsgDiff, f
		default:
			kind, point = MsgTrunc, fl
		}
	}
	if kind != MsgSnap && n.cfg.MaxDiffEntries > 0 && point < last {
		es, err := n.log.entries(point, n.cfg.MaxDiffEntries+1)
		if err != nil || len(es) > n.cfg.MaxDiffEntries {
			if err == nil {
				p.fallback, p.fallbackAt = kind, point
			}
			kind = MsgSnap
		}
	}
	if kind == MsgTrunc && point < p.commit {
		n.dropPeer(p) // cannot happen: a commit point is in every later history
		return
	}
	if kind == MsgSnap {
		p.phase = pSnapWait
		n.snapReqs = append(n.snapReqs, SnapshotRequest{Peer: p.id, Conn: p.conn})
		return
	}
	n.beginStream(p, kind, point)
}

func (n *Node) beginStream(p *peer, kind MsgType, point int64) {
	n.sendToPeer(p, Message{Type: kind, Zxid: point})
	p.next = point
	p.phase = pSyncing
}

func (n *Node) snapshotReady(p *peer, zxid int64, ok bool) {
	switch {
	case !ok:
		n.dropPeer(p)
	case p.fallback != 0 && zxid < p.fallbackAt:
		// The snapshot is older than the point where the learner's log
		// meets ours: installing it would shrink the learner's durable
		// history (entries a quorum may have acknowledged would be gone
		// from its disk until the stream catches up, while its current
		// epoch still ranks it high). Sync by the log instead.
		n.beginStream(p, p.fallback, p.fallbackAt)
	case zxid < p.commit:
		n.dropPeer(p) // cannot happen: commit <= the meeting point
	case zxid < n.log.baseNow() || zxid > n.commit || zxid > n.log.lastZxid():
		n.dropPeer(p)
	default:
		n.sendToPeer(p, Message{Type: MsgSnap, Zxid: zxid})
		p.next = zxid
		p.phase = pSyncing
	}
}

func (n *Node) flushLeader() {
	for _, p := range n.sortedPeers() {
		if n.alive(p) {
			n.flushPeer(p)
		}
	}
}

// flushPeer streams what p has not been sent yet: entries (up to the
// leader's last zxid, or its commit point for an observer), NEWLEADER at
// the end of a sync, and the commit point.
func (n *Node) flushPeer(p *peer) {
	l := n.lead
	if p.phase < pSyncing {
		return
	}
	limit := n.log.lastZxid()
	if p.observer {
		limit = min(limit, l.commit)
	}
	for p.next < limit {
		es, err := n.readEntries(p.next)
		if err != nil {
			n.dropPeer(p)
			return
		}
		k := 0
		for k < len(es) && es[k].Zxid <= limit {
			k++
		}
		if k == 0 {
			n.dropPeer(p)
			return
		}
		m := Message{Type: MsgProposal, Entries: es[:k:k]}
		if p.observer {
			m.Type, m.Commit = MsgInform, l.commit
		}
		n.sendToPeer(p, m)
		p.next = es[k-1].Zxid
	}
	if p.phase == pSyncing {
		n.sendToPeer(p, Message{Type: MsgNewLeader, Epoch: l.epoch, Zxid: p.next})
		p.phase = pNewLeaderSent
	}
	if !p.observer {
		if c := min(l.commit, p.next); c > p.commitSent {
			n.sendToPeer(p, Message{Type: MsgCommit, Zxid: c})
			p.commitSent = c
		}
	}
}

func (n *Node) handleAck(p *peer, m Message) {
	l := n.lead
	if m.Flags&FlagNewLeader != 0 {
		if p.phase != pNewLeaderSent {
			return
		}
		p.phase = pSynced
		if !p.observer {
			l.synced[p.id] = true
			l.acks[p.id] = max(l.acks[p.id], min(m.Zxid, p.next))
		}
		if l.established {
			n.sendUpToDate(p)
		} else {
			n.maybeEstablish()
		}
		n.maybeCommit()
		return
	}
	if p.observer || p.phase < pSynced {
		return
	}
	if z := min(m.Zxid, p.next); z > l.acks[p.id] {
		l.acks[p.id] = z
		n.maybeCommit()
	}
}

func (n *Node) maybeEstablish() {
	l := n.lead
	if l.established || !l.selfSynced || n.countVoters(l.synced) < n.quorum {
		return
	}
	l.established = true
	n.maybeCommit()
	for _, p := range n.sortedPeers() {
		if p.phase == pSynced && n.alive(p) {
			n.sendUpToDate(p)
		}
	}
}

func (n *Node) sendUpToDate(p *peer) {
	n.flushPeer(p)
	if !n.alive(p) {
		return
	}
	n.sendToPeer(p, Message{Type: MsgUpToDate, Commit: n.lead.commit})
	p.phase = pUpToDate
}

// maybeCommit advances the commit point to the highest zxid a quorum of
// NEWLEADER-acked voters acknowledged.
func (n *Node) maybeCommit() {
	l := n.lead
	if !l.established {
		return
	}
	var buf [16]int64
	vals := buf[:0]
	for _, v := range n.voters {
		if l.synced[v] {
			vals = append(vals, l.acks[v])
		}
	}
	if len(vals) < n.quorum {
		return
	}
	slices.Sort(vals)
	if q := vals[len(vals)-n.quorum]; q > l.commit {
		l.commit = q
	}
}

func (n *Node) tickLeader() {
	l := n.lead
	l.ticks++
	for _, p := range n.sortedPeers() {
		p.heard++
		limit := n.cfg.InitLimit
		if p.phase >= pSynced {
			limit = n.cfg.SyncLimit
		}
		if p.heard > limit {
			n.dropPeer(p)
		}
	}
	if !l.established {
		if l.ticks > n.cfg.InitLimit {
			n.becomeLooking("not established within initLimit")
			return
		}
	} else {
		live := 1
		for _, p := range l.peers {
			if !p.observer && p.phase >= pSynced {
				live++
			}
		}
		if live < n.quorum {
			n.becomeLooking("lost quorum (%d live)", live)
			return
		}
	}
	if l.pingIn--; l.pingIn <= 0 {
		l.pingIn = n.cfg.PingTicks
		for _, p := range n.sortedPeers() {
			if p.phase >= pEpochSent {
				n.sendToPeer(p, Message{Type: MsgPing})
			}
		}
	}
}
