package engine

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"github.com/zen-coord/zen/proto"
	"github.com/zen-coord/zen/tree"
)

// str views b as a string without copying. The string is only valid while b
// is; the tree copies any path it keeps.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// serveRead answers a non-txn request and appends the reply frame (and
// nothing else) to buf. It runs on the connection's loop, or on the applier
// for a read that waited behind a write of the same connection.
func (s *Server) serveRead(c *conn, sc *scratch, xid int32, op proto.OpCode, body []byte, auth *authSet, sess *session, buf []byte) []byte {
	r := proto.NewReader(body)
	var w tree.Watcher
	buf, start := proto.BeginFrame(buf)
	hdr := len(buf)
	buf = proto.AppendReplyHeader(buf, xid, 0, proto.ErrOk)
	err := proto.ErrOk
	switch op {
	case proto.OpExists, proto.OpGetData, proto.OpGetChildren, proto.OpGetChildren2:
		var q proto.PathWatchRequest
		q.Decode(&r)
		if r.Err() != nil {
			err = proto.ErrMarshallingError
			break
		}
		if q.Path == nil {
			err = proto.ErrMarshallingError // a null path (ZK: NPE → -5)
			break
		}
		if q.Watch {
			w = c
		}
		path := str(q.Path)
		switch op {
		case proto.OpExists:
			if hasNUL(path) {
				err = proto.ErrBadArguments
				break
			}
			// ZK 3.8 checks no ACL on exists.
			var st proto.Stat
			if st, err = s.tr().Exists(path, nil, w); err == proto.ErrOk {
				buf = proto.AppendStat(buf, &st)
				s.m.readNS.record(path, 0)
			}
		case proto.OpGetData:
			data, null, st, e := s.tr().GetData(path, auth, w)
			if err = e; err == proto.ErrOk {
				buf = proto.AppendGetDataResponse(buf, data, null, &st)
				s.m.readNS.record(path, int64(len(data)))
			}
		default:
			names, st, e := s.tr().GetChildren(path, auth, w, sc.names[:0])
			sc.names = names
			if err = e; err == proto.ErrOk {
				s.m.readNS.record(path, int64(len(names)))
				if op == proto.OpGetChildren {
					buf = proto.AppendGetChildrenResponse(buf, names)
				} else {
					buf = proto.AppendGetChildren2Response(buf, names, &st)
				}
			}
			clear(sc.names)
		}
	case proto.OpGetACL:
		var q proto.PathRequest
		if q.Decode(&r); r.Err() != nil || q.Path == nil {
			err = proto.ErrMarshallingError
			break
		}
		acl, st, e := s.tr().GetACL(str(q.Path))
		if err = e; err != proto.ErrOk {
			break
		}
		if !auth.Allowed(acl, proto.PermRead|proto.PermAdmin) {
			err = proto.ErrNoAuth
			break
		}
		if !auth.Allowed(acl, proto.PermAdmin) {
			acl = redactACL(acl)
		}
		buf = proto.AppendGetACLResponse(buf, acl, &st)
	case proto.OpGetAllChildrenNumber:
		var q proto.PathRequest
		if q.Decode(&r); r.Err() != nil || q.Path == nil {
			err = proto.ErrMarshallingError
			break
		}
		var n int32
		if n, err = s.tr().GetAllChildrenNumber(str(q.Path), auth); err == proto.ErrOk {
			buf = proto.AppendGetAllChildrenNumberResponse(buf, n)
		}
	case proto.OpGetEphemerals:
		var q proto.GetEphemeralsRequest
		if q.Decode(&r); r.Err() != nil {
			err = proto.ErrMarshallingError
			break
		}
		buf = proto.AppendGetEphemeralsResponse(buf, s.tr().Ephemerals(sess.id, str(q.PrefixPath)))
	case proto.OpWhoAmI:
		infos := make([]proto.ClientInfo, 0, len(auth.ids))
		for _, id := range auth.ids {
			user := id.ID
			if id.Scheme == "digest" {
				user, _, _ = cutColon(id.ID)
			}
			infos = append(infos, proto.ClientInfo{AuthScheme: id.Scheme, User: user})
		}
		buf = proto.AppendWhoAmIResponse(buf, infos)
	case proto.OpSync:
		var q proto.PathRequest
		if q.Decode(&r); r.Err() != nil {
			err = proto.ErrMarshallingError
			break
		}
		buf = proto.AppendSyncResponse(buf, q.Path)
	case proto.OpCheckWatches, proto.OpRemoveWatches:
		var q proto.WatchesRequest
		if q.Decode(&r); r.Err() != nil || q.Path == nil || q.Type < proto.WatcherChildren || q.Type > proto.WatcherAny {
			// ZK 3.8's WatcherType.fromInt knows Children, Data and Any
			// only; anything else fails to parse.
			err = proto.ErrMarshallingError
			break
		}
		var found bool
		if op == proto.OpCheckWatches {
			found = s.tr().CheckWatches(str(q.Path), c, q.Type)
		} else {
			found = s.tr().RemoveWatches(str(q.Path), c, q.Type)
		}
		if !found {
			err = proto.ErrNoWatcher
		}
	case proto.OpAddWatch:
		var q proto.AddWatchRequest
		if q.Decode(&r); r.Err() != nil || (q.Mode != proto.AddWatchPersistent && q.Mode != proto.AddWatchPersistentRecursive) {
			err = proto.ErrMarshallingError
			break
		}
		s.tr().AddWatch(str(q.Path), c, q.Mode)
		buf = proto.AppendErrorResponse(buf, proto.ErrOk)
	case proto.OpSetWatches:
		var q proto.SetWatches
		if q.Decode(&r); r.Err() != nil {
			err = proto.ErrMarshallingError
			break
		}
		s.tr().SetWatches(q.RelativeZxid, strs(q.DataWatches), strs(q.ExistWatches), strs(q.ChildWatches), nil, nil, c)
	case proto.OpSetWatches2:
		var q proto.SetWatches2
		if q.Decode(&r); r.Err() != nil {
			err = proto.ErrMarshallingError
			break
		}
		s.tr().SetWatches(q.RelativeZxid, strs(q.DataWatches), strs(q.ExistWatches), strs(q.ChildWatches),
			strs(q.PersistentWatches), strs(q.PersistentRecursiveWatches), c)
	case proto.OpMultiRead:
		var withBody bool
		buf, err, withBody = s.multiRead(&r, sc, auth, buf)
		if withBody {
			// The one error reply with a body: keep it.
			binary.BigEndian.PutUint64(buf[hdr+4:], uint64(c.replyZxid()))
			binary.BigEndian.PutUint32(buf[hdr+12:], uint32(int32(err)))
			return proto.EndFrame(buf, start)
		}
	default:
		err = proto.ErrUnimplemented
	}
	zxid := c.replyZxid()
	if err != proto.ErrOk {
		buf = buf[:hdr]
		buf = proto.AppendReplyHeader(buf, xid, zxid, err)
	} else {
		binary.BigEndian.PutUint64(buf[hdr+4:], uint64(zxid))
	}
	return proto.EndFrame(buf, start)
}

// multiRead answers a multiRead: each op on its own, errors per op. Like
// ZK 3.8, a record that parses but holds a write op is answered with
// MarshallingError and, as the one error reply with a body, the results
// gathered before that op; an unparsable record gets the header alone.
func (s *Server) multiRead(r *proto.Reader, sc *scratch, auth *authSet, buf []byte) ([]byte, proto.Err, bool) {
	ops, err := proto.DecodeMultiRecord(r, sc.ops[:0])
	sc.ops = ops
	if err != nil && !errors.Is(err, proto.ErrCreateFlags) {
		return buf, proto.ErrMarshallingError, false
	}
	defer clear(sc.ops)
	for i := range ops {
		op := &ops[i]
		if op.Path == nil {
			return proto.AppendMultiEnd(buf), proto.ErrMarshallingError, true
		}
		path := str(op.Path)
		switch op.Type {
		case proto.OpGetData:
			data, null, st, e := s.tr().GetData(path, auth, nil)
			if e != proto.ErrOk {
				buf = proto.AppendMultiError(buf, e)
				continue
			}
			buf = proto.AppendMultiHeader(buf, proto.OpGetData, false, proto.ErrOk)
			buf = proto.AppendGetDataResponse(buf, data, null, &st)
		case proto.OpGetChildren:
			names, _, e := s.tr().GetChildren(path, auth, nil, sc.names[:0])
			sc.names = names
			if e != proto.ErrOk {
				buf = proto.AppendMultiError(buf, e)
				continue
			}
			buf = proto.AppendMultiHeader(buf, proto.OpGetChildren, false, proto.ErrOk)
			buf = proto.AppendGetChildrenResponse(buf, names)
			clear(sc.names)
		default:
			return proto.AppendMultiEnd(buf), proto.ErrMarshallingError, true
		}
	}
	return proto.AppendMultiEnd(buf), proto.ErrOk, false
}

// strs copies a vector of byte strings into Go strings.
func strs(v [][]byte) []string {
	if len(v) == 0 {
		return nil
	}
	out := make([]string, len(v))
	for i, b := range v {
		out[i] = string(b)
	}
	return out
}

func cutColon(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
