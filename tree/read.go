package tree

import "github.com/zen-coord/zen/proto"

// Checker decides permissions for reads (implemented by the caller's
// connection identity). It is called with a stripe read lock held.
type Checker interface {
	Allowed(acl []proto.ACL, perm int32) bool
}

// NodeInfo is what request prep needs to know about a node.
type NodeInfo struct {
	Stat         proto.Stat  // client-visible stat
	ACL          []proto.ACL // immutable
	Owner        int64       // raw internal owner (session, 0, OwnerContainer, TTL marker)
	ChildCreates int32       // internal child-creation counter (sequence source)
}

// lookupKey maps ZooKeeper's alias of the root, the empty path, to "/".
// Reads and watch registrations accept it; a watch set on "" is kept under
// "" (in the root's stripe), where no event ever fires, exactly as in ZK.
func lookupKey(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

func allowed(c Checker, n *node, perm int32) bool {
	return c == nil || c.Allowed(n.aclList(), perm)
}

// Exists returns the node's stat. With a watcher, a data watch is
// registered whether or not the node exists (an exists watch on a missing
// node fires on its creation), but not when READ is denied.
func (t *Tree) Exists(path string, c Checker, w Watcher) (proto.Stat, proto.Err) {
	key := lookupKey(path)
	s := &t.stripes[t.stripeIndex(key)]
	s.mu.RLock()
	n := s.nodes[key]
	var st proto.Stat
	err := proto.ErrOk
	switch {
	case n == nil:
		err = proto.ErrNoNode
	case !allowed(c, n, proto.PermRead):
		s.mu.RUnlock()
		return st, proto.ErrNoAuth
	default:
		st = n.stat()
	}
	if w != nil {
		t.watchLocked(s, path, w, dataTable, modeStandard)
	}
	s.mu.RUnlock()
	return st, err
}

// GetData returns the node's data (shared and immutable: the caller must not
// modify it), whether it is null, and its stat. With a watcher, a data watch
// is registered on success.
func (t *Tree) GetData(path string, c Checker, w Watcher) (data []byte, null bool, st proto.Stat, err proto.Err) {
	key := lookupKey(path)
	s := &t.stripes[t.stripeIndex(key)]
	s.mu.RLock()
	n := s.nodes[key]
	if n == nil {
		s.mu.RUnlock()
		return nil, false, st, proto.ErrNoNode
	}
	if !allowed(c, n, proto.PermRead) {
		s.mu.RUnlock()
		return nil, false, st, proto.ErrNoAuth
	}
	data, null, st = n.data, n.null, n.stat()
	if w != nil {
		t.watchLocked(s, path, w, dataTable, modeStandard)
	}
	s.mu.RUnlock()
	return data, null, st, proto.ErrOk
}

// GetChildren appends the names of the node's children to names (in no
// particular order) and returns it with the node's stat. The names are
// immutable strings. With a watcher, a child watch is registered on success.
func (t *Tree) GetChildren(path string, c Checker, w Watcher, names []string) ([]string, proto.Stat, proto.Err) {
	key := lookupKey(path)
	s := &t.stripes[t.stripeIndex(key)]
	s.mu.RLock()
	n := s.nodes[key]
	if n == nil {
		s.mu.RUnlock()
		return names, proto.Stat{}, proto.ErrNoNode
	}
	if !allowed(c, n, proto.PermRead) {
		s.mu.RUnlock()
		return names, proto.Stat{}, proto.ErrNoAuth
	}
	for name := range n.children {
		names = append(names, name)
	}
	st := n.stat()
	if w != nil {
		t.watchLocked(s, path, w, childTable, modeStandard)
	}
	s.mu.RUnlock()
	return names, st, proto.ErrOk
}

// GetACL returns the node's ACL (immutable) and stat. Permission checks and
// digest redaction are the caller's.
func (t *Tree) GetACL(path string) ([]proto.ACL, proto.Stat, proto.Err) {
	key := lookupKey(path)
	s := &t.stripes[t.stripeIndex(key)]
	s.mu.RLock()
	n := s.nodes[key]
	if n == nil {
		s.mu.RUnlock()
		return nil, proto.Stat{}, proto.ErrNoNode
	}
	acl, st := n.aclList(), n.stat()
	s.mu.RUnlock()
	return acl, st, proto.ErrOk
}

// Lookup returns what request prep needs to know about a node.
func (t *Tree) Lookup(path string) (NodeInfo, bool) {
	key := lookupKey(path)
	s := &t.stripes[t.stripeIndex(key)]
	s.mu.RLock()
	n := s.nodes[key]
	if n == nil {
		s.mu.RUnlock()
		return NodeInfo{}, false
	}
	ni := NodeInfo{Stat: n.stat(), ACL: n.aclList(), Owner: n.owner, ChildCreates: n.childCreates}
	s.mu.RUnlock()
	return ni, true
}

// GetAllChildrenNumber counts all descendants of the node (for "/", the
// node count minus the root, as ZooKeeper reports). The count is not a
// snapshot: each node's children are read under that node's stripe lock only.
func (t *Tree) GetAllChildrenNumber(path string, c Checker) (int32, proto.Err) {
	key := lookupKey(path)
	s := &t.stripes[t.stripeIndex(key)]
	s.mu.RLock()
	n := s.nodes[key]
	if n == nil {
		s.mu.RUnlock()
		return 0, proto.ErrNoNode
	}
	if !allowed(c, n, proto.PermRead) {
		s.mu.RUnlock()
		return 0, proto.ErrNoAuth
	}
	s.mu.RUnlock()
	switch path {
	case "/": // ZK: its node map's size minus "" and "/"
		return int32(t.nodeCount.Load() - 1), proto.ErrOk
	case "": // ZK: every key starting with "/", the root included
		return int32(t.nodeCount.Load()), proto.ErrOk
	}
	var names []string
	return int32(t.countDescendants([]byte(path), &names)), proto.ErrOk
}

// countDescendants counts the nodes below the node whose path is in buf,
// holding one stripe read lock at a time. names is a shared scratch stack.
func (t *Tree) countDescendants(buf []byte, names *[]string) int {
	s := &t.stripes[t.stripeIndexBytes(buf)]
	s.mu.RLock()
	n := s.nodes[string(buf)]
	if n == nil {
		s.mu.RUnlock()
		return 0
	}
	start := len(*names)
	for name := range n.children {
		*names = append(*names, name)
	}
	end := len(*names)
	s.mu.RUnlock()

	total := end - start
	for i := start; i < end; i++ {
		child := append(buf, '/')
		child = append(child, (*names)[i]...)
		total += t.countDescendants(child, names)
	}
	*names = (*names)[:start]
	return total
}
