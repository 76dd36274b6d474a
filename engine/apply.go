package engine

import (
	"fmt"

	"github.com/zen-coord/zen/proto"
	"github.com/zen-coord/zen/tree"
	"github.com/zen-coord/zen/zab"
)

// Apply implements zab.StateMachine: it applies a committed batch in zxid
// order (the driver's committer goroutine) and answers the requests it
// carries. A proposal's Ctx is the request when this server proposed it in
// its current leadership; otherwise a local client's forwarded request is
// found by session and xid.
func (s *Server) Apply(batch []zab.Proposal) {
	for i := range batch {
		p := &batch[i]
		// A learner's sync that the txns applied so far satisfy is
		// answered before the next txn: the session's write behind it may
		// be this txn, and matchPending finds a write only at the head of
		// its connection's queue (otherwise its reply is lost and the
		// session's queue stalls for good).
		s.recheckSyncs()
		// A txn's notifications go out as one: a ping answered on an
		// event loop waits for them (see fireMu).
		s.fireMu.Lock()
		res, err := s.tr().Apply(p.Data)
		s.fireMu.Unlock()
		if err != nil {
			s.fatal(fmt.Errorf("applying txn %#x: %w", p.Zxid, err))
			return
		}
		h := &res.Hdr
		if h.Type == proto.TxnCreateSession {
			if s.sessions.get(h.Session) == nil {
				timeout, _ := s.tr().Session(h.Session)
				s.sessions.add(h.Session, timeout, s.now().UnixMilli())
			}
		}
		req, _ := p.Ctx.(*request)
		if req == nil {
			req = s.matchPending(h)
		}
		if req != nil {
			req.res = res
			s.recordWrites(req, &res)
			switch req.kind {
			case kindWrite:
				if req.c != nil {
					s.finishWrite(req)
				}
			case kindSession:
				if req.c != nil {
					s.finishSession(req.c, req.sessionID, req.timeout)
				}
			}
		}
		if h.Type == proto.TxnCloseSession {
			if sess := s.sessions.get(h.Session); sess != nil {
				if c := sess.conn.Load(); c != nil && (req == nil || req.c != c) {
					// Expired (or closed elsewhere): its client goes too.
					c.state.Store(stateDead)
					c.nc.Close()
				}
			}
			s.sessions.remove(h.Session)
		}
	}
	s.m.txns.Add(len(batch))
	s.maybeServe()
	s.recheckSyncs()
	s.afterBatch(len(batch))
}

// matchPending finds the local request a txn proposed by the leader answers:
// a connection waiting for its session, or the write at the head of the
// session's connection queue with the txn's xid.
func (s *Server) matchPending(h *proto.TxnHeader) *request {
	if h.Type == proto.TxnCreateSession {
		s.pendingMu.Lock()
		c := s.pendingConnects[h.Session]
		delete(s.pendingConnects, h.Session)
		s.pendingMu.Unlock()
		if c == nil {
			return nil
		}
		timeout, _ := s.tr().Session(h.Session)
		return &request{c: c, kind: kindSession, sessionID: h.Session, timeout: timeout}
	}
	sess := s.sessions.get(h.Session)
	if sess == nil {
		return nil
	}
	c := sess.conn.Load()
	if c == nil {
		return nil
	}
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if len(c.q) > 0 && c.q[0].kind == kindWrite && c.q[0].xid == h.Cxid {
		return c.q[0]
	}
	return nil
}

// finishWrite answers an applied write, then drains the queue behind it.
// Once a reply closes the connection (closeSession, a failed auth, an
// unknown opcode) the entries behind it are still popped in order,
// unanswered, so the queue and the outstanding count stay exact.
func (s *Server) finishWrite(req *request) {
	c := req.c
	sc := &s.applyScratch
	c.qmu.Lock()
	if len(c.q) == 0 || c.q[0] != req {
		c.qmu.Unlock()
		if c.state.Load() == stateDead {
			return // the connection was dropped with its queue
		}
		s.fatal(fmt.Errorf("reply order broken on %s: applied xid %d is not at the head of its queue", c.nc.RemoteAddr(), req.xid))
		return
	}
	c.q[0] = nil
	c.q = c.q[1:]
	s.outstanding.Add(-1)
	buf, n := sc.buf[:0], 0
	dead := c.state.Load() == stateDead
	if !dead && (req.op != proto.OpCheck || req.res.Err != proto.ErrOk) {
		// (ZK 3.8 consumes a zxid for a top-level check and answers it
		// only when it fails.)
		buf = s.encodeWriteReply(req, buf)
		n++
		s.observe(c, req.op, req.xid, req.recv)
		if req.op == proto.OpCloseSession {
			dead = true
			c.state.Store(stateDead)
		}
	}
	buf, n, dead = s.drainLocked(c, sc, buf, n, dead)
	c.write(buf, n)
	c.qmu.Unlock()
	sc.buf = buf
	if dead {
		c.nc.Close()
	} else {
		c.nc.Wake()
	}
}

// drain serves whatever heads c's queue and can be answered now (any
// goroutine).
func (s *Server) drain(c *conn) {
	var sc scratch
	c.qmu.Lock()
	buf, n, dead := s.drainLocked(c, &sc, nil, 0, c.state.Load() == stateDead)
	c.write(buf, n)
	c.qmu.Unlock()
	if dead {
		c.nc.Close()
	} else {
		c.nc.Wake()
	}
}

// drainLocked pops the queue's head while it can be answered: reads (served
// against the tree as it is now, i.e. right after the write before them),
// fixed replies, and learner syncs the leader confirmed and this server has
// caught up with. It stops at a write. REQUIRES: c.qmu held.
func (s *Server) drainLocked(c *conn, sc *scratch, buf []byte, n int, dead bool) ([]byte, int, bool) {
	for len(c.q) > 0 && c.q[0].kind != kindWrite {
		r := c.q[0]
		if r.kind == kindSync && !dead {
			if !r.syncReady {
				break
			}
			if r.syncCommit > s.tr().LastZxid() {
				s.pendingMu.Lock()
				s.waitSyncs = append(s.waitSyncs, c)
				s.pendingMu.Unlock()
				break
			}
		}
		c.q[0] = nil
		c.q = c.q[1:]
		s.outstanding.Add(-1)
		if dead {
			continue
		}
		if r.kind == kindReply {
			buf = s.encodeFixedReply(r, buf)
			if r.closeAfter {
				dead = true
				c.state.Store(stateDead)
			}
		} else {
			buf = s.serveRead(c, sc, r.xid, r.op, r.body, r.auth, r.sess, buf)
		}
		n++
		s.observe(c, r.op, r.xid, r.recv)
	}
	return buf, n, dead
}

// encodeWriteReply appends the reply frame of an applied write.
func (s *Server) encodeWriteReply(req *request, buf []byte) []byte {
	res := &req.res
	buf, start := proto.BeginFrame(buf)
	if res.Err != proto.ErrOk {
		buf = proto.AppendReplyHeader(buf, req.xid, res.Hdr.Zxid, res.Err)
		return proto.EndFrame(buf, start)
	}
	buf = proto.AppendReplyHeader(buf, req.xid, res.Hdr.Zxid, proto.ErrOk)
	switch req.op {
	case proto.OpCreate:
		buf = proto.AppendCreateResponse(buf, res.Path)
	case proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
		buf = proto.AppendCreate2Response(buf, res.Path, &res.Stat)
	case proto.OpSetData, proto.OpSetACL:
		buf = proto.AppendStat(buf, &res.Stat)
	case proto.OpMulti:
		types := req.multiOps
		if types == nil {
			// A learner's forwarded multi: the leader typed the ops; the
			// record says how (the same rule).
			types = multiResultTypes(req.body)
		}
		for i := range res.Multi {
			r := &res.Multi[i]
			if r.Type == proto.TxnError {
				buf = proto.AppendMultiError(buf, r.Err)
				continue
			}
			reqType := proto.OpCreate
			if i < len(types) {
				reqType = types[i]
			}
			switch reqType {
			case proto.OpCreate, proto.OpCreate2:
				// ZK 3.8 answers create2 inside a multi with a plain
				// create result (path only).
				buf = proto.AppendMultiHeader(buf, proto.OpCreate, false, proto.ErrOk)
				buf = proto.AppendCreateResponse(buf, r.Path)
			case proto.OpCreateContainer, proto.OpCreateTTL:
				buf = proto.AppendMultiHeader(buf, proto.OpCreate2, false, proto.ErrOk)
				buf = proto.AppendCreate2Response(buf, r.Path, &r.Stat)
			case proto.OpDelete:
				buf = proto.AppendMultiHeader(buf, proto.OpDelete, false, proto.ErrOk)
			case proto.OpSetData:
				buf = proto.AppendMultiHeader(buf, proto.OpSetData, false, proto.ErrOk)
				buf = proto.AppendStat(buf, &r.Stat)
			case proto.OpCheck:
				buf = proto.AppendMultiHeader(buf, proto.OpCheck, false, proto.ErrOk)
			}
		}
		buf = proto.AppendMultiEnd(buf)
	}
	return proto.EndFrame(buf, start)
}

// multiResultTypes is the result type of each op of a multi record, typed
// like prep types it (creates by their flags).
func multiResultTypes(body []byte) []proto.OpCode {
	r := proto.NewReader(body)
	ops, _ := proto.DecodeMultiRecord(&r, nil)
	types := make([]proto.OpCode, len(ops))
	for i := range ops {
		types[i] = ops[i].Type
		switch ops[i].Type {
		case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
			types[i] = multiCreateType(ops[i].Flags)
		}
	}
	return types
}

// finishSession completes a new connection's handshake once its
// createSession txn is applied.
func (s *Server) finishSession(c *conn, id int64, timeout int32) {
	sess := s.sessions.get(id)
	if sess == nil {
		sess = s.sessions.add(id, timeout, s.now().UnixMilli())
	}
	if c.nc.Closed() {
		return // the client left; the session expires on its own
	}
	s.bindSession(c, sess, timeout)
	c.nc.Resume()
	c.nc.Wake()
}

// Install implements zab.StateMachine: replace the tree by the leader's
// snapshot (already imported into the WAL) on a syncing learner, which
// serves no client meanwhile.
func (s *Server) Install(zxid int64) error {
	t, z, err := loadSnapshot(s.wal, zxid)
	if err != nil {
		return err
	}
	if z != zxid {
		return fmt.Errorf("snapshot file %#x holds zxid %#x", zxid, z)
	}
	s.initConfigNode(t)
	s.treeP.Store(t)
	s.sessions.resetTo(t.Sessions(), s.now().UnixMilli())
	s.logf("installed the leader's snapshot at %#x (%d znodes, %d sessions)", z, t.NodeCount(), len(t.Sessions()))
	// The sync may have ended (State set serveAt) before the install was
	// applied: without this the learner would serve only after the next
	// committed txn.
	s.maybeServe()
	return nil
}

// Snapshot implements zab.StateMachine: a snapshot for a syncing peer.
func (s *Server) Snapshot() (int64, []byte, error) {
	z, err := s.wal.WriteSnapshot(s.tr().WriteSnapshot)
	if err != nil {
		return 0, nil, err
	}
	raw, err := s.wal.SnapshotFile(z)
	return z, raw, err
}

// recordWrites feeds the per-namespace write summaries (mntr).
func (s *Server) recordWrites(req *request, res *tree.Result) {
	if res.Err != proto.ErrOk || req.kind != kindWrite {
		return
	}
	switch req.op {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
		s.m.writeNS.record(res.Path, int64(res.Stat.DataLength))
	case proto.OpSetData, proto.OpDelete:
		r := proto.NewReader(req.body)
		path := str(r.Bytes()) // both records start with the path
		s.m.writeNS.record(path, int64(res.Stat.DataLength))
	case proto.OpMulti:
		if len(res.Multi) == 0 || res.Multi[0].Type == proto.TxnError {
			return
		}
		r := proto.NewReader(req.body)
		ops, _ := proto.DecodeMultiRecord(&r, nil)
		for i := range ops {
			if i < len(res.Multi) && res.Multi[i].Type != proto.TxnCheck {
				s.m.writeNS.record(str(ops[i].Path), int64(res.Multi[i].Stat.DataLength))
			}
		}
	}
}
