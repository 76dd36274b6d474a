package engine

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/zen-coord/zen/proto"
)

// Engine messages between a learner and its leader, carried as zab app
// payloads (ordered with the rest of the learner's session):
//
//	appRequest     F→L a client write (or a follower-created session) to prep
//	appTouch       F→L sessions with client activity since the last touch
//	appRevalidate  F→L may this session reattach here? (and touch it; carries
//	               the learner's applied zxid, which the leader waits for)
//	appRevalidated L→F the answer
//	appSync        F→L a client's sync: answer once you have seen everything
//	appSynced      L→F answer; the learner replies after applying the commit
//	               point the leader had when it sent this
const (
	appRequest byte = iota + 1
	appTouch
	appRevalidate
	appRevalidated
	appSync
	appSynced
)

// encodeForward builds an appRequest for a client write received here.
func encodeForward(req *request) []byte {
	b := []byte{appRequest}
	b = proto.AppendLong(b, req.sessionID)
	b = proto.AppendInt(b, req.xid)
	b = proto.AppendInt(b, int32(req.op))
	b = proto.AppendInt(b, req.timeout)
	a := req.auth
	b = proto.AppendString(b, a.ip.String())
	b = proto.AppendInt(b, int32(len(a.ids)))
	for _, id := range a.ids {
		b = proto.AppendString(b, id.Scheme)
		b = proto.AppendString(b, id.ID)
	}
	return proto.AppendBytes(b, req.body)
}

// decodeForward rebuilds a forwarded request on the leader.
func (s *Server) decodeForward(r *proto.Reader) *request {
	req := &request{kind: kindWrite, recv: s.now()}
	req.sessionID = r.Long()
	req.xid = r.Int()
	req.op = proto.OpCode(r.Int())
	req.timeout = r.Int()
	ip, _ := netip.ParseAddr(r.String())
	a := &authSet{ip: ip, skip: s.cfg.SkipACL}
	n, _ := r.VectorLen()
	for i := 0; i < n && r.Err() == nil; i++ {
		id := proto.ID{Scheme: r.String(), ID: r.String()}
		a.ids = append(a.ids, id)
		if id.Scheme == "super" {
			a.super = true
		}
	}
	req.auth = a
	req.body = bytes.Clone(r.Bytes())
	if r.Err() != nil {
		return nil
	}
	if req.op == proto.OpCreateSession {
		req.kind = kindSession
		return req
	}
	req.sess = s.sessions.get(req.sessionID)
	if req.sess == nil {
		// The leader may not have applied this session's creation yet:
		// prep needs only its id and closing flag.
		req.sess = &session{id: req.sessionID}
	}
	return req
}

// forward sends a client's write to the leader. The request stays queued
// on its connection until the txn comes back through the log.
func (s *Server) forward(req *request) {
	if leader := s.leaderID(); leader != 0 {
		s.driver.SendApp(leader, encodeForward(req))
	}
}

// App implements zab.StateMachine: an engine payload from a peer. It runs
// on the driver goroutine and must not block.
func (s *Server) App(from int64, payload []byte, commit int64) {
	if len(payload) == 0 {
		return
	}
	r := proto.NewReader(payload[1:])
	switch payload[0] {
	case appRequest:
		if !s.isLeader() {
			return
		}
		if req := s.decodeForward(&r); req != nil {
			s.submit(req)
		}
	case appTouch:
		n, _ := r.VectorLen()
		now := s.now().UnixMilli()
		for i := 0; i < n && r.Err() == nil; i++ {
			id, timeout := r.Long(), r.Int()
			if sess := s.sessions.get(id); sess != nil {
				if timeout > 0 {
					sess.timeout.Store(timeout)
				}
				s.sessions.touch(sess, now)
			}
		}
	case appRevalidate:
		rv := waitRevalidate{from: from, id: r.Long(), timeout: r.Int(), applied: r.Long()}
		if r.Err() != nil {
			return
		}
		// The learner may have applied the session's creation before this
		// leader did: answer once the leader has applied as much.
		// (Wait first, then look, as syncReached does.)
		s.pendingMu.Lock()
		s.waitRevalidates = append(s.waitRevalidates, rv)
		s.pendingMu.Unlock()
		if s.tr().LastZxid() >= rv.applied {
			s.recheckRevalidates()
		}
	case appRevalidated:
		id, ok := r.Long(), r.Bool()
		s.pendingMu.Lock()
		p := s.pendingRevalidates[id]
		delete(s.pendingRevalidates, id)
		s.pendingMu.Unlock()
		if p != nil {
			s.finishRevalidate(p.c, id, p.timeout, ok && r.Err() == nil)
		}
	case appSync:
		sid, xid := r.Long(), r.Int()
		b := proto.AppendLong([]byte{appSynced}, sid)
		s.driver.SendApp(from, proto.AppendInt(b, xid))
	case appSynced:
		sid, xid := r.Long(), r.Int()
		s.syncReached(sid, xid, commit)
	}
}

// touchLoop reports the sessions with client activity on this learner to
// the leader, a few times per tick (ZK's learner PING carries the same).
func (s *Server) touchLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.TickTime / 4)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.stop:
			return
		}
		if s.isLeader() || !s.serving.Load() {
			continue
		}
		s.reportTouches()
	}
}

// reportTouches sends the sessions with client activity and their
// timeouts to the leader.
func (s *Server) reportTouches() {
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	touched := s.sessions.takeTouched()
	if len(touched) == 0 {
		return
	}
	b := []byte{appTouch}
	b = proto.AppendInt(b, int32(len(touched)))
	for _, sess := range touched {
		b = proto.AppendLong(b, sess.id)
		b = proto.AppendInt(b, sess.timeout.Load())
	}
	if leader := s.leaderID(); leader != 0 {
		s.driver.SendApp(leader, b)
	}
}

// pendingRevalidate is a reattach waiting for the leader's word.
type pendingRevalidate struct {
	c       *conn
	timeout int32
}

// finishRevalidate completes a reattach on a learner.
func (s *Server) finishRevalidate(c *conn, id int64, timeout int32, ok bool) {
	sess := s.sessions.get(id)
	if !ok || sess == nil || c.nc.Closed() {
		s.logf("refusing session %#x from %s: the leader does not know it", id, c.nc.RemoteAddr())
		c.state.Store(stateDead)
		s.writeConnectResponse(c, 0, 0)
		c.nc.Close()
		return
	}
	s.bindSession(c, sess, timeout)
	c.nc.Resume()
	c.nc.Wake()
}

// syncReached handles the leader's answer to a forwarded sync: the sync
// completes once it heads its connection's queue and this server has
// applied everything the leader had committed when it answered.
func (s *Server) syncReached(sid int64, xid int32, commit int64) {
	sess := s.sessions.get(sid)
	if sess == nil {
		return
	}
	c := sess.conn.Load()
	if c == nil {
		return
	}
	c.qmu.Lock()
	for _, r := range c.q {
		if r.kind == kindSync && r.xid == xid && !r.syncReady {
			r.syncCommit, r.syncReady = commit, true
			break
		}
	}
	c.qmu.Unlock()
	// Wait first, then look: the applier rechecks the waiting syncs after
	// it applies, so one of the two sees the sync satisfied. (Looking
	// first could miss the applier's last recheck and leave the sync
	// waiting for a txn that may never come.)
	s.pendingMu.Lock()
	s.waitSyncs = append(s.waitSyncs, c)
	s.pendingMu.Unlock()
	if s.tr().LastZxid() >= commit {
		s.recheckSyncs()
	}
}

// waitRevalidate is a learner's reattach question, held on the leader
// until the leader has applied what the learner had.
type waitRevalidate struct {
	from, id, applied int64
	timeout           int32
}

// recheckRevalidates answers the held reattach questions the applier has
// caught up with.
func (s *Server) recheckRevalidates() {
	s.pendingMu.Lock()
	if len(s.waitRevalidates) == 0 {
		s.pendingMu.Unlock()
		return
	}
	waiting := s.waitRevalidates
	s.waitRevalidates = nil
	s.pendingMu.Unlock()
	applied := s.tr().LastZxid()
	var still []waitRevalidate
	for _, rv := range waiting {
		if rv.applied > applied {
			still = append(still, rv)
			continue
		}
		ok := false
		if sess := s.sessions.get(rv.id); sess != nil && !sess.closing.Load() {
			sess.timeout.Store(rv.timeout)
			ok = s.sessions.touch(sess, s.now().UnixMilli())
		}
		b := proto.AppendLong([]byte{appRevalidated}, rv.id)
		s.driver.SendApp(rv.from, proto.AppendBool(b, ok))
	}
	if len(still) > 0 {
		s.pendingMu.Lock()
		s.waitRevalidates = append(s.waitRevalidates, still...)
		s.pendingMu.Unlock()
	}
}

// recheckSyncs retries the connections whose syncs wait for the applier
// (called by it after each batch), and the held reattach questions.
func (s *Server) recheckSyncs() {
	s.recheckRevalidates()
	s.pendingMu.Lock()
	if len(s.waitSyncs) == 0 {
		s.pendingMu.Unlock()
		return
	}
	waiting := s.waitSyncs
	s.waitSyncs = nil
	s.pendingMu.Unlock()
	applied := s.tr().LastZxid()
	var still []*conn
	for _, c := range waiting {
		c.qmu.Lock()
		ready := len(c.q) > 0 && c.q[0].kind == kindSync && c.q[0].syncReady && c.q[0].syncCommit <= applied
		blocked := len(c.q) > 0 && c.q[0].kind == kindSync && c.q[0].syncReady && !ready
		c.qmu.Unlock()
		switch {
		case ready:
			s.drain(c)
		case blocked:
			still = append(still, c)
		}
	}
	if len(still) > 0 {
		s.pendingMu.Lock()
		s.waitSyncs = append(s.waitSyncs, still...)
		s.pendingMu.Unlock()
	}
}
