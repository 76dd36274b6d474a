package tree

import (
	"strings"

	"github.com/zen-coord/zen/proto"
)

// node is one znode. It is a single 128-byte allocation; its path, data and
// ACL are shared immutable values referenced from it.
//
// Every field is written only by the applier, with the write lock of the
// node's stripe held; readers read under the stripe's read lock. The
// exceptions are path (set before the node is published, never changed) and
// the bytes of data and of the ACL list, which are never modified after the
// node references them (a setData/setACL swaps in a new slice).
type node struct {
	path string // full path; child names of the parent are substrings of it
	data []byte // exact-size, immutable; nil iff null (or empty via emptyData)
	acl  *aclEntry
	// children holds the names of the direct children (substrings of each
	// child's path). nil when there are none.
	children map[string]struct{}

	czxid    int64
	mzxid    int64
	pzxid    int64
	ctime    int64
	mtime    int64
	owner    int64 // internal ephemeralOwner: session, 0, container or TTL marker
	lastZxid int64 // zxid of the last txn that changed this node (gate, see apply.go)

	version      int32
	aversion     int32
	childCreates int32 // children ever created; the sequence source
	null         bool  // data is null (as opposed to empty)
}

// emptyData is the shared non-nil empty data slice.
var emptyData = []byte{}

// stat builds the client-visible Stat.
func (n *node) stat() proto.Stat {
	nc := int32(len(n.children))
	return proto.Stat{
		Czxid:          n.czxid,
		Mzxid:          n.mzxid,
		Ctime:          n.ctime,
		Mtime:          n.mtime,
		Version:        n.version,
		Cversion:       2*n.childCreates - nc,
		Aversion:       n.aversion,
		EphemeralOwner: clientOwner(n.owner),
		DataLength:     int32(len(n.data)),
		NumChildren:    nc,
		Pzxid:          n.pzxid,
	}
}

// aclList returns the node's ACL (immutable, shared).
func (n *node) aclList() []proto.ACL {
	if n.acl == nil {
		return nil
	}
	return n.acl.acl
}

// clientOwner masks the internal owner markers: clients see the session for
// ephemerals and 0 for persistent, container and TTL nodes.
func clientOwner(owner int64) int64 {
	if proto.IsSessionOwner(owner) {
		return owner
	}
	return 0
}

// copyData returns an exact-size private copy of b (the shared empty slice
// for a non-null empty value, nil for null).
func copyData(b []byte, null bool) []byte {
	if null {
		return nil
	}
	if len(b) == 0 {
		return emptyData
	}
	d := make([]byte, len(b))
	copy(d, b)
	return d
}

// splitPath returns the parent path and the child name of p. ok is false for
// "/" and for strings that are not absolute paths.
func splitPath(p string) (parent, name string, ok bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 || p == "/" {
		return "", "", false
	}
	if i == 0 {
		return "/", p[1:], true
	}
	return p[:i], p[i+1:], true
}
