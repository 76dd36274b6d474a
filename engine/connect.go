package engine

import (
	"bytes"
	"time"

	"github.com/zen-coord/zen/proto"
)

// handleConnect processes the first frame of a connection.
func (s *Server) handleConnect(c *conn, p []byte) bool {
	if !s.serving.Load() {
		return false // like ZK when it is not serving: no session here
	}
	r := proto.NewReader(p)
	var req proto.ConnectRequest
	req.Decode(&r)
	if r.Err() != nil {
		s.logf("closing %s: malformed ConnectRequest", c.nc.RemoteAddr())
		return false
	}
	if last := s.tr().LastZxid(); req.LastZxidSeen > last {
		s.logf("refusing %s: client has seen zxid %#x, our last zxid is %#x", c.nc.RemoteAddr(), req.LastZxidSeen, last)
		return false
	}
	c.readOnlyAware = req.HasReadOnly
	timeout := s.negotiate(req.Timeout)
	if req.SessionID == 0 {
		c.state.Store(stateConnecting)
		c.nc.Pause() // requests pipelined behind the handshake wait in the input buffer
		req := &request{c: c, kind: kindSession, op: proto.OpCreateSession,
			sessionID: s.newSessionID(), timeout: timeout, recv: s.now(), auth: c.auth.Load()}
		if s.isLeader() {
			s.submit(req)
		} else {
			s.pendingMu.Lock()
			s.pendingConnects[req.sessionID] = c
			s.pendingMu.Unlock()
			s.forward(req)
		}
		return true
	}
	return s.reattach(c, req.SessionID, req.Passwd, timeout)
}

// negotiate clamps a requested session timeout into [min, max].
func (s *Server) negotiate(req int32) int32 {
	lo, hi := int32(s.cfg.MinSessionTimeout/time.Millisecond), int32(s.cfg.MaxSessionTimeout/time.Millisecond)
	return max(lo, min(req, hi))
}

// reattach binds an existing session to a new connection. A learner asks
// the leader, which alone knows whether the session is still alive.
func (s *Server) reattach(c *conn, id int64, passwd []byte, timeout int32) bool {
	sess := s.sessions.get(id)
	if sess != nil {
		// Like ZK: the session's previous connection goes first, even
		// before the password is checked.
		if old := sess.conn.Load(); old != nil && old != c {
			// The old connection is finished at once: no event or reply
			// reaches it from now on.
			old.state.Store(stateDead)
			s.tr().DropWatcher(old)
			old.nc.Close()
		}
	}
	want := sessionPasswd(id)
	if sess == nil || sess.closing.Load() || !bytes.Equal(passwd, want[:]) {
		s.logf("refusing session %#x from %s: expired, unknown or wrong password", id, c.nc.RemoteAddr())
		c.state.Store(stateDead)
		s.writeConnectResponse(c, 0, 0)
		c.nc.Close()
		return true
	}
	if !s.isLeader() {
		c.state.Store(stateConnecting)
		c.nc.Pause()
		s.pendingMu.Lock()
		s.pendingRevalidates[id] = &pendingRevalidate{c: c, timeout: timeout}
		s.pendingMu.Unlock()
		// The new timeout is the session's from now on: later touches
		// report it, and none that read the old one follows the
		// revalidate (which sets it on the leader).
		s.reportMu.Lock()
		sess.timeout.Store(timeout)
		b := proto.AppendLong([]byte{appRevalidate}, id)
		b = proto.AppendInt(b, timeout)
		s.driver.SendApp(s.leaderID(), proto.AppendLong(b, s.tr().LastZxid()))
		s.reportMu.Unlock()
		return true
	}
	s.bindSession(c, sess, timeout)
	return true
}

// bindSession attaches sess to c and answers the handshake.
func (s *Server) bindSession(c *conn, sess *session, timeout int32) {
	sess.timeout.Store(timeout)
	s.sessions.touch(sess, s.now().UnixMilli())
	sess.conn.Store(c)
	c.sess.Store(sess)
	c.state.Store(stateOpen)
	s.writeConnectResponse(c, sess.id, timeout)
}

// writeConnectResponse answers the handshake; id 0 means "invalid".
func (s *Server) writeConnectResponse(c *conn, id int64, timeout int32) {
	resp := proto.ConnectResponse{Timeout: timeout, SessionID: id, HasReadOnly: c.readOnlyAware}
	var pw [16]byte
	if id != 0 {
		pw = sessionPasswd(id)
	}
	resp.Passwd = pw[:]
	out := c.nc.BeginWrite()
	out, start := proto.BeginFrame(out)
	out = resp.Append(out)
	out = proto.EndFrame(out, start)
	c.nc.EndWrite(out)
	c.sent.Add(1)
	s.m.packetsSent.Add(1)
}

// newSessionID hands out ZooKeeper-shaped session ids: the server id in the
// top byte, the start time in ms in the next 40 bits, a counter below.
func (s *Server) newSessionID() int64 {
	for {
		id := s.nextSession.Add(1)
		if id == proto.OwnerContainer || id == 0 {
			continue
		}
		if _, taken := s.tr().Session(id); taken {
			continue
		}
		return id
	}
}

// sessionIDBase is ZK's initializeNextSessionId.
func sessionIDBase(nowMs int64, serverID int64) int64 {
	return int64((uint64(nowMs)<<24)>>8) | serverID<<56
}
