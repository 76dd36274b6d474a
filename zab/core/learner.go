package core

// The FOLLOWING and OBSERVING roles.
//
// A learner opens a session with its leader (a fresh random Conn) by
// LEARNERINFO. On LEADERINFO it accepts the epoch (persisting it when it
// is new; an epoch below its accepted one sends it back to LOOKING) and
// answers ACKEPOCH once that is durable. The sync header follows: DIFF
// (its log is a prefix of the leader's), TRUNC (cut the log back; if the
// truncation point is not in its log it truncates and re-registers with
// its shorter log) or SNAP (install the snapshot). It logs the streamed
// entries, and on NEWLEADER persists the new epoch as current and acks
// once all of it is durable. From then on a follower acks every proposal
// cumulatively after it is durable; an observer never acks proposals (it
// only gets INFORM). UPTODATE makes it synced. COMMIT, INFORM and UPTODATE
// carry the commit point; a learner applies what is committed and in its
// durable log. Silence from the leader for InitLimit ticks (SyncLimit once
// synced), a gap in the session's stream, RESET or any protocol violation
// send it back to LOOKING.

type learnPhase uint8

const (
	lWaitInfo  learnPhase = iota // LEARNERINFO out
	lWaitSync                    // ACKEPOCH out (or held)
	lSyncing                     // sync header in
	lNewLeader                   // NEWLEADER in; its ack out (or held)
	lUpToDate                    // UPTODATE in
)

type learnership struct {
	conn      uint64
	sendSeq   uint64
	recvSeq   uint64
	phase     learnPhase
	epoch     int64 // from LEADERINFO
	rcvCommit int64 // highest commit point heard from this session
	heard     int
	restarts  int
}

func (n *Node) startLearning() {
	n.learn = &learnership{}
	n.openSession()
}

func (n *Node) openSession() {
	l := n.learn
	l.conn = n.rand.Uint64() | 1
	l.sendSeq, l.recvSeq = 0, 0
	l.phase = lWaitInfo
	l.epoch = 0
	l.rcvCommit = n.commit
	l.heard = 0
	l.sendSeq = 1
	n.sendLearnerInfo()
}

// sendLearnerInfo sends (or resends, while unanswered) the session's first
// message.
func (n *Node) sendLearnerInfo() {
	var flags uint8
	if n.observer {
		flags = FlagObserver
	}
	n.send(Message{Type: MsgLearnerInfo, To: n.leader, Conn: n.learn.conn, Seq: 1,
		Epoch: n.hs.AcceptedEpoch, Zxid: n.log.lastZxid(), Commit: n.commit, Flags: flags})
}

// restartSession re-registers with the same leader (after a TRUNC to a
// point this log lacks); a few in a row without success give up.
func (n *Node) restartSession() {
	n.gen++ // messages held for the old session are void
	if n.learn.restarts++; n.learn.restarts > 8 {
		n.becomeLooking("too many session restarts")
		return
	}
	n.openSession()
}

func (n *Node) sendToLeader(m Message) {
	l := n.learn
	l.sendSeq++
	m.To, m.Conn, m.Seq, m.Epoch = n.leader, l.conn, l.sendSeq, l.epoch
	n.send(m)
}

func (n *Node) stepLearner(m Message) {
	l := n.learn
	if m.From != n.leader {
		n.refuseSession(m)
		return
	}
	if m.Conn != l.conn {
		return
	}
	switch m.Type {
	case MsgReset:
		n.becomeLooking("reset by leader")
		return
	case MsgLearnerInfo, MsgAckEpoch, MsgAck, MsgVote:
		return
	}
	if l.phase != lWaitInfo && m.Epoch != l.epoch {
		return // from another leadership of the same server
	}
	if m.Seq <= l.recvSeq {
		return // duplicate
	}
	if m.Seq != l.recvSeq+1 {
		n.becomeLooking("gap in session stream: #%d after #%d", m.Seq, l.recvSeq)
		return
	}
	l.recvSeq = m.Seq
	l.heard = 0
	ok := true
	switch m.Type {
	case MsgLeaderInfo:
		ok = n.handleLeaderInfo(m)
	case MsgDiff, MsgTrunc, MsgSnap:
		ok = n.handleSyncHeader(m)
	case MsgProposal, MsgInform:
		ok = n.handleEntries(m)
	case MsgNewLeader:
		ok = n.handleNewLeader(m)
	case MsgCommit:
		ok = !n.observer
		l.rcvCommit = max(l.rcvCommit, m.Zxid)
	case MsgUpToDate:
		ok = l.phase == lNewLeader
		l.phase = lUpToDate
		l.rcvCommit = max(l.rcvCommit, m.Commit)
	case MsgPing:
		n.sendToLeader(Message{Type: MsgPing})
	case MsgApp:
		if l.phase == lUpToDate {
			n.apps = append(n.apps, AppMessage{From: m.From, Payload: m.Payload, Commit: m.Commit})
		}
	}
	if !ok && n.learn == l {
		n.becomeLooking("protocol violation: %s in phase %d", m.Type, l.phase)
	}
}

func (n *Node) handleLeaderInfo(m Message) bool {
	l := n.learn
	// A voter that accepted an epoch never follows an older one (that
	// promise is what lets discovery fence off older leaders). Observers
	// promise nothing: they may follow any leader.
	if l.phase != lWaitInfo || (!n.observer && m.Epoch < n.hs.AcceptedEpoch) || m.Epoch > MaxEpoch {
		return false
	}
	var flags uint8
	if m.Epoch > n.hs.AcceptedEpoch {
		n.hs.AcceptedEpoch = m.Epoch
		n.hsDirty = true
		flags = FlagFresh
	}
	l.epoch = m.Epoch
	l.phase = lWaitSync
	n.sendAfterPersist(Message{Type: MsgAckEpoch, To: n.leader, CurrentEpoch: n.hs.CurrentEpoch,
		Zxid: n.log.lastZxid(), Flags: flags})
	return true
}

func (n *Node) handleSyncHeader(m Message) bool {
	l := n.learn
	if l.phase != lWaitSync {
		return false
	}
	switch m.Type {
	case MsgDiff:
		if m.Zxid != n.log.lastZxid() {
			return false
		}
	case MsgTrunc:
		if m.Zxid < n.commit {
			return false // would cut committed history
		}
		has, err := n.log.contains(m.Zxid)
		if err != nil {
			return false
		}
		if err := n.log.truncateAfter(m.Zxid); err != nil {
			return false
		}
		if !has {
			// Our log diverged below the leader's pick: it is cut back
			// past everything the leader lacks; let it choose again.
			n.restartSession()
			return true
		}
	case MsgSnap:
		if m.Zxid < n.commit {
			return false
		}
		n.log.installSnapshot(m.Zxid, m.Snapshot)
		n.commit = m.Zxid
		l.rcvCommit = max(l.rcvCommit, m.Zxid)
	}
	l.phase = lSyncing
	return true
}

func (n *Node) handleEntries(m Message) bool {
	l := n.learn
	if l.phase < lSyncing || n.observer != (m.Type == MsgInform) {
		return false
	}
	last := n.log.lastZxid()
	for _, e := range m.Entries {
		if e.Zxid <= last {
			return false
		}
		last = e.Zxid
	}
	n.log.append(m.Entries)
	if m.Type == MsgInform {
		l.rcvCommit = max(l.rcvCommit, m.Commit)
		return true
	}
	if l.phase >= lNewLeader && len(m.Entries) > 0 {
		n.sendAfterPersist(Message{Type: MsgAck, To: n.leader, Zxid: last})
	}
	return true
}

func (n *Node) handleNewLeader(m Message) bool {
	l := n.learn
	if l.phase != lSyncing || m.Epoch != l.epoch || m.Zxid != n.log.lastZxid() {
		return false
	}
	if n.hs.CurrentEpoch != l.epoch {
		n.hs.CurrentEpoch = l.epoch
		n.hsDirty = true
	}
	l.phase = lNewLeader
	n.sendAfterPersist(Message{Type: MsgAck, To: n.leader, Flags: FlagNewLeader, Zxid: m.Zxid})
	return true
}

func (n *Node) tickLearner() {
	l := n.learn
	l.heard++
	limit := n.cfg.InitLimit
	if l.phase == lUpToDate {
		limit = n.cfg.SyncLimit
	}
	if l.phase == lWaitInfo {
		n.sendLearnerInfo()
	}
	if l.heard > limit {
		n.becomeLooking("leader silent for %d ticks", l.heard)
	}
}
