package tree

import (
	"fmt"
	"slices"

	"github.com/zen-coord/zen/proto"
)

// Result is the outcome of applying one log entry.
type Result struct {
	Hdr   proto.TxnHeader
	Err   proto.Err  // a TxnError's code, else Ok
	Path  string     // create: the final path
	Stat  proto.Stat // create: the new node; setData/setACL: the node after
	Multi []OpResult // TxnMulti: one per sub-txn
}

// OpResult is the outcome of one sub-txn of a multi.
type OpResult struct {
	Type proto.OpCode // the sub-txn's type
	Err  proto.Err    // a TxnError's code, else Ok
	Path string       // create: the final path
	Stat proto.Stat   // create, setData, setACL: the node after
}

// op is one decoded create/delete/setData/setACL/check/error txn body.
type op struct {
	typ     proto.OpCode
	path    string
	data    []byte // aliases the entry until copied into a node
	null    bool
	acl     []proto.ACL
	owner   int64
	version int32
	err     proto.Err
	at      loc // where path and its parent live
}

// loc is a path's stripe and its parent's (pi < 0: no parent), hashed once
// per op.
type loc struct {
	si, pi int
	parent string
}

func (t *Tree) locate(path string) loc {
	l := loc{si: t.stripeIndex(path), pi: -1}
	if parent, _, ok := splitPath(path); ok {
		l.parent, l.pi = parent, t.stripeIndex(parent)
	}
	return l
}

// mask is the set of stripes of l.
func (l loc) mask() uint64 {
	m := uint64(1) << l.si
	if l.pi >= 0 {
		m |= 1 << l.pi
	}
	return m
}

// applier is the applier goroutine's scratch state, reused across txns.
type applier struct {
	ops       []op
	touched   ixmap[*node, struct{}] // nodes changed by the current txn
	notified  watcherSet             // see fireData
	childSeen watcherSet             // see fireChild
	idxLocked bool                   // idxMu held for the current txn
	paths     []string
}

// Apply applies one log entry (a proto.TxnHeader and its body) and fires the
// watches it triggers. It returns an error only if the entry cannot be
// decoded, in which case nothing changed. Only the applier goroutine calls it.
//
// Replay gate: a txn's effect on a node (or session) is skipped when the
// node's lastZxid is ≥ the txn's zxid, unless the node was changed earlier
// in the same txn. Nodes serialised by a fuzzy snapshot already carry the
// effects of the txns they saw, so re-applying the log from the snapshot's
// zxid converges to the live tree. In normal operation nothing is gated.
func (t *Tree) Apply(entry []byte) (Result, error) {
	var res Result
	r := proto.NewReader(entry)
	res.Hdr.Decode(&r)
	if err := r.Err(); err != nil {
		return res, fmt.Errorf("tree: txn header: %w", err)
	}
	h := &res.Hdr
	a := &t.ap
	defer a.clear()

	var timeout int32
	var closing []string
	switch h.Type {
	case proto.TxnCreate, proto.TxnDelete, proto.TxnSetData, proto.TxnSetACL, proto.TxnCheck, proto.TxnError:
		a.decodeOp(h.Type, &r)
	case proto.TxnMulti:
		var m proto.MultiTxn
		m.Decode(&r)
		for i := 0; i < len(m.Ops) && r.Err() == nil; i++ {
			sub := &m.Ops[i]
			if !subTxnType(sub.Type) {
				return res, fmt.Errorf("tree: zxid %#x: sub-txn type %v not allowed in a multi", h.Zxid, sub.Type)
			}
			sr := proto.NewReader(sub.Body)
			a.decodeOp(sub.Type, &sr)
			if err := sr.Err(); err != nil {
				return res, fmt.Errorf("tree: zxid %#x: sub-txn %d: %w", h.Zxid, i, err)
			}
		}
	case proto.TxnCreateSession:
		var cs proto.CreateSessionTxn
		cs.Decode(&r)
		timeout = cs.Timeout
	case proto.TxnCloseSession:
		var cs proto.CloseSessionTxn
		cs.Decode(&r)
		closing = cs.Paths
	default:
		return res, fmt.Errorf("tree: zxid %#x: unknown txn type %v", h.Zxid, h.Type)
	}
	if err := r.Err(); err != nil {
		return res, fmt.Errorf("tree: zxid %#x: %v body: %w", h.Zxid, h.Type, err)
	}

	var mask uint64
	for i := range a.ops {
		o := &a.ops[i]
		switch o.typ {
		case proto.TxnCreate, proto.TxnDelete, proto.TxnSetData, proto.TxnSetACL:
			o.at = t.locate(o.path)
			mask |= o.at.mask()
			if o.typ != proto.TxnSetACL {
				mask |= t.quotaMask(o.path)
			}
		}
	}
	if h.Type == proto.TxnCloseSession && len(t.quotas) > 0 {
		mask = ^uint64(0) // its deletes may adjust any quota
	}
	if h.Type == proto.TxnCloseSession {
		// The session's ephemerals as of now are a superset of what remains
		// after the listed deletes. Only the applier writes the index, so
		// reading it without idxMu is safe here.
		for _, p := range closing {
			mask |= t.locate(p).mask()
		}
		for p := range t.ephemerals[h.Session] {
			mask |= t.locate(p).mask()
		}
		for p, s := range t.ghosts {
			if s == h.Session {
				mask |= t.locate(p).mask()
			}
		}
	}

	t.lockMask(mask)
	switch h.Type {
	case proto.TxnMulti:
		res.Multi = make([]OpResult, len(a.ops))
		for i := range a.ops {
			t.applyOp(&a.ops[i], h, &res.Multi[i])
		}
	case proto.TxnCreateSession:
		t.applyCreateSession(h.Session, timeout, h.Zxid)
	case proto.TxnCloseSession:
		t.applyCloseSession(h, closing)
	default:
		var or OpResult
		t.applyOp(&a.ops[0], h, &or)
		res.Err, res.Path, res.Stat = or.Err, or.Path, or.Stat
	}
	t.lastZxid.Store(h.Zxid)
	if a.idxLocked {
		a.idxLocked = false
		t.idxMu.Unlock()
	}
	t.unlockMask(mask)
	return res, nil
}

func subTxnType(typ proto.OpCode) bool {
	switch typ {
	case proto.TxnCreate, proto.TxnDelete, proto.TxnSetData, proto.TxnSetACL, proto.TxnCheck, proto.TxnError:
		return true
	}
	return false
}

// decodeOp decodes one body of type typ and appends it to a.ops.
func (a *applier) decodeOp(typ proto.OpCode, r *proto.Reader) {
	o := op{typ: typ}
	switch typ {
	case proto.TxnCreate:
		var c proto.CreateTxn
		c.Decode(r)
		o.path, o.data, o.null, o.acl, o.owner = c.Path, c.Data, c.DataNull, c.ACL, c.Owner
	case proto.TxnDelete:
		var d proto.DeleteTxn
		d.Decode(r)
		o.path = d.Path
	case proto.TxnSetData:
		var s proto.SetDataTxn
		s.Decode(r)
		o.path, o.data, o.null, o.version = s.Path, s.Data, s.DataNull, s.Version
	case proto.TxnSetACL:
		var s proto.SetACLTxn
		s.Decode(r)
		o.path, o.acl, o.version = s.Path, s.ACL, s.Version
	case proto.TxnCheck:
		var c proto.CheckTxn
		c.Decode(r)
		o.path, o.version = c.Path, c.Version
	case proto.TxnError:
		var e proto.ErrorTxn
		e.Decode(r)
		o.err = e.Err
	}
	a.ops = append(a.ops, o)
}

// clear drops the references the scratch state holds into the last entry
// and its nodes.
func (a *applier) clear() {
	clear(a.ops)
	a.ops = a.ops[:0]
	reset(&a.touched)
	reset(&a.notified)
	reset(&a.childSeen)
	clear(a.paths)
	a.paths = a.paths[:0]
}

// lockIdx takes idxMu for the rest of the current txn.
func (t *Tree) lockIdx() {
	if !t.ap.idxLocked {
		t.idxMu.Lock()
		t.ap.idxLocked = true
	}
}

// gated reports whether the current txn (zxid) must skip its effect on n:
// n already reflects it (see Apply).
func (t *Tree) gated(n *node, zxid int64) bool {
	return n.lastZxid >= zxid && t.ap.touched.find(n) < 0
}

// touch records that the current txn changed n.
func (t *Tree) touch(n *node, zxid int64) {
	n.lastZxid = zxid
	t.ap.touched.put(n)
}

// lookupLocked returns the node at path. REQUIRES: its stripe locked.
func (t *Tree) lookupLocked(path string) *node {
	return t.stripeOf(path).nodes[path]
}

// parentLocked returns path's parent node, or nil.
// REQUIRES: the parent's stripe locked.
func (t *Tree) parentLocked(path string) *node {
	parent, _, ok := splitPath(path)
	if !ok {
		return nil
	}
	return t.lookupLocked(parent)
}

// nodesAt returns the node at path and its parent (either may be nil).
// REQUIRES: the stripes of l locked.
func (t *Tree) nodesAt(path string, l loc) (n, p *node) {
	n = t.stripes[l.si].nodes[path]
	if l.pi >= 0 {
		p = t.stripes[l.pi].nodes[l.parent]
	}
	return n, p
}

func (t *Tree) applyOp(o *op, h *proto.TxnHeader, r *OpResult) {
	r.Type = o.typ
	switch o.typ {
	case proto.TxnCreate:
		t.applyCreate(o, h, r)
	case proto.TxnDelete:
		t.applyDelete(o.path, o.at, h.Zxid)
	case proto.TxnSetData:
		t.applySetData(o, h, r)
	case proto.TxnSetACL:
		t.applySetACL(o, h.Zxid, r)
	case proto.TxnError:
		r.Err = o.err
	}
}

// applyCreate: the node's existence follows its own gate (it is created
// only if absent), the parent's children set follows the node's existence,
// and the parent's counters follow the parent's gate.
func (t *Tree) applyCreate(o *op, h *proto.TxnHeader, r *OpResult) {
	zxid := h.Zxid
	r.Path = o.path
	n, p := t.nodesAt(o.path, o.at)
	created := false
	if n == nil {
		n = &node{
			path:     o.path, // freshly allocated by the decoder
			data:     copyData(o.data, o.null),
			null:     o.null,
			acl:      t.acls.intern(o.acl),
			czxid:    zxid,
			mzxid:    zxid,
			pzxid:    zxid,
			ctime:    h.Time,
			mtime:    h.Time,
			owner:    o.owner,
			lastZxid: zxid,
		}
		if indexed(n.owner) {
			t.lockIdx()
		}
		t.insertLocked(&t.stripes[o.at.si], n)
		t.ap.touched.put(n)
		created = true
	}
	if created && p != nil {
		// (Linked below; the quota hook only needs the parent's path.)
		defer t.quotaCreated(n, p.path)
	}
	if p != nil {
		// Also when n already existed: a fuzzy snapshot can hold a child
		// whose parent is created by the replay (Load could not link it).
		t.linkChild(p, n.path)
	}
	if p != nil && !t.gated(p, zxid) {
		p.childCreates++
		p.pzxid = zxid
		t.touch(p, zxid)
	}
	r.Stat = n.stat()
	if created {
		t.fireData(&t.stripes[o.at.si], n.path, proto.EventNodeCreated, zxid, n.aclList(), false)
		if p != nil {
			t.fireChild(&t.stripes[o.at.pi], p.path, proto.EventNodeChildrenChanged, zxid, p.aclList(), nil)
		}
	}
}

// applyDelete: deleting an absent (or already newer) node is a no-op; the
// parent's pzxid follows the parent's gate. The root is never deleted.
func (t *Tree) applyDelete(path string, l loc, zxid int64) {
	if len(t.ghosts) > 0 {
		t.lockIdx()
		delete(t.ghosts, path)
	}
	n, p := t.nodesAt(path, l)
	s := &t.stripes[l.si]
	deleted := n != nil && n.path != "/" && !t.gated(n, zxid)
	if deleted {
		if indexed(n.owner) {
			t.lockIdx()
		}
		t.removeLocked(s, n)
		t.ap.touched.put(n)
		if p != nil {
			t.unlinkChild(p, n.path)
		}
	}
	if p != nil && !t.gated(p, zxid) {
		p.pzxid = zxid
		t.touch(p, zxid)
	}
	if deleted {
		if p != nil {
			t.quotaDeleted(n, p.path)
		}
		acl := n.aclList()
		t.fireData(s, n.path, proto.EventNodeDeleted, zxid, acl, true)
		t.fireChild(s, n.path, proto.EventNodeDeleted, zxid, acl, &t.ap.notified)
		if p != nil {
			t.fireChild(&t.stripes[l.pi], p.path, proto.EventNodeChildrenChanged, zxid, p.aclList(), nil)
		}
	}
}

func (t *Tree) applySetData(o *op, h *proto.TxnHeader, r *OpResult) {
	s := &t.stripes[o.at.si]
	n := s.nodes[o.path]
	if n == nil {
		return
	}
	if !t.gated(n, h.Zxid) {
		d := copyData(o.data, o.null)
		t.quotaDataChanged(n.path, len(n.data), len(d))
		t.dataSize.Add(int64(len(d) - len(n.data)))
		n.data, n.null = d, o.null
		n.version = o.version
		n.mzxid = h.Zxid
		n.mtime = h.Time
		t.touch(n, h.Zxid)
		t.fireData(s, n.path, proto.EventNodeDataChanged, h.Zxid, n.aclList(), false)
	}
	r.Stat = n.stat()
}

func (t *Tree) applySetACL(o *op, zxid int64, r *OpResult) {
	n := t.stripes[o.at.si].nodes[o.path]
	if n == nil {
		return
	}
	if !t.gated(n, zxid) {
		e := t.acls.intern(o.acl)
		t.acls.release(n.acl)
		n.acl = e
		n.aversion = o.version
		t.touch(n, zxid)
	}
	r.Stat = n.stat()
}

func (t *Tree) applyCreateSession(id int64, timeout int32, zxid int64) {
	t.lockIdx()
	if s, ok := t.sessions[id]; ok && s.lastZxid >= zxid {
		return
	}
	t.sessions[id] = session{timeout: timeout, lastZxid: zxid}
}

// applyCloseSession deletes the listed paths, then every other ephemeral
// the session still owns (in path order), then the session.
//
// "Still owns" is the one effect that depends on state rather than on the
// txn's content. During replay it includes the session's ghosts: paths a
// fuzzy snapshot lost the node of although the live tree still had it
// when this txn ran, so the parent's pzxid is updated exactly as live.
func (t *Tree) applyCloseSession(h *proto.TxnHeader, paths []string) {
	for _, p := range paths {
		t.applyDelete(p, t.locate(p), h.Zxid)
	}
	t.lockIdx()
	rest := t.ap.paths[:0]
	for p := range t.ephemerals[h.Session] {
		rest = append(rest, p)
	}
	for p, s := range t.ghosts {
		if s == h.Session {
			rest = append(rest, p)
		}
	}
	slices.Sort(rest)
	rest = slices.Compact(rest)
	t.ap.paths = rest
	for _, p := range rest {
		t.applyDelete(p, t.locate(p), h.Zxid)
	}
	if s, ok := t.sessions[h.Session]; ok && s.lastZxid < h.Zxid {
		delete(t.sessions, h.Session)
	}
}
