package engine

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/zen-coord/zen/proto"
	"github.com/zen-coord/zen/zab"
)

// nodeRec is request prep's view of one node: the tree as applied, plus
// every txn already prepped but not yet applied (ZK's outstanding changes).
type nodeRec struct {
	exists       bool
	version      int32
	aversion     int32
	childCreates int32
	numChildren  int32
	owner        int64
	acl          []proto.ACL
}

type change struct {
	zxid int64
	rec  nodeRec
}

type localChange struct {
	path string
	rec  nodeRec
}

// proposer turns write requests into txns, in arrival order, on one
// goroutine. It validates each request against the tree plus the overlay of
// changes that are proposed but not applied yet, so a burst of dependent
// writes (create a parent, then its child) can be batched and pipelined.
type proposer struct {
	s       *Server
	gen     uint64            // the leadership the overlay and next belong to
	next    int64             // zxid of the next txn
	overlay map[string]change // path → latest unapplied change
	local   []localChange     // changes of the txn being prepped
	commits int
	body    []byte
	subs    []proto.SubTxn
}

func newProposer(s *Server) *proposer {
	return &proposer{s: s, overlay: map[string]change{}}
}

// get returns path's record as of every txn prepped so far.
func (p *proposer) get(path string) nodeRec {
	for i := len(p.local) - 1; i >= 0; i-- {
		if p.local[i].path == path {
			return p.local[i].rec
		}
	}
	if ch, ok := p.overlay[path]; ok {
		if ch.zxid > p.s.tr().LastZxid() {
			return ch.rec
		}
		delete(p.overlay, path)
	}
	info, ok := p.s.tr().Lookup(path)
	if !ok {
		return nodeRec{}
	}
	return nodeRec{
		exists:       true,
		version:      info.Stat.Version,
		aversion:     info.Stat.Aversion,
		childCreates: info.ChildCreates,
		numChildren:  info.Stat.NumChildren,
		owner:        info.Owner,
		acl:          info.ACL,
	}
}

func (p *proposer) put(path string, rec nodeRec) {
	p.local = append(p.local, localChange{path: path, rec: rec})
}

// commit publishes the current txn's changes under its zxid.
func (p *proposer) commit(zxid int64) {
	for _, lc := range p.local {
		p.overlay[lc.path] = change{zxid: zxid, rec: lc.rec}
	}
	clear(p.local)
	p.local = p.local[:0]
	if p.commits++; p.commits%4096 == 0 {
		applied := p.s.tr().LastZxid()
		for k, ch := range p.overlay {
			if ch.zxid <= applied {
				delete(p.overlay, k)
			}
		}
	}
}

func (p *proposer) rollback() {
	clear(p.local)
	p.local = p.local[:0]
}

// nextVersion is ZK's version arithmetic: +1, never landing on -1.
func nextVersion(v int32) int32 {
	v++
	if v == -1 {
		v = 0
	}
	return v
}

// lead adopts a new leadership: zxids continue from its first, and the
// overlay of a previous leadership (whose txns may never commit) is
// dropped.
func (p *proposer) lead(l *leadership) {
	if l.gen == p.gen {
		return
	}
	p.gen, p.next = l.gen, l.next
	clear(p.overlay)
	p.rollback()
}

// prep turns one request into a txn. ok is false when the request makes no
// txn (a reap candidate that is no longer one).
func (p *proposer) prep(req *request) (prop zab.Proposal, ok bool) {
	s := p.s
	zxid := p.next
	hdr := proto.TxnHeader{Cxid: req.xid, Zxid: zxid, Time: s.now().UnixMilli()}
	if req.sess != nil {
		hdr.Session = req.sess.id
	}
	body := p.body[:0]
	err := proto.ErrOk
	switch req.kind {
	case kindSession:
		hdr.Session = req.sessionID
		hdr.Type = proto.TxnCreateSession
		t := proto.CreateSessionTxn{Timeout: req.timeout}
		body = t.Append(body)
	case kindClose:
		hdr.Type = proto.TxnCloseSession
		body = p.closeSession(req.sess.id, body)
	case kindReap:
		var ok bool
		if body, ok = p.reap(req.reapPath, body); !ok {
			p.rollback()
			return prop, false // no longer a candidate: no txn
		}
		hdr.Type = proto.TxnDelete
	case kindWrite:
		hdr.Type, body, err = p.prepWrite(req, body)
	}
	if err != proto.ErrOk {
		p.rollback()
		hdr.Type = proto.TxnError
		t := proto.ErrorTxn{Err: err}
		body = t.Append(body[:0])
	} else {
		p.commit(zxid)
	}
	p.body = body
	s.m.proposalSize(int64(proto.TxnHeaderSize + len(body)))
	data := make([]byte, 0, proto.TxnHeaderSize+len(body))
	data = proto.AppendTxnHeader(data, &hdr)
	data = append(data, body...)
	p.next++
	return zab.Proposal{Zxid: zxid, Data: data, Ctx: req}, true
}

// prepWrite validates a client write and encodes its txn body.
func (p *proposer) prepWrite(req *request, body []byte) (proto.OpCode, []byte, proto.Err) {
	if req.sess.closing.Load() && req.op != proto.OpCloseSession {
		return 0, body, proto.ErrSessionExpired
	}
	r := proto.NewReader(req.body)
	switch req.op {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer:
		var q proto.CreateRequest
		if q.Decode(&r); r.Err() != nil {
			return 0, body, proto.ErrMarshallingError
		}
		body, err := p.create(req, req.op, q.Path, q.Data, q.DataNull, q.ACL, q.Flags, -1, body)
		return proto.TxnCreate, body, err
	case proto.OpCreateTTL:
		var q proto.CreateTTLRequest
		if q.Decode(&r); r.Err() != nil {
			return 0, body, proto.ErrMarshallingError
		}
		body, err := p.create(req, req.op, q.Path, q.Data, q.DataNull, q.ACL, q.Flags, q.TTL, body)
		return proto.TxnCreate, body, err
	case proto.OpDelete:
		var q proto.DeleteRequest
		if q.Decode(&r); r.Err() != nil {
			return 0, body, proto.ErrMarshallingError
		}
		if q.Path == nil {
			return 0, body, proto.ErrMarshallingError
		}
		body, err := p.delete(req, str(q.Path), q.Version, body)
		return proto.TxnDelete, body, err
	case proto.OpSetData:
		var q proto.SetDataRequest
		if q.Decode(&r); r.Err() != nil {
			return 0, body, proto.ErrMarshallingError
		}
		if q.Path == nil {
			return 0, body, proto.ErrMarshallingError
		}
		body, err := p.setData(req, str(q.Path), q.Data, q.DataNull, q.Version, body)
		return proto.TxnSetData, body, err
	case proto.OpSetACL:
		var q proto.SetACLRequest
		if q.Decode(&r); r.Err() != nil {
			return 0, body, proto.ErrMarshallingError
		}
		if q.Path == nil {
			return 0, body, proto.ErrMarshallingError
		}
		body, err := p.setACL(req, str(q.Path), q.ACL, q.Version, body)
		return proto.TxnSetACL, body, err
	case proto.OpCheck:
		var q proto.CheckVersionRequest
		if q.Decode(&r); r.Err() != nil {
			return 0, body, proto.ErrMarshallingError
		}
		if q.Path == nil {
			return 0, body, proto.ErrMarshallingError
		}
		body, err := p.check(req, str(q.Path), q.Version, body)
		return proto.TxnCheck, body, err
	case proto.OpMulti:
		return p.multi(req, &r, body)
	case proto.OpReconfig:
		var q proto.ReconfigRequest
		if q.Decode(&r); r.Err() != nil {
			return 0, body, proto.ErrMarshallingError
		}
		if !p.s.cfg.ReconfigEnabled {
			return 0, body, proto.ErrReconfigDisabled
		}
		if !p.s.cfg.Ensemble() {
			return 0, body, proto.ErrUnimplemented // standalone
		}
		return 0, body, p.reconfig(req, &q)
	case proto.OpDeleteContainer:
		return 0, body, proto.ErrBadArguments
	case proto.OpCloseSession:
		req.sess.closing.Store(true)
		return proto.TxnCloseSession, p.closeSession(req.sess.id, body), proto.ErrOk
	}
	return 0, body, proto.ErrUnimplemented
}

// reconfig checks an ensemble's reconfig the way ZooKeeper 3.8 does before
// it would change the membership: the config version (zen's static
// configuration is version 0; ZooKeeper with reconfigEnabled renumbers it
// to its first leader's zxid); the new membership, or the current one with
// the joining servers and without the leaving ids, must parse and keep at
// least 2 voters; then WRITE on /zookeeper/config (only super has it). zen
// has no dynamic reconfiguration: a request that passes these checks is
// answered Unimplemented (ZooKeeper would go on to require a synced quorum
// of the new voters and commit the change).
func (p *proposer) reconfig(req *request, q *proto.ReconfigRequest) proto.Err {
	if q.CurConfigID != -1 && q.CurConfigID != 0 {
		return proto.ErrBadVersion
	}
	parse := func(list []byte, into *Config) bool {
		for _, l := range strings.FieldsFunc(string(list), func(r rune) bool { return r == ',' || r == '\n' }) {
			k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
			id, isServer := strings.CutPrefix(strings.TrimSpace(k), "server.")
			if !ok || !isServer || into.setServer(id, strings.TrimSpace(v)) != nil {
				return false
			}
		}
		return true
	}
	var next Config
	if q.NewMembers != nil {
		if !parse(q.NewMembers, &next) {
			return proto.ErrBadArguments
		}
	} else {
		next.Servers = maps.Clone(p.s.cfg.Servers)
		if len(q.LeavingServers) > 0 {
			for _, f := range strings.Split(string(q.LeavingServers), ",") {
				id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
				if err != nil {
					// ZooKeeper's Long.parseLong throws past its checks.
					return proto.ErrMarshallingError
				}
				delete(next.Servers, id)
			}
		}
		// A joiner names all three ports: quorum, election and client.
		var joining Config
		if !parse(q.JoiningServers, &joining) {
			return proto.ErrBadArguments
		}
		for id, sp := range joining.Servers {
			if sp.ClientAddr == "" {
				return proto.ErrBadArguments
			}
			if next.Servers == nil {
				next.Servers = map[int64]ServerSpec{}
			}
			next.Servers[id] = sp
		}
	}
	voters := 0
	for _, sp := range next.Servers {
		if !sp.Observer {
			voters++
		}
	}
	if voters < 2 {
		return proto.ErrBadArguments
	}
	if node := p.get("/zookeeper/config"); !req.auth.Allowed(node.acl, proto.PermWrite) {
		return proto.ErrNoAuth
	}
	return proto.ErrUnimplemented
}

// create validates a create of any kind (PROTOCOL.md §6 order) and appends
// its CreateTxn. ttl is -1 for opcodes other than createTTL.
func (p *proposer) create(req *request, op proto.OpCode, rawPath, data []byte, null bool, acl []proto.ACL, flags int32, ttl int64, body []byte) ([]byte, proto.Err) {
	if flags < proto.FlagPersistent || flags > proto.FlagPersistentSequentialWithTTL {
		return body, proto.ErrBadArguments
	}
	isTTL := flags == proto.FlagPersistentWithTTL || flags == proto.FlagPersistentSequentialWithTTL
	if isTTL && !p.s.cfg.ExtendedTypes {
		return body, proto.ErrUnimplemented
	}
	if isTTL {
		if ttl <= 0 || ttl > proto.MaxTTL {
			return body, proto.ErrBadArguments
		}
	} else if ttl >= 0 {
		return body, proto.ErrBadArguments
	}
	if rawPath == nil {
		return body, proto.ErrMarshallingError // null path
	}
	path := string(rawPath)
	slash := lastSlash(path)
	if slash < 0 || hasNUL(path) {
		return body, proto.ErrBadArguments
	}
	acl, aerr := fixupACL(acl, req.auth)
	if aerr != proto.ErrOk {
		return body, aerr
	}
	parentPath := path[:slash]
	if parentPath == "" {
		parentPath = "/"
	}
	parent := p.get(parentPath)
	if !parent.exists {
		return body, proto.ErrNoNode
	}
	if !req.auth.Allowed(parent.acl, proto.PermCreate) {
		return body, proto.ErrNoAuth
	}
	if flags == proto.FlagPersistentSequential || flags == proto.FlagEphemeralSequential || flags == proto.FlagPersistentSequentialWithTTL {
		path += seqSuffix(parent.childCreates)
	}
	if !validatePath(path) {
		return body, proto.ErrBadArguments
	}
	if p.get(path).exists {
		return body, proto.ErrNodeExists
	}
	if proto.IsSessionOwner(parent.owner) {
		return body, proto.ErrNoChildrenForEphemerals
	}
	var owner int64
	switch {
	case op == proto.OpCreateContainer:
		owner = proto.OwnerContainer
	case isTTL:
		owner = proto.OwnerTTLMask | ttl
	case flags == proto.FlagEphemeral || flags == proto.FlagEphemeralSequential:
		owner = req.sess.id
	}
	parent.childCreates++
	parent.numChildren++
	p.put(parentPath, parent)
	p.put(path, nodeRec{exists: true, owner: owner, acl: acl})
	t := proto.CreateTxn{Path: path, Data: data, DataNull: null, ACL: acl, Owner: owner}
	return t.Append(body), proto.ErrOk
}

// seqSuffix is "%010d" of the parent's child-creation counter (negative
// once it wraps, as in ZK).
func seqSuffix(n int32) string {
	s := strconv.FormatInt(int64(n), 10)
	if n < 0 || len(s) >= 10 {
		return s
	}
	const zeros = "0000000000"
	return zeros[:10-len(s)] + s
}

func (p *proposer) delete(req *request, path string, version int32, body []byte) ([]byte, proto.Err) {
	slash := lastSlash(path)
	if slash < 0 || hasNUL(path) || isSpecialPath(path) {
		return body, proto.ErrBadArguments
	}
	parentPath := path[:slash]
	if parentPath == "" {
		parentPath = "/"
	}
	parent := p.get(parentPath)
	if !parent.exists {
		return body, proto.ErrNoNode
	}
	if !req.auth.Allowed(parent.acl, proto.PermDelete) {
		return body, proto.ErrNoAuth
	}
	node := p.get(path)
	if !node.exists {
		return body, proto.ErrNoNode
	}
	if version != -1 && version != node.version {
		return body, proto.ErrBadVersion
	}
	if node.numChildren > 0 {
		return body, proto.ErrNotEmpty
	}
	path = string([]byte(path)) // own it: it outlives the request buffer in the overlay
	parentPath = parentOf(path)
	parent.numChildren--
	p.put(parentPath, parent)
	p.put(path, nodeRec{})
	t := proto.DeleteTxn{Path: path}
	return t.Append(body), proto.ErrOk
}

func (p *proposer) setData(req *request, path string, data []byte, null bool, version int32, body []byte) ([]byte, proto.Err) {
	if !validatePath(path) {
		return body, proto.ErrBadArguments
	}
	node := p.get(path)
	if !node.exists {
		return body, proto.ErrNoNode
	}
	if !req.auth.Allowed(node.acl, proto.PermWrite) {
		return body, proto.ErrNoAuth
	}
	if version != -1 && version != node.version {
		return body, proto.ErrBadVersion
	}
	path = string([]byte(path))
	node.version = nextVersion(node.version)
	p.put(path, node)
	t := proto.SetDataTxn{Path: path, Data: data, DataNull: null, Version: node.version}
	return t.Append(body), proto.ErrOk
}

func (p *proposer) setACL(req *request, path string, acl []proto.ACL, version int32, body []byte) ([]byte, proto.Err) {
	if !validatePath(path) {
		return body, proto.ErrBadArguments
	}
	acl, aerr := fixupACL(acl, req.auth)
	if aerr != proto.ErrOk {
		return body, aerr
	}
	node := p.get(path)
	if !node.exists {
		return body, proto.ErrNoNode
	}
	if !req.auth.Allowed(node.acl, proto.PermAdmin) {
		return body, proto.ErrNoAuth
	}
	if version != -1 && version != node.aversion {
		return body, proto.ErrBadVersion
	}
	path = string([]byte(path))
	node.aversion = nextVersion(node.aversion)
	node.acl = acl
	p.put(path, node)
	t := proto.SetACLTxn{Path: path, ACL: acl, Version: node.aversion}
	return t.Append(body), proto.ErrOk
}

func (p *proposer) check(req *request, path string, version int32, body []byte) ([]byte, proto.Err) {
	if !validatePath(path) {
		return body, proto.ErrBadArguments
	}
	node := p.get(path)
	if !node.exists {
		return body, proto.ErrNoNode
	}
	if !req.auth.Allowed(node.acl, proto.PermRead) {
		return body, proto.ErrNoAuth
	}
	if version != -1 && version != node.version {
		return body, proto.ErrBadVersion
	}
	t := proto.CheckTxn{Path: path, Version: version}
	return t.Append(body), proto.ErrOk
}

// multi preps every op against the changes of the ops before it. On the
// first failure nothing is kept and the txn records one error per op.
func (p *proposer) multi(req *request, r *proto.Reader, body []byte) (proto.OpCode, []byte, proto.Err) {
	ops, err := proto.DecodeMultiRecord(r, nil)
	if err != nil && !errors.Is(err, proto.ErrCreateFlags) {
		// Bad create flags are not a marshalling error in ZK 3.8: the op
		// fails with BadArguments in create's own checks below.
		return 0, body, proto.ErrMarshallingError
	}
	for i := range ops {
		if ops[i].IsReadOp() {
			return 0, body, proto.ErrMarshallingError
		}
	}
	req.multiOps = make([]proto.OpCode, len(ops))
	subs := p.subs[:0]
	var scratch []byte
	failed, failErr := -1, proto.ErrOk
	for i := range ops {
		op := &ops[i]
		req.multiOps[i] = op.Type
		start := len(scratch)
		var e proto.Err
		var typ proto.OpCode
		switch op.Type {
		case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
			// Inside a multi ZK (Op.create) derives the op from the flags,
			// not from the wire type: TTL flags make a createTTL,
			// the container flag a createContainer, anything else a
			// plain create (whose result carries the path only).
			eff, ttl := multiCreateType(op.Flags), int64(-1)
			if eff == proto.OpCreateTTL && op.Type == proto.OpCreateTTL {
				ttl = op.TTL
			}
			req.multiOps[i] = eff
			scratch, e = p.create(req, eff, op.Path, op.Data, op.DataNull, op.ACL, op.Flags, ttl, scratch)
			typ = proto.TxnCreate
		case proto.OpDelete:
			scratch, e = p.delete(req, str(op.Path), op.Version, scratch)
			typ = proto.TxnDelete
		case proto.OpSetData:
			scratch, e = p.setData(req, str(op.Path), op.Data, op.DataNull, op.Version, scratch)
			typ = proto.TxnSetData
		case proto.OpCheck:
			scratch, e = p.check(req, str(op.Path), op.Version, scratch)
			typ = proto.TxnCheck
		default:
			e = proto.ErrUnimplemented
		}
		if e != proto.ErrOk {
			failed, failErr = i, e
			break
		}
		subs = append(subs, proto.SubTxn{Type: typ, Body: scratch[start:len(scratch):len(scratch)]})
	}
	if failed >= 0 {
		p.rollback()
		subs = subs[:0]
		scratch = scratch[:0]
		for i := range ops {
			e := proto.ErrOk
			switch {
			case i == failed:
				e = failErr
			case i > failed:
				e = proto.ErrRuntimeInconsistency
			}
			start := len(scratch)
			t := proto.ErrorTxn{Err: e}
			scratch = t.Append(scratch)
			subs = append(subs, proto.SubTxn{Type: proto.TxnError, Body: scratch[start:]})
		}
	}
	t := proto.MultiTxn{Ops: subs}
	body = t.Append(body)
	clear(subs)
	p.subs = subs[:0]
	return proto.TxnMulti, body, proto.ErrOk
}

// multiCreateType is the opcode ZK's Op.create picks for create flags.
func multiCreateType(flags int32) proto.OpCode {
	switch flags {
	case proto.FlagPersistentWithTTL, proto.FlagPersistentSequentialWithTTL:
		return proto.OpCreateTTL
	case proto.FlagContainer:
		return proto.OpCreateContainer
	}
	return proto.OpCreate
}

// closeSession lists the session's ephemerals as of every prepped txn and
// marks them deleted.
func (p *proposer) closeSession(id int64, body []byte) []byte {
	paths := p.s.tr().SessionEphemerals(id)
	seen := make(map[string]bool, len(paths))
	for _, path := range paths {
		seen[path] = true
	}
	applied := p.s.tr().LastZxid()
	for path, ch := range p.overlay {
		if ch.zxid > applied && ch.rec.exists && ch.rec.owner == id && !seen[path] {
			paths = append(paths, path)
			seen[path] = true
		}
	}
	live := paths[:0]
	for _, path := range paths {
		if rec := p.get(path); rec.exists && rec.owner == id {
			live = append(live, path)
		}
	}
	// ZK deletes them in its HashSet's order; the set was filled in
	// creation order, which czxid gives (pending ones come last, in zxid
	// order).
	created := make(map[string]int64, len(live))
	for _, path := range live {
		if info, ok := p.s.tr().Lookup(path); ok && info.Owner == id {
			created[path] = info.Stat.Czxid
		} else if ch, ok := p.overlay[path]; ok {
			created[path] = ch.zxid
		}
	}
	slices.SortStableFunc(live, func(a, b string) int {
		if created[a] != created[b] {
			if created[a] < created[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	javaHashSetOrder(live)
	for _, path := range live {
		parentPath := parentOf(path)
		parent := p.get(parentPath)
		parent.numChildren--
		p.put(parentPath, parent)
		p.put(path, nodeRec{})
	}
	t := proto.CloseSessionTxn{Paths: live}
	return t.Append(body)
}

// reap preps the deletion of an empty container or expired TTL node.
func (p *proposer) reap(path string, body []byte) ([]byte, bool) {
	node := p.get(path)
	if !node.exists || node.numChildren > 0 {
		return body, false
	}
	switch {
	case node.owner == proto.OwnerContainer:
		if node.childCreates == 0 {
			return body, false
		}
	case proto.IsTTLOwner(node.owner):
		info, ok := p.s.tr().Lookup(path)
		if !ok || p.s.now().UnixMilli()-info.Stat.Mtime <= proto.TTLOf(node.owner) {
			return body, false
		}
	default:
		return body, false
	}
	parentPath := parentOf(path)
	parent := p.get(parentPath)
	parent.numChildren--
	p.put(parentPath, parent)
	p.put(path, nodeRec{})
	t := proto.DeleteTxn{Path: path}
	return t.Append(body), true
}
