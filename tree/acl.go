package tree

import (
	"slices"

	"github.com/zen-coord/zen/proto"
)

// aclEntry is one interned ACL list. acl is immutable once interned, so
// readers may return it; refs is touched by the applier (and Load) only.
type aclEntry struct {
	acl  []proto.ACL
	hash uint64
	refs int
}

// aclTable interns ACL lists: one shared entry per distinct list, reference
// counted by the nodes using it. Owned by the applier goroutine; no lock.
type aclTable struct {
	byHash map[uint64][]*aclEntry
	n      int // distinct lists
}

// intern returns the entry for acl with one more reference. acl is not
// retained: a new entry stores a private exact-size copy.
func (a *aclTable) intern(acl []proto.ACL) *aclEntry {
	h := hashACL(acl)
	for _, e := range a.byHash[h] {
		if slices.Equal(e.acl, acl) {
			e.refs++
			return e
		}
	}
	if a.byHash == nil {
		a.byHash = make(map[uint64][]*aclEntry)
	}
	e := &aclEntry{acl: slices.Clip(slices.Clone(acl)), hash: h, refs: 1}
	if e.acl == nil {
		e.acl = []proto.ACL{}
	}
	a.byHash[h] = append(a.byHash[h], e)
	a.n++
	return e
}

// release drops one reference and forgets the list when none remain.
func (a *aclTable) release(e *aclEntry) {
	if e == nil {
		return
	}
	e.refs--
	if e.refs > 0 {
		return
	}
	list := a.byHash[e.hash]
	for i, x := range list {
		if x == e {
			list = slices.Delete(list, i, i+1)
			break
		}
	}
	if len(list) == 0 {
		delete(a.byHash, e.hash)
	} else {
		a.byHash[e.hash] = list
	}
	a.n--
}

// hashACL is FNV-1a over the list's fields.
func hashACL(acl []proto.ACL) uint64 {
	h := fnvInit
	for i := range acl {
		h = fnvInt(h, int64(acl[i].Perms))
		h = fnvString(h, acl[i].Scheme)
		h = fnvString(h, acl[i].ID)
	}
	return h
}
