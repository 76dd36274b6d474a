package tree

import "github.com/zen-coord/zen/proto"

// Digest is a deterministic hash of the whole state: every node (path, data,
// null flag, full client stat, internal owner, ChildCreates, lastZxid and
// ACL) and every session (id, timeout, lastZxid). It is independent of map
// order and of the process (FNV-1a per item, combined by addition), so two
// servers with the same state agree. It reads stripe by stripe and is only
// exact when no Apply runs concurrently.
func (t *Tree) Digest() uint64 {
	var nodes, sessions uint64
	for i := range t.stripes {
		s := &t.stripes[i]
		s.mu.RLock()
		for _, n := range s.nodes {
			nodes += mix(nodeHash(n))
		}
		s.mu.RUnlock()
	}
	t.idxMu.RLock()
	for id, s := range t.sessions {
		h := fnvInt(fnvInit, id)
		h = fnvInt(h, int64(s.timeout))
		h = fnvInt(h, s.lastZxid)
		sessions += mix(h)
	}
	t.idxMu.RUnlock()
	return mix(nodes ^ mix(sessions+0x9e3779b97f4a7c15))
}

// nodeHash hashes one node. REQUIRES: its stripe locked.
func nodeHash(n *node) uint64 {
	h := fnvString(fnvInit, n.path)
	if n.null {
		h = fnvInt(h, -1)
	} else {
		h = fnvInt(h, int64(len(n.data)))
		h = fnvBytes(h, n.data)
	}
	st := n.stat()
	for _, v := range [...]int64{st.Czxid, st.Mzxid, st.Ctime, st.Mtime, int64(st.Version),
		int64(st.Cversion), int64(st.Aversion), st.EphemeralOwner, int64(st.DataLength),
		int64(st.NumChildren), st.Pzxid, n.owner, int64(n.childCreates), n.lastZxid} {
		h = fnvInt(h, v)
	}
	return hashACLInto(h, n.aclList())
}

func hashACLInto(h uint64, acl []proto.ACL) uint64 {
	h = fnvInt(h, int64(len(acl)))
	for i := range acl {
		h = fnvInt(h, int64(acl[i].Perms))
		h = fnvString(h, acl[i].Scheme)
		h = fnvString(h, acl[i].ID)
	}
	return h
}

// mix is the splitmix64 finaliser, so that summing item hashes does not
// let structured differences cancel out.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
