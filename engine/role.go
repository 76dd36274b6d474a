package engine

import (
	"time"

	"github.com/zen-coord/zen/zab/core"
)

// leadership is this server's current established leadership: its
// generation (as the driver counts them) and the zxid its next proposal
// takes. The proposer owns next once it has read it.
type leadership struct {
	gen  uint64
	next int64
}

// State implements zab.StateMachine: the role changed. It runs on the
// driver goroutine and must not block.
//
// A server serves clients only while it is synced with an established
// leader (or is that leader). When it stops serving, or follows a new
// leader, every client connection is closed: clients reconnect and
// reattach their sessions elsewhere, which is what ZooKeeper does.
func (s *Server) State(st core.SoftState, gen uint64, next int64, caughtUp int64) {
	prev := s.soft.Swap(&st)
	nowServing := st.Synced && st.Role != core.Looking
	changed := prev == nil || prev.Leader != st.Leader || prev.Epoch != st.Epoch || prev.Role != st.Role
	if s.serving.Load() && (!nowServing || changed) {
		s.serving.Store(false)
		s.dropClients("the ensemble changed (" + st.Role.String() + ")")
	}
	if st.Role == core.Leading && st.Synced && next > 0 {
		// A new leadership: every session gets a fresh timeout (ZK's new
		// leader does the same), and the proposer starts from next.
		s.sessions.refreshAll(s.now().UnixMilli())
		s.lead.Store(&leadership{gen: gen, next: next})
		s.m.leaderSince.Store(s.now().UnixMilli())
		s.signalProposer()
	} else if st.Role != core.Leading {
		s.lead.Store(nil)
		s.m.leaderSince.Store(0)
	}
	if nowServing && !s.serving.Load() {
		// Serve once everything committed so far is applied: a client
		// must not find a restarted server missing its session.
		s.serveAt.Store(caughtUp)
		s.maybeServe()
	} else if !nowServing {
		s.serveAt.Store(-1)
	}
}

// maybeServe starts serving clients when the applier has caught up with
// serveAt (the driver goroutine and the applier both call it).
func (s *Server) maybeServe() {
	at := s.serveAt.Load()
	if at < 0 || s.tr().LastZxid() < at {
		return
	}
	if s.serveAt.CompareAndSwap(at, -1) {
		s.recoveredOnce.Do(func() {
			s.logf("recovered zxid %#x from snapshot %#x + %d log entries in %v", s.tr().LastZxid(),
				s.loadedBase, s.m.txns.Get(), time.Since(s.started).Round(time.Millisecond))
		})
		s.serving.Store(true)
		st := s.soft.Load()
		s.logf("serving clients as %s (leader %d, epoch %d, zxid %#x)", s.modeName(), st.Leader, st.Epoch, s.tr().LastZxid())
	}
}

// isLeader reports whether this server is the established leader.
func (s *Server) isLeader() bool { return s.lead.Load() != nil }

// leaderID is the current leader (0 when there is none).
func (s *Server) leaderID() int64 {
	if st := s.soft.Load(); st != nil {
		return st.Leader
	}
	return 0
}

// modeName is srvr's Mode line.
func (s *Server) modeName() string {
	if !s.cfg.Ensemble() {
		return "standalone"
	}
	st := s.soft.Load()
	if st == nil {
		return "looking"
	}
	switch st.Role {
	case core.Leading:
		return "leader"
	case core.Following:
		return "follower"
	case core.Observing:
		return "observer"
	}
	return "looking"
}

// dropClients closes every client connection and forgets what they were
// waiting for.
func (s *Server) dropClients(why string) {
	conns := s.sortedConns()
	if len(conns) > 0 {
		s.logf("closing %d client connections: %s", len(conns), why)
	}
	for _, c := range conns {
		c.qmu.Lock()
		s.outstanding.Add(-int64(len(c.q)))
		clear(c.q)
		c.q = nil
		c.state.Store(stateDead)
		c.qmu.Unlock()
		c.nc.Close()
	}
	s.pendingMu.Lock()
	clear(s.pendingConnects)
	clear(s.pendingRevalidates)
	s.waitSyncs = nil
	s.pendingMu.Unlock()
}

// Mode is the server's role as srvr prints it (standalone, leader,
// follower, observer, looking).
func (s *Server) Mode() string { return s.modeName() }

// LeaderID is the current leader's id (0 while looking).
func (s *Server) LeaderID() int64 { return s.leaderID() }

// peerState is mntr's zk_peer_state (ZK's detailed peer state).
func (s *Server) peerState() string {
	st := s.soft.Load()
	if st == nil || st.Role == core.Looking {
		return "looking"
	}
	phase := "synchronization"
	if s.serving.Load() {
		phase = "broadcast"
	}
	switch st.Role {
	case core.Leading:
		return "leading - " + phase
	case core.Following:
		return "following - " + phase
	}
	return "observing - " + phase
}
