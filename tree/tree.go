package tree

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/zen-coord/zen/proto"
)

// Tree is the znode tree and session table: zen's replicated state machine.
// See doc.go for which goroutine may call what.
type Tree struct {
	seed    maphash.Seed
	stripes [nStripes]stripe

	recursive atomic.Int64 // recursive watch entries in all stripes
	lastZxid  atomic.Int64 // last applied zxid
	nodeCount atomic.Int64 // real nodes (root counted once)
	dataSize  atomic.Int64 // sum of len(path)+len(data)
	ephCount  atomic.Int64 // ephemeral nodes

	// idxMu guards the session table, the ephemeral, container and TTL
	// indexes and the ghosts. Lock order: stripe locks, then idxMu; nobody takes a stripe
	// lock while holding idxMu.
	idxMu      sync.RWMutex
	sessions   map[int64]session
	ephemerals map[int64]map[string]struct{} // session → paths
	containers map[string]struct{}
	ttls       map[string]struct{}

	acls aclTable // applier-owned
	ap   applier  // applier-owned scratch

	// ghosts are ephemerals a loaded snapshot says their session owned but
	// whose node it does not hold (path → session). Written by the applier
	// under idxMu. See "Ephemeral pre-image" in snapshot.go. Empty in
	// normal operation.
	ghosts map[string]int64

	// quotas are the quota roots (see quota.go). Applier-owned.
	quotas map[string]struct{}
}

func newEmpty() *Tree {
	t := &Tree{
		seed:       maphash.MakeSeed(),
		sessions:   make(map[int64]session),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
	}
	for i := range t.stripes {
		t.stripes[i].nodes = make(map[string]*node)
	}
	return t
}

// New returns a tree holding exactly the nodes of a fresh ZooKeeper server:
// "/", "/zookeeper", "/zookeeper/quota" and "/zookeeper/config" (the last
// readable by anyone only, with aversion -1), all zxids and times 0, data
// empty and non-null.
func New() *Tree {
	t := newEmpty()
	mk := func(path string, acl []proto.ACL) *node {
		n := &node{path: path, data: emptyData, acl: t.acls.intern(acl)}
		t.insertLocked(t.stripeOf(path), n)
		return n
	}
	root := mk("/", proto.OpenACL)
	zk := mk("/zookeeper", proto.OpenACL)
	mk("/zookeeper/quota", proto.OpenACL)
	cfg := mk("/zookeeper/config", proto.ReadACL)
	cfg.aversion = -1
	t.linkChild(root, zk.path)
	t.linkChild(zk, "/zookeeper/quota")
	t.linkChild(zk, cfg.path)
	return t
}

// SetConfigData replaces /zookeeper/config's data outside the log, the way
// a ZooKeeper quorum server writes its membership there whenever it loads
// or receives a database: version -1, mzxid 0, mtime the given wall-clock
// ms; no watch fires. Every member sets it for itself (it is no txn).
func (t *Tree) SetConfigData(data []byte, mtime int64) {
	const path = "/zookeeper/config"
	s := t.stripeOf(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[path]
	if n == nil {
		return
	}
	d := copyData(data, false)
	t.dataSize.Add(int64(len(d) - len(n.data)))
	n.data, n.null = d, false
	n.version, n.mzxid, n.mtime = -1, 0, mtime
}

// insertLocked adds n to its stripe and to the counters and indexes. It does
// not link n into its parent.
// REQUIRES: s is n's stripe, write-locked (or the tree not yet shared) and,
// if n is indexed, idxMu held.
func (t *Tree) insertLocked(s *stripe, n *node) {
	s.nodes[n.path] = n
	t.nodeCount.Add(1)
	t.dataSize.Add(int64(len(n.path) + len(n.data)))
	t.indexAddLocked(n)
}

// removeLocked takes n out of its stripe, the counters and the indexes and
// releases its ACL. It does not unlink n from its parent.
// REQUIRES: as insertLocked.
func (t *Tree) removeLocked(s *stripe, n *node) {
	delete(s.nodes, n.path)
	t.nodeCount.Add(-1)
	t.dataSize.Add(-int64(len(n.path) + len(n.data)))
	t.indexRemoveLocked(n)
	t.acls.release(n.acl)
}

// linkChild records childPath's name in parent's children set. The name is a
// substring of childPath, so no bytes are duplicated.
// REQUIRES: parent's stripe write-locked.
func (t *Tree) linkChild(parent *node, childPath string) {
	_, name, ok := splitPath(childPath)
	if !ok {
		return
	}
	if parent.children == nil {
		parent.children = make(map[string]struct{}, 1)
	}
	parent.children[name] = struct{}{}
}

// unlinkChild removes childPath's name from parent's children set, dropping
// the map when it empties.
// REQUIRES: parent's stripe write-locked.
func (t *Tree) unlinkChild(parent *node, childPath string) {
	_, name, ok := splitPath(childPath)
	if !ok || parent.children == nil {
		return
	}
	delete(parent.children, name)
	if len(parent.children) == 0 {
		parent.children = nil
	}
}

// LastZxid is the zxid of the last applied txn. It is published after the
// txn's effects are in place and before they become visible to readers.
func (t *Tree) LastZxid() int64 { return t.lastZxid.Load() }

// NodeCount is ZooKeeper's getNodeCount(): real nodes plus one (ZooKeeper
// keeps its root under both "" and "/"), so a fresh tree reports 5.
func (t *Tree) NodeCount() int { return int(t.nodeCount.Load()) + 1 }

// ApproxDataSize is the sum of path lengths and data lengths of all nodes,
// like ZooKeeper's approximate_data_size (44 for a fresh tree).
func (t *Tree) ApproxDataSize() int64 { return t.dataSize.Load() }

// EphemeralCount is the number of ephemeral nodes.
func (t *Tree) EphemeralCount() int { return int(t.ephCount.Load()) }
