package core

// Fast leader election, after ZooKeeper's FastLeaderElection.
//
// A LOOKING server proposes a vote (initially itself, with its durable
// current epoch and last durable zxid), sends it to every voter, and
// adopts any better vote it hears in its round; rounds (logical clocks)
// synchronise upwards. It decides when a quorum of voters' votes in its
// round equal its proposal: at once if every voter agrees, otherwise after
// FinalizeTicks without a change. A server that hears from voters already
// FOLLOWING or LEADING joins their leader when a quorum of them agree on it
// and the leader itself says it is LEADING (how a restarted server joins
// an established ensemble). Observers run the same procedure but are never
// counted and never proposed. Non-LOOKING servers answer a LOOKING
// server's vote with their own.
//
// A vote carries this server's current epoch and last zxid, which may not
// be durable yet (a truncation, a snapshot install or entries in flight):
// vote messages are therefore held until everything persisted so far is
// durable, so no vote ever claims more than the disk holds.

type election struct {
	proposal Vote
	recv     map[int64]note // voters' latest votes in this round
	outOf    map[int64]note // votes of voters that are not LOOKING
	ticks    int
	resendAt int
	agreedAt int // tick at which a quorum agreed; -1 none
	// early holds LEARNERINFOs that arrived while this server was still
	// LOOKING (a learner may decide first): if it becomes their leader, it
	// handles them at once instead of waiting for their resend a tick later.
	early map[int64]Message
}

type note struct {
	vote  Vote
	state Role
	round uint64
}

func (n *Node) startElection() {
	v := n.selfVote()
	n.elect = &election{proposal: v, recv: map[int64]note{}, outOf: map[int64]note{}, agreedAt: -1}
	n.vote = v
	if !n.observer {
		n.elect.recv[n.id] = note{vote: v, state: Looking, round: n.round}
	}
	n.broadcastVote()
	n.elect.resendAt = n.electionTimeout()
	n.checkElection()
}

func (n *Node) electionTimeout() int {
	return n.cfg.ElectionTicks + n.rand.IntN(n.cfg.ElectionTicks)
}

// selfVote is this server's own candidacy; observers propose nobody.
func (n *Node) selfVote() Vote {
	if n.observer {
		return Vote{Zxid: -1, Epoch: -1}
	}
	return Vote{Leader: n.id, Zxid: n.log.lastZxid(), Epoch: n.hs.CurrentEpoch}
}

// better reports whether a beats b: only voters can win; then by epoch,
// zxid and id.
func (n *Node) better(a, b Vote) bool {
	if !n.isVoter(a.Leader) {
		return false
	}
	if !n.isVoter(b.Leader) {
		return true
	}
	if a.Epoch != b.Epoch {
		return a.Epoch > b.Epoch
	}
	if a.Zxid != b.Zxid {
		return a.Zxid > b.Zxid
	}
	return a.Leader > b.Leader
}

// sendVote sends our vote to one server, once our state is durable.
func (n *Node) sendVote(to int64) {
	n.sendAfterPersist(Message{Type: MsgVote, To: to, Round: n.round, State: n.state, Vote: n.vote})
}

func (n *Node) broadcastVote() {
	for _, v := range n.voters {
		if v != n.id {
			n.sendVote(v)
		}
	}
}

func (n *Node) setProposal(v Vote) {
	n.elect.proposal = v
	n.vote = v
	n.elect.agreedAt = -1
}

// stepVote handles MsgVote in every role.
func (n *Node) stepVote(m Message) {
	if n.state != Looking {
		if m.State == Looking {
			n.sendVote(m.From)
		}
		return
	}
	e := n.elect
	if !n.isVoter(m.From) {
		if m.State == Looking {
			n.sendVote(m.From)
		}
		return
	}
	if m.State == Looking {
		if m.Vote.Leader == n.id {
			// A vote for us may carry an older state of ours (our log may
			// have been truncated since): only our own word counts.
			m.Vote = n.selfVote()
		}
		switch {
		case m.Round > n.round:
			n.round = m.Round
			clear(e.recv)
			best := n.selfVote()
			if n.better(m.Vote, best) {
				best = m.Vote
			}
			n.setProposal(best)
			n.broadcastVote()
		case m.Round < n.round:
			// Tell a voter of an older round about ours. An observer's
			// round means nothing to voters: answering would ping-pong.
			if !n.observer {
				n.sendVote(m.From)
			}
			return
		default:
			if n.better(m.Vote, e.proposal) {
				n.setProposal(m.Vote)
				n.broadcastVote()
			} else if m.Vote != e.proposal && !n.observer {
				// The sender has not seen our (better) proposal: perhaps
				// our vote reached it before it was LOOKING. Tell it now
				// rather than at our next resend. (Not from an observer:
				// voters answer an observer's vote, which would ping-pong.)
				n.sendVote(m.From)
			}
		}
		e.recv[m.From] = note{vote: m.Vote, state: Looking, round: m.Round}
		if !n.observer {
			e.recv[n.id] = note{vote: e.proposal, state: Looking, round: n.round}
		}
		n.checkElection()
		return
	}
	// The sender follows or leads already.
	if !n.isVoter(m.Vote.Leader) {
		return
	}
	nt := note{vote: m.Vote, state: m.State, round: m.Round}
	if m.Round == n.round {
		e.recv[m.From] = nt
		if n.quorumFor(e.recv, nt) && n.leaderOK(e.recv, m.Vote.Leader, m.Round) {
			n.decide(m.Vote)
			return
		}
	}
	e.outOf[m.From] = nt
	if n.quorumFor(e.outOf, nt) && n.leaderOK(e.outOf, m.Vote.Leader, m.Round) {
		n.round = m.Round
		n.decide(m.Vote)
	}
}

// sameVote compares votes fully while either side is LOOKING, and by
// leader only between settled servers: followers that joined their leader
// at different times carry different snapshots of its state (ZooKeeper
// also compares the peer epoch, which can leave a server out for good).
func sameVote(a, b note) bool {
	if a.state == Looking || b.state == Looking {
		return a.vote == b.vote && a.round == b.round
	}
	return a.vote.Leader == b.vote.Leader
}

func (n *Node) agreeing(set map[int64]note, target note) int {
	c := 0
	for id, nt := range set {
		if n.isVoter(id) && sameVote(nt, target) {
			c++
		}
	}
	return c
}

func (n *Node) quorumFor(set map[int64]note, target note) bool {
	return n.agreeing(set, target) >= n.quorum
}

// leaderOK: a leader other than us must itself say it is LEADING; we may
// only be told to lead in our own round.
func (n *Node) leaderOK(set map[int64]note, leader int64, round uint64) bool {
	if leader == n.id {
		return round == n.round && !n.observer
	}
	nt, ok := set[leader]
	return ok && nt.state == Leading
}

func (n *Node) checkElection() {
	e := n.elect
	if !n.isVoter(e.proposal.Leader) {
		return
	}
	c := n.agreeing(e.recv, note{vote: e.proposal, state: Looking, round: n.round})
	switch {
	case c < n.quorum:
		e.agreedAt = -1
	case c == len(n.voters) || n.cfg.FinalizeTicks == 0:
		n.decide(e.proposal)
	case e.agreedAt < 0:
		e.agreedAt = e.ticks
	}
}

func (n *Node) decide(v Vote) {
	n.vote = v
	if v.Leader == n.id {
		n.becomeLeader()
	} else {
		n.becomeLearner(v.Leader)
	}
}

func (n *Node) tickLooking() {
	e := n.elect
	e.ticks++
	if e.agreedAt >= 0 && e.ticks-e.agreedAt >= n.cfg.FinalizeTicks {
		if n.agreeing(e.recv, note{vote: e.proposal, state: Looking, round: n.round}) >= n.quorum {
			n.decide(e.proposal)
			return
		}
		e.agreedAt = -1
	}
	if e.ticks >= e.resendAt {
		n.broadcastVote()
		e.resendAt = e.ticks + n.electionTimeout()
	}
}
