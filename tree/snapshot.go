package tree

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/zen-coord/zen/proto"
)

// Snapshot format (version 2). Integers are varints (encoding/binary:
// uvarint for lengths, counts and ids, zig-zag varint for values); strings
// and byte strings are a uvarint length followed by the bytes.
//
//	header   "zentree\n" uvarint(version=2) varint(Z0) uvarint(#nodes hint)
//	records  until the end record, each a tag byte and its fields:
//	  'A' ACL list   uvarint(id) uvarint(n) n×{varint(perms) str(scheme) str(id)}
//	                 ids are 0,1,2,... in order; defined before first use
//	  'N' node       str(path) byte(flags: 1=null data) [bytes(data) if not null]
//	                 uvarint(acl id) varint(czxid mzxid pzxid ctime mtime owner
//	                 lastZxid version aversion childCreates)
//	                 uvarint(#children hint)
//	  'P' pre-image  varint(session) uvarint(n) n×str(path)
//	  'S' session    varint(id) varint(timeout) varint(lastZxid)
//	  'E' end        uvarint(#nodes) uvarint(#acl lists) uvarint(#sessions)
//	                 uvarint(#pre-image records)
//
// Children sets, counters and indexes are not stored; Load rebuilds them,
// sizing its maps from the hints (counts seen while writing; a fuzzy
// snapshot's may be off, so they size maps and are never trusted as
// counts). Version 1 is version 2 without the hints; Load reads both.
// Compression and checksums are the caller's.
//
// Ephemeral pre-image. Per-node gating makes replay converge for every
// effect a txn names explicitly. closeSession also deletes the ephemerals
// the session "still owns", a set read from state: if a fuzzy snapshot has
// the stripe of such an ephemeral after the close but its parent's stripe
// before it, replay could not find the ephemeral and would miss the
// parent's pzxid update. So the snapshot first records every session's
// ephemeral paths ('P' records, taken after Z0 and before any stripe, so
// at a point every stripe has reached). Load turns the recorded paths whose
// node is absent into ghosts; a replayed delete naming a ghost drops it, and
// a replayed closeSession treats its session's ghosts as still owned.

const (
	snapMagic   = "zentree\n"
	snapVersion = 2
	// snapVersionNoHints is the previous format, still loaded.
	snapVersionNoHints = 1
	// maxSizeHint caps the node count a header hint can presize for (a
	// damaged hint is found only at the end of the stream, after the maps
	// are made); children hints together never exceed the node hint.
	maxSizeHint = 1 << 22

	tagACL      = 'A'
	tagNode     = 'N'
	tagPreImage = 'P'
	tagSession  = 'S'
	tagEnd      = 'E'

	maxSnapString = 16 << 20 // paths, schemes, ids
	maxSnapData   = 1 << 30  // node data
	maxSnapACL    = 1 << 20  // entries in one ACL list
)

// WriteSnapshot streams a fuzzy snapshot of the tree to w and returns its
// zxid Z0, the LastZxid read before anything else. It runs concurrently with
// Apply: each stripe is copied under its read lock (node metadata only; data
// and ACL slices are immutable and shared) and written after the lock is
// released, so the snapshot holds every txn ≤ Z0 and, per stripe, some later
// ones, all-or-nothing per txn. Load followed by re-applying every entry
// with zxid > Z0 reproduces the live tree. Any goroutine may call it.
func (t *Tree) WriteSnapshot(w io.Writer) (zxid int64, err error) {
	return t.writeSnapshot(w, nil)
}

// writeSnapshot is WriteSnapshot with a hook called before each stripe is
// copied and before the session table is (i = nStripes): tests use it to
// apply txns at chosen points of a snapshot.
func (t *Tree) writeSnapshot(w io.Writer, between func(i int)) (zxid int64, err error) {
	z0 := t.LastZxid()
	bw := bufio.NewWriterSize(w, 64<<10)
	buf := make([]byte, 0, 256)
	buf = append(buf, snapMagic...)
	buf = binary.AppendUvarint(buf, snapVersion)
	buf = binary.AppendVarint(buf, z0)
	buf = binary.AppendUvarint(buf, uint64(t.NodeCount()))
	if _, err := bw.Write(buf); err != nil {
		return z0, err
	}
	pre, err := t.writePreImage(bw, buf)
	if err != nil {
		return z0, err
	}

	aclIDs := make(map[*aclEntry]uint64)
	var recs []node
	var kids []int // each record's children count, read under the lock
	nodes := 0
	for i := range t.stripes {
		if between != nil {
			between(i)
		}
		s := &t.stripes[i]
		s.mu.RLock()
		for _, n := range s.nodes {
			recs = append(recs, *n)
			kids = append(kids, len(n.children))
			recs[len(recs)-1].children = nil // not to be read outside the lock
		}
		s.mu.RUnlock()
		for j := range recs {
			n := &recs[j]
			id, ok := aclIDs[n.acl]
			if !ok {
				id = uint64(len(aclIDs))
				aclIDs[n.acl] = id
				buf = appendACLRecord(buf[:0], id, n.aclList())
				if _, err := bw.Write(buf); err != nil {
					return z0, err
				}
			}
			buf = buf[:0]
			buf = append(buf, tagNode)
			buf = appendStr(buf, n.path)
			if n.null {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
				buf = binary.AppendUvarint(buf, uint64(len(n.data)))
			}
			if _, err := bw.Write(buf); err != nil {
				return z0, err
			}
			if _, err := bw.Write(n.data); err != nil {
				return z0, err
			}
			buf = binary.AppendUvarint(buf[:0], id)
			for _, v := range [...]int64{n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.owner, n.lastZxid,
				int64(n.version), int64(n.aversion), int64(n.childCreates)} {
				buf = binary.AppendVarint(buf, v)
			}
			buf = binary.AppendUvarint(buf, uint64(kids[j]))
			if _, err := bw.Write(buf); err != nil {
				return z0, err
			}
			nodes++
		}
		clear(recs)
		recs = recs[:0]
		kids = kids[:0]
	}

	if between != nil {
		between(nStripes)
	}
	t.idxMu.RLock()
	sess := make([]SessionInfo, 0, len(t.sessions))
	sessZxid := make([]int64, 0, len(t.sessions))
	for id, s := range t.sessions {
		sess = append(sess, SessionInfo{ID: id, Timeout: s.timeout})
		sessZxid = append(sessZxid, s.lastZxid)
	}
	t.idxMu.RUnlock()
	for i, s := range sess {
		buf = append(buf[:0], tagSession)
		buf = binary.AppendVarint(buf, s.ID)
		buf = binary.AppendVarint(buf, int64(s.Timeout))
		buf = binary.AppendVarint(buf, sessZxid[i])
		if _, err := bw.Write(buf); err != nil {
			return z0, err
		}
	}

	buf = append(buf[:0], tagEnd)
	buf = binary.AppendUvarint(buf, uint64(nodes))
	buf = binary.AppendUvarint(buf, uint64(len(aclIDs)))
	buf = binary.AppendUvarint(buf, uint64(len(sess)))
	buf = binary.AppendUvarint(buf, uint64(pre))
	if _, err := bw.Write(buf); err != nil {
		return z0, err
	}
	return z0, bw.Flush()
}

// writePreImage writes one 'P' record per session holding ephemerals and
// returns how many it wrote. buf is scratch.
func (t *Tree) writePreImage(bw *bufio.Writer, buf []byte) (int, error) {
	type held struct {
		session int64
		paths   []string
	}
	t.idxMu.RLock()
	all := make([]held, 0, len(t.ephemerals))
	for id, set := range t.ephemerals {
		h := held{session: id, paths: make([]string, 0, len(set))}
		for p := range set {
			h.paths = append(h.paths, p)
		}
		all = append(all, h)
	}
	// A tree still replaying passes its ghosts on.
	for p, id := range t.ghosts {
		all = append(all, held{session: id, paths: []string{p}})
	}
	t.idxMu.RUnlock()
	for _, h := range all {
		buf = append(buf[:0], tagPreImage)
		buf = binary.AppendVarint(buf, h.session)
		buf = binary.AppendUvarint(buf, uint64(len(h.paths)))
		for _, p := range h.paths {
			buf = appendStr(buf, p)
			if len(buf) > 32<<10 {
				if _, err := bw.Write(buf); err != nil {
					return 0, err
				}
				buf = buf[:0]
			}
		}
		if _, err := bw.Write(buf); err != nil {
			return 0, err
		}
	}
	return len(all), nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendACLRecord(b []byte, id uint64, acl []proto.ACL) []byte {
	b = append(b, tagACL)
	b = binary.AppendUvarint(b, id)
	b = binary.AppendUvarint(b, uint64(len(acl)))
	for i := range acl {
		b = binary.AppendVarint(b, int64(acl[i].Perms))
		b = appendStr(b, acl[i].Scheme)
		b = appendStr(b, acl[i].ID)
	}
	return b
}

// errSnap wraps every Load failure.
var errSnap = errors.New("tree: bad snapshot")

// snapReader decodes snapshot primitives with sticky errors.
type snapReader struct {
	r       *bufio.Reader
	err     error
	scratch []byte
	// childBudget is how many children entries presized sets may still
	// take (see maxSizeHint).
	childBudget uint64
}

func (sr *snapReader) fail(format string, args ...any) {
	if sr.err == nil {
		sr.err = fmt.Errorf("%w: "+format, append([]any{errSnap}, args...)...)
	}
}

func (sr *snapReader) ioFail(err error) {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if sr.err == nil {
		sr.err = fmt.Errorf("%w: %w", errSnap, err)
	}
}

func (sr *snapReader) byte() byte {
	if sr.err != nil {
		return 0
	}
	c, err := sr.r.ReadByte()
	if err != nil {
		sr.ioFail(err)
	}
	return c
}

func (sr *snapReader) uvarint() uint64 {
	if sr.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(sr.r)
	if err != nil {
		sr.ioFail(err)
	}
	return v
}

func (sr *snapReader) varint() int64 {
	if sr.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(sr.r)
	if err != nil {
		sr.ioFail(err)
	}
	return v
}

func (sr *snapReader) int32() int32 {
	v := sr.varint()
	if int64(int32(v)) != v {
		sr.fail("value %d out of int32 range", v)
	}
	return int32(v)
}

// bytes reads n bytes into a new exact-size slice.
func (sr *snapReader) bytes(n uint64) []byte {
	if sr.err != nil {
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(sr.r, b); err != nil {
		sr.ioFail(err)
		return nil
	}
	return b
}

func (sr *snapReader) str() string {
	n := sr.uvarint()
	if n > maxSnapString {
		sr.fail("string of %d bytes", n)
	}
	if sr.err != nil {
		return ""
	}
	if uint64(cap(sr.scratch)) < n {
		sr.scratch = make([]byte, n)
	}
	b := sr.scratch[:n]
	if _, err := io.ReadFull(sr.r, b); err != nil {
		sr.ioFail(err)
		return ""
	}
	return string(b)
}

// Load rebuilds a tree from WriteSnapshot output and returns it with the
// snapshot's zxid Z0 (also its LastZxid). The caller then re-applies every
// log entry with zxid > Z0. Children sets, counters and indexes are rebuilt;
// a node whose parent is absent (possible in a fuzzy snapshot; the replay
// removes it) is kept but not linked.
func Load(r io.Reader) (t *Tree, zxid int64, err error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	sr := &snapReader{r: br}
	var magic [len(snapMagic)]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil || string(magic[:]) != snapMagic {
		return nil, 0, fmt.Errorf("%w: missing header", errSnap)
	}
	v := sr.uvarint()
	if sr.err == nil && v != snapVersion && v != snapVersionNoHints {
		return nil, 0, fmt.Errorf("%w: unsupported version %d", errSnap, v)
	}
	hints := v == snapVersion
	z0 := sr.varint()

	t = newEmpty()
	if hints {
		// Presized stripe maps: no rehashing while the nodes go in.
		if n := min(sr.uvarint(), maxSizeHint); n > 0 && sr.err == nil {
			sr.childBudget = n
			per := int(n/nStripes + n/(4*nStripes) + 1)
			for i := range t.stripes {
				t.stripes[i].nodes = make(map[string]*node, per)
			}
		}
	}
	var acls []*aclEntry
	nodes, sessions, pres := uint64(0), uint64(0), uint64(0)
	held := make(map[string]int64)
	for done := false; !done && sr.err == nil; {
		switch tag := sr.byte(); {
		case sr.err != nil:
		case tag == tagACL:
			id, n := sr.uvarint(), sr.uvarint()
			if id != uint64(len(acls)) || n > maxSnapACL {
				sr.fail("ACL record %d (expected %d) with %d entries", id, len(acls), n)
				break
			}
			list := make([]proto.ACL, 0, n)
			for i := uint64(0); i < n && sr.err == nil; i++ {
				perms := sr.int32()
				list = append(list, proto.ACL{Perms: perms, Scheme: sr.str(), ID: sr.str()})
			}
			// This reference is the definition's; dropped after loading.
			acls = append(acls, t.acls.intern(list))
		case tag == tagNode:
			t.loadNode(sr, acls, hints)
			nodes++
		case tag == tagPreImage:
			id, n := sr.varint(), sr.uvarint()
			for i := uint64(0); i < n && sr.err == nil; i++ {
				held[sr.str()] = id
			}
			pres++
		case tag == tagSession:
			id, timeout, lz := sr.varint(), sr.int32(), sr.varint()
			if _, dup := t.sessions[id]; dup {
				sr.fail("session %#x twice", id)
			}
			t.sessions[id] = session{timeout: timeout, lastZxid: lz}
			sessions++
		case tag == tagEnd:
			en, ea, es, ep := sr.uvarint(), sr.uvarint(), sr.uvarint(), sr.uvarint()
			if sr.err == nil && (en != nodes || ea != uint64(len(acls)) || es != sessions || ep != pres) {
				sr.fail("end record counts %d/%d/%d/%d, read %d/%d/%d/%d", en, ea, es, ep, nodes, len(acls), sessions, pres)
			}
			done = true
		default:
			sr.fail("unknown record tag %#x", tag)
		}
	}
	if sr.err != nil {
		return nil, 0, sr.err
	}
	for _, e := range acls {
		t.acls.release(e)
	}
	if t.lookupLocked("/") == nil {
		return nil, 0, fmt.Errorf("%w: no root node", errSnap)
	}
	for i := range t.stripes {
		for path := range t.stripes[i].nodes {
			if p := t.parentLocked(path); p != nil {
				t.linkChild(p, path)
			}
		}
	}
	for p, id := range held {
		if t.lookupLocked(p) == nil {
			if t.ghosts == nil {
				t.ghosts = make(map[string]int64)
			}
			t.ghosts[p] = id
		}
	}
	t.lastZxid.Store(z0)
	// Quota stats are derived: recompute them for the loaded state. The
	// entries replayed after z0 then adjust them for exactly the effects
	// they apply (gated effects are already counted here), so the totals
	// stay exact however fuzzy the snapshot was.
	t.RecomputeQuotas()
	return t, z0, nil
}

// loadNode reads one node record and inserts it.
func (t *Tree) loadNode(sr *snapReader, acls []*aclEntry, hints bool) {
	n := &node{path: sr.str()}
	flags := sr.byte()
	n.null = flags&1 != 0
	if !n.null {
		size := sr.uvarint()
		switch {
		case size > maxSnapData:
			sr.fail("node %q has %d bytes of data", n.path, size)
		case size == 0:
			n.data = emptyData
		default:
			n.data = sr.bytes(size)
		}
	}
	id := sr.uvarint()
	n.czxid, n.mzxid, n.pzxid = sr.varint(), sr.varint(), sr.varint()
	n.ctime, n.mtime, n.owner, n.lastZxid = sr.varint(), sr.varint(), sr.varint(), sr.varint()
	n.version, n.aversion, n.childCreates = sr.int32(), sr.int32(), sr.int32()
	if hints {
		// The set linkChild fills, presized (an empty one is harmless:
		// only its length is read).
		if k := sr.uvarint(); k > 0 && k <= sr.childBudget {
			sr.childBudget -= k
			n.children = make(map[string]struct{}, k)
		}
	}
	if sr.err != nil {
		return
	}
	if id >= uint64(len(acls)) {
		sr.fail("node %q uses undefined ACL %d", n.path, id)
		return
	}
	if t.lookupLocked(n.path) != nil {
		sr.fail("node %q twice", n.path)
		return
	}
	n.acl = acls[id]
	n.acl.refs++
	t.insertLocked(t.stripeOf(n.path), n)
}
