package engine

import (
	"bytes"
	"time"

	"github.com/zen-coord/zen/netpoll"
	"github.com/zen-coord/zen/proto"
)

// Opened implements netpoll.Handler.
func (s *Server) Opened(nc *netpoll.Conn) {
	c := &conn{srv: s, nc: nc, id: s.nextConnID.Add(1), established: s.now()}
	c.auth.Store(newAuthSet(nc.IP(), s.cfg.SkipACL))
	nc.Ctx = c
	s.connsMu.Lock()
	s.conns[c] = struct{}{}
	s.connsMu.Unlock()
}

// Closed implements netpoll.Handler.
func (s *Server) Closed(nc *netpoll.Conn) {
	c, ok := nc.Ctx.(*conn)
	if !ok || !c.closedOnce.CompareAndSwap(false, true) {
		return
	}
	s.connsMu.Lock()
	delete(s.conns, c)
	s.connsMu.Unlock()
	s.tr().DropWatcher(c)
	if sess := c.sess.Load(); sess != nil {
		sess.conn.CompareAndSwap(c, nil)
	}
	s.throttleMu.Lock()
	if c.throttled {
		c.throttled = false
		for i, t := range s.throttled {
			if t == c {
				s.throttled = append(s.throttled[:i], s.throttled[i+1:]...)
				break
			}
		}
	}
	s.throttleMu.Unlock()
}

// Drain implements netpoll.Handler. The applier writes replies itself, so
// there is nothing to move here.
func (s *Server) Drain(*netpoll.Conn) {}

// FourLetter implements netpoll.Handler.
func (s *Server) FourLetter(nc *netpoll.Conn, cmd string) []byte {
	return []byte(s.fourLetter(cmd))
}

// Frame implements netpoll.Handler: one request frame from a client.
func (s *Server) Frame(nc *netpoll.Conn, p []byte) bool {
	c := nc.Ctx.(*conn)
	c.recv.Add(1)
	s.m.packetsReceived.Add(1)
	switch c.state.Load() {
	case stateNew:
		return s.handleConnect(c, p)
	case stateOpen:
	default:
		return false
	}
	r := proto.NewReader(p)
	var h proto.RequestHeader
	h.Decode(&r)
	if r.Err() != nil {
		s.logf("closing %s: malformed request header", nc.RemoteAddr())
		return false
	}
	body := p[r.Offset():]
	sess := c.sess.Load()
	if sess.conn.Load() != c {
		// The session moved to another connection: ZK closes this one.
		return false
	}
	now := s.now()
	switch h.Type {
	case proto.OpAuth:
		return s.handleAuth(c, h.Xid, body)
	case proto.OpSASL:
		// No SASL server is configured. ZK 3.8 then answers Ok with a null
		// token, or drops the connection when the request's token is null.
		r := proto.NewReader(body)
		if _, null := r.Buffer(); null || r.Err() != nil {
			return false
		}
		s.replyInOrder(c, &request{kind: kindReply, xid: h.Xid, op: h.Type, replyZxid: 0, saslBody: true})
		return true
	}
	if !s.sessions.touch(sess, now.UnixMilli()) {
		s.replyInOrder(c, &request{kind: kindReply, xid: h.Xid, op: h.Type, err: proto.ErrSessionExpired, replyZxid: -1})
		return true
	}
	leader := s.isLeader()
	if !leader {
		s.sessions.noteTouched(sess)
	}
	switch {
	case h.Type == proto.OpPing:
		// Pings are answered at once: clients do not order them against
		// other replies, and a prompt answer keeps the session alive. But
		// never between two notifications of one txn: a client that
		// pings to collect a txn's events gets all of them first.
		s.fireMu.Lock()
		buf, start := proto.BeginFrame(c.loopScratch.buf[:0])
		buf = proto.AppendReplyHeader(buf, proto.XidPing, c.replyZxid(), proto.ErrOk)
		c.loopScratch.buf = proto.EndFrame(buf, start)
		c.write(c.loopScratch.buf, 1)
		s.fireMu.Unlock()
		s.observe(c, h.Type, h.Xid, now)
		return true
	case h.Type == proto.OpReconfig && !validReconfig(body):
		// ZK 3.8 rejects an unparsable reconfig before it becomes a txn.
		s.replyInOrder(c, &request{kind: kindReply, xid: h.Xid, op: h.Type, err: proto.ErrMarshallingError, replyZxid: -1})
		return true
	case isWriteOp(h.Type) && h.Type != proto.OpCreateSession:
		req := &request{c: c, kind: kindWrite, xid: h.Xid, op: h.Type, body: bytes.Clone(body),
			auth: c.auth.Load(), sess: sess, sessionID: sess.id, recv: now}
		c.qmu.Lock()
		c.q = append(c.q, req)
		c.qmu.Unlock()
		s.outstanding.Add(1)
		if leader {
			s.submit(req)
		} else {
			s.forward(req)
		}
		if h.Type == proto.OpCloseSession {
			// Nothing after a closeSession is processed: the connection
			// closes once its reply is out. (ZK 3.8 races here, sometimes
			// answering such requests with SessionExpired first.)
			c.nc.Pause()
			return true
		}
	case h.Type == proto.OpSync && !leader:
		// A learner's sync waits for the leader: everything committed
		// when the leader answers is applied here before the reply.
		req := &request{c: c, kind: kindSync, xid: h.Xid, op: h.Type, body: bytes.Clone(body),
			auth: c.auth.Load(), sess: sess, recv: now}
		c.qmu.Lock()
		c.q = append(c.q, req)
		c.qmu.Unlock()
		s.outstanding.Add(1)
		b := proto.AppendLong([]byte{appSync}, sess.id)
		s.driver.SendApp(s.leaderID(), proto.AppendInt(b, h.Xid))
	case h.Type == proto.OpSync && s.mustWaitSync(c):
		// The leader's sync waits until this server has applied everything
		// committed when it arrived (see Driver.CommitPoint).
		req := &request{c: c, kind: kindSync, xid: h.Xid, op: h.Type, body: bytes.Clone(body),
			auth: c.auth.Load(), sess: sess, recv: now, syncReady: true, syncCommit: s.driver.CommitPoint()}
		c.qmu.Lock()
		c.q = append(c.q, req)
		head := len(c.q) == 1
		c.qmu.Unlock()
		s.outstanding.Add(1)
		if head {
			// Wait first, then look (as syncReached does).
			s.pendingMu.Lock()
			s.waitSyncs = append(s.waitSyncs, c)
			s.pendingMu.Unlock()
			if s.tr().LastZxid() >= req.syncCommit {
				s.recheckSyncs()
			}
		}
	case isReadOp(h.Type):
		c.qmu.Lock()
		if len(c.q) != 0 {
			req := &request{c: c, kind: kindRead, xid: h.Xid, op: h.Type, body: bytes.Clone(body),
				auth: c.auth.Load(), sess: sess, recv: now}
			c.q = append(c.q, req)
			c.qmu.Unlock()
			s.outstanding.Add(1)
			break
		}
		c.qmu.Unlock()
		sc := &c.loopScratch
		sc.buf = s.serveRead(c, sc, h.Xid, h.Type, body, c.auth.Load(), sess, sc.buf[:0])
		c.write(sc.buf, 1)
		s.observe(c, h.Type, h.Xid, now)
		return true
	default:
		// Unknown or not a top-level opcode: Unimplemented, then close.
		s.replyInOrder(c, &request{kind: kindReply, xid: h.Xid, op: h.Type, err: proto.ErrUnimplemented, replyZxid: -2, closeAfter: true})
		return true
	}
	s.maybeThrottle(c)
	return true
}

// mustWaitSync reports whether a sync on the leader must be queued: the
// connection has requests in flight (the sync's commit point may be above
// what their replies leave applied), or the applier is behind the commit
// point. Otherwise it is answered at once, like a read.
func (s *Server) mustWaitSync(c *conn) bool {
	c.qmu.Lock()
	busy := len(c.q) != 0
	c.qmu.Unlock()
	return busy || s.driver.CommitPoint() > s.tr().LastZxid()
}

// replyInOrder sends a precomputed header-only reply after everything the
// connection is still waiting for.
func (s *Server) replyInOrder(c *conn, req *request) {
	req.c = c
	req.recv = s.now()
	c.qmu.Lock()
	if len(c.q) != 0 {
		c.q = append(c.q, req)
		c.qmu.Unlock()
		s.outstanding.Add(1)
		return
	}
	c.qmu.Unlock()
	sc := &c.loopScratch
	sc.buf = s.encodeFixedReply(req, sc.buf[:0])
	c.write(sc.buf, 1)
	if req.closeAfter {
		c.state.Store(stateDead)
		c.nc.Close()
	}
}

// encodeFixedReply appends a kindReply request's frame.
func (s *Server) encodeFixedReply(req *request, buf []byte) []byte {
	zxid := req.replyZxid
	switch zxid {
	case -1:
		zxid = req.c.replyZxid()
	case -2:
		zxid = -1 // ZK answers Unimplemented with zxid -1
	}
	buf, start := proto.BeginFrame(buf)
	buf = proto.AppendReplyHeader(buf, req.xid, zxid, req.err)
	if req.saslBody {
		buf = proto.AppendBuffer(buf, nil, true)
	}
	return proto.EndFrame(buf, start)
}

// handleAuth processes an AuthPacket: the identity applies to every later
// request at once; the reply (which echoes the request's xid, like ZK 3.8)
// goes out in request order.
func (s *Server) handleAuth(c *conn, xid int32, body []byte) bool {
	r := proto.NewReader(body)
	r.Int() // type
	scheme := r.Bytes()
	auth, authNull := r.Buffer()
	if r.Err() != nil {
		return false
	}
	reply := &request{kind: kindReply, xid: xid, op: proto.OpAuth, replyZxid: 0}
	switch {
	case string(scheme) == "digest" && !authNull:
		id := digestID(string(auth))
		set := c.auth.Load().with(proto.ID{Scheme: "digest", ID: id})
		if s.cfg.SuperDigest != "" && id == s.cfg.SuperDigest {
			set = set.with(proto.ID{Scheme: "super", ID: ""})
		}
		c.auth.Store(set)
	case string(scheme) == "ip":
		// Succeeds and adds nothing: the connection already holds its ip.
	default:
		// Unknown scheme, or digest without credentials.
		s.m.authFailed.Add(1)
		reply.err = proto.ErrAuthFailed
		reply.closeAfter = true
	}
	s.replyInOrder(c, reply)
	return true
}

// observe records a finished request for stats and latency metrics.
func (s *Server) observe(c *conn, op proto.OpCode, xid int32, recv time.Time) {
	now := s.now()
	c.recordLatency(op, xid, s.tr().LastZxid(), recv, now)
	s.m.observe(op, now.Sub(recv))
}

func validReconfig(body []byte) bool {
	r := proto.NewReader(body)
	var q proto.ReconfigRequest
	q.Decode(&r)
	return r.Err() == nil
}
