package tree

import "github.com/zen-coord/zen/proto"

// Watch triggering, called by the applier while it holds the write locks of
// every stripe the txn touches. Each function takes one watch-table mutex at
// a time and calls Notify under it.

// watcherSet is the applier's per-event record of notified watchers.
type watcherSet = ixmap[Watcher, struct{}]

// fireData delivers a data-table event about path (in stripe s): every entry at path
// itself (any mode), then the recursive entries of every ancestor up to "/".
// Standard entries at path are consumed. Each watcher is notified at most
// once. When track is set, or recursive watches exist, the notified watchers
// are left in t.ap.notified (fireChild uses them to suppress duplicates on
// delete).
func (t *Tree) fireData(s *stripe, path string, typ proto.EventType, zxid int64, acl []proto.ACL, track bool) {
	got := &t.ap.notified
	reset(got)
	recursive := t.recursive.Load() > 0
	var seen *watcherSet
	if track || recursive {
		seen = got
	}
	t.fireExact(&s.w, path, dataTable, typ, zxid, acl, seen, nil)
	if !recursive {
		return
	}
	for a := path; ; {
		parent, _, ok := splitPath(a)
		if !ok {
			return
		}
		t.fireRecursive(dataTable, parent, path, typ, zxid, acl, got, nil)
		a = parent
	}
}

// fireChild delivers a child-table event at path (in stripe s) to every entry there except
// the watchers in suppress, consuming standard entries (including suppressed
// ones, as ZooKeeper does). Recursive entries (addWatch puts them in this
// table too) never get NodeChildrenChanged; a NodeDeleted also reaches the
// recursive entries of every ancestor.
func (t *Tree) fireChild(s *stripe, path string, typ proto.EventType, zxid int64, acl []proto.ACL, suppress *watcherSet) {
	t.fireExact(&s.w, path, childTable, typ, zxid, acl, nil, suppress)
	if typ == proto.EventNodeChildrenChanged || t.recursive.Load() == 0 {
		return
	}
	seen := &t.ap.childSeen
	reset(seen)
	for a := path; ; {
		parent, _, ok := splitPath(a)
		if !ok {
			return
		}
		t.fireRecursive(childTable, parent, path, typ, zxid, acl, seen, suppress)
		a = parent
	}
}

// fireExact notifies the entries of one (table, path), whose stripe the
// caller holds write-locked. Watchers in suppress
// or already in seen are skipped; notified ones are added to seen (if not
// nil). Standard entries are consumed whether or not they were skipped.
func (t *Tree) fireExact(wt *watchTable, path string, tbl table, typ proto.EventType, zxid int64,
	acl []proto.ACL, seen, suppress *watcherSet) {
	if wt.nWatches.Load() == 0 {
		return
	}
	wt.mu.Lock()
	if pw := wt.byPath[path]; pw != nil {
		set := &pw.sets[tbl]
		for i := 0; i < set.len(); {
			e := set.ents[i]
			skip := (suppress != nil && suppress.find(e.k) >= 0) || (seen != nil && seen.find(e.k) >= 0) ||
				(e.v&modeRecursive != 0 && typ == proto.EventNodeChildrenChanged)
			if !skip {
				e.k.Notify(typ, path, zxid, acl)
				if seen != nil {
					seen.put(e.k)
				}
			}
			if e.v&modeStandard != 0 {
				if _, gone := wt.clearLocked(pw, tbl, i, modeStandard, &t.recursive); gone {
					continue
				}
			}
			i++
		}
	}
	wt.mu.Unlock()
}

// fireRecursive notifies the recursive entries of tbl at ancestor about an
// event on path, skipping watchers in seen or suppress and adding the ones
// it notifies to seen.
func (t *Tree) fireRecursive(tbl table, ancestor, path string, typ proto.EventType, zxid int64, acl []proto.ACL, seen, suppress *watcherSet) {
	wt := &t.stripeOf(ancestor).w
	wt.mu.Lock()
	if pw := wt.byPath[ancestor]; pw != nil {
		set := &pw.sets[tbl]
		for i := range set.ents {
			e := set.ents[i]
			if e.v&modeRecursive != 0 && seen.find(e.k) < 0 && (suppress == nil || suppress.find(e.k) < 0) {
				e.k.Notify(typ, path, zxid, acl)
				seen.put(e.k)
			}
		}
	}
	wt.mu.Unlock()
}

// reset empties m, keeping its slice capacity.
func reset[K comparable, V any](m *ixmap[K, V]) {
	clear(m.ents)
	m.ents = m.ents[:0]
	m.idx = nil
}
