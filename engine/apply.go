package engine

import (
	"fmt"

	"github.com/zen-coord/zen/tree"

	"github.com/zen-coord/zen/proto"
	"github.com/zen-coord/zen/zab"
)

// commit applies a committed batch in zxid order (zab's committer
// goroutine) and answers the requests it carries.
func (s *Server) commit(batch []zab.Proposal) {
	for i := range batch {
		p := &batch[i]
		res, err := s.tree.Apply(p.Data)
		if err != nil {
			s.fatal(fmt.Errorf("applying txn %#x: %w", p.Zxid, err))
			return
		}
		req, _ := p.Ctx.(*request)
		if req == nil {
			continue
		}
		req.res = res
		s.recordWrites(req, &res)
		switch req.kind {
		case kindWrite:
			s.finishWrite(req)
		case kindSession:
			s.finishSession(req)
		case kindClose:
			s.sessions.remove(req.sess.id)
		}
	}
	s.m.txns.Add(len(batch))
	s.afterBatch(len(batch))
}

// finishWrite answers an applied write and then every read its connection
// queued behind it, up to the next write. Once a reply closes the
// connection (closeSession, a failed auth, an unknown opcode) the entries
// behind it are still popped in order, unanswered, so the queue and the
// outstanding count stay exact.
func (s *Server) finishWrite(req *request) {
	c := req.c
	sc := &s.applyScratch
	buf := sc.buf[:0]
	n := 0
	c.qmu.Lock()
	if len(c.q) == 0 || c.q[0] != req {
		c.qmu.Unlock()
		s.fatal(fmt.Errorf("reply order broken on %s: applied xid %d is not at the head of its queue", c.nc.RemoteAddr(), req.xid))
		return
	}
	c.q[0] = nil
	c.q = c.q[1:]
	s.outstanding.Add(-1)
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
	for len(c.q) > 0 && c.q[0].kind != kindWrite {
		r := c.q[0]
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
	c.write(buf, n)
	c.qmu.Unlock()
	sc.buf = buf
	if req.op == proto.OpCloseSession {
		s.sessions.remove(req.sess.id)
	}
	if dead {
		c.nc.Close()
	} else {
		c.nc.Wake()
	}
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
		for i := range res.Multi {
			r := &res.Multi[i]
			if r.Type == proto.TxnError {
				buf = proto.AppendMultiError(buf, r.Err)
				continue
			}
			reqType := proto.OpCreate
			if i < len(req.multiOps) {
				reqType = req.multiOps[i]
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

// finishSession completes a new connection's handshake once its
// createSession txn is applied.
func (s *Server) finishSession(req *request) {
	c := req.c
	sess := s.sessions.add(req.sessionID, req.timeout, s.now().UnixMilli())
	if c.nc.Closed() {
		return // the client left; the session expires on its own
	}
	sess.conn.Store(c)
	c.sess.Store(sess)
	c.state.Store(stateOpen)
	s.writeConnectResponse(c, req.sessionID, req.timeout)
	c.nc.Resume()
	c.nc.Wake()
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
