package tree

import (
	"slices"
	"strings"

	"github.com/zen-coord/zen/proto"
)

// watchLocked registers w in tbl at path with mode.
// REQUIRES: s (path's stripe) read- or write-locked, so that the
// registration is ordered with every txn touching path.
func (t *Tree) watchLocked(s *stripe, path string, w Watcher, tbl table, mode wmode) {
	s.w.mu.Lock()
	s.w.addLocked(path, w, tbl, mode, &t.recursive)
	s.w.mu.Unlock()
}

// AddWatch registers a persistent (proto.AddWatchPersistent: data and child
// tables) or persistent-recursive (proto.AddWatchPersistentRecursive: data
// table) watch on path, which need not exist. Other modes are ignored (the
// caller rejects them).
func (t *Tree) AddWatch(path string, w Watcher, mode int32) {
	s := t.stripeOf(lookupKey(path))
	s.mu.RLock()
	switch mode {
	case proto.AddWatchPersistent:
		t.watchLocked(s, path, w, dataTable, modePersistent)
		t.watchLocked(s, path, w, childTable, modePersistent)
	case proto.AddWatchPersistentRecursive:
		// ZK 3.8 registers it in both tables; in the child table it never
		// receives NodeChildrenChanged (see fireChild).
		t.watchLocked(s, path, w, dataTable, modeRecursive)
		t.watchLocked(s, path, w, childTable, modeRecursive)
	}
	s.mu.RUnlock()
}

// CheckWatches answers checkWatches (opcode 17) as ZooKeeper 3.8 does: true
// when *any* connection has a watch, of any mode, in the table the type
// selects (Children, Data, or Any for both) at path. typ must be one of
// those three (the caller answers MarshallingError for the others). It
// removes nothing. (ZK's WatchManager.containsWatcher only looks at whether
// the path has watchers; w is kept for a future, stricter behaviour.)
func (t *Tree) CheckWatches(path string, w Watcher, typ int32) bool {
	wt := &t.stripeOf(lookupKey(path)).w
	wt.mu.Lock()
	defer wt.mu.Unlock()
	pw := wt.byPath[path]
	if pw == nil {
		return false
	}
	d, c := pw.sets[dataTable].len() > 0, pw.sets[childTable].len() > 0
	switch typ {
	case proto.WatcherChildren:
		return c
	case proto.WatcherData:
		return d
	case proto.WatcherAny:
		return c || d
	}
	return false
}

// RemoveWatches answers removeWatches (opcode 18): it removes w's entry, of
// whatever mode, from the table the type selects (Children, Data, or Any
// for both) at path, and reports whether anything was removed. No events
// are sent.
func (t *Tree) RemoveWatches(path string, w Watcher, typ int32) bool {
	var tables []table
	switch typ {
	case proto.WatcherChildren:
		tables = []table{childTable}
	case proto.WatcherData:
		tables = []table{dataTable}
	case proto.WatcherAny:
		tables = []table{childTable, dataTable}
	default:
		return false
	}
	wt := &t.stripeOf(lookupKey(path)).w
	wt.mu.Lock()
	defer wt.mu.Unlock()
	removed := false
	for _, tbl := range tables {
		pw := wt.byPath[path] // may be dropped by the first clear
		if pw == nil {
			continue
		}
		if i := pw.sets[tbl].find(w); i >= 0 {
			if cleared, _ := wt.clearLocked(pw, tbl, i, ^wmode(0), &t.recursive); cleared {
				removed = true
			}
		}
	}
	return removed
}

// SetWatches re-arms a reconnecting client's watches (setWatches and
// setWatches2), comparing against relZxid, the client's last seen zxid:
//
//	data:       missing → NodeDeleted; mzxid > relZxid → NodeDataChanged; else register
//	exist:      present → NodeCreated; else register
//	child:      missing → NodeDeleted; pzxid > relZxid → NodeChildrenChanged; else register
//	persistent: register in both tables, no event
//	recursive:  register (data table), no event
//
// Events go to w directly with zxid -1 and a nil ACL (not filtered).
func (t *Tree) SetWatches(relZxid int64, data, exist, child, persistent, recursive []string, w Watcher) {
	for _, p := range data {
		t.setWatch(p, w, func(n *node) proto.EventType {
			switch {
			case n == nil:
				return proto.EventNodeDeleted
			case n.mzxid > relZxid:
				return proto.EventNodeDataChanged
			}
			return 0
		}, dataTable)
	}
	for _, p := range exist {
		t.setWatch(p, w, func(n *node) proto.EventType {
			if n != nil {
				return proto.EventNodeCreated
			}
			return 0
		}, dataTable)
	}
	for _, p := range child {
		t.setWatch(p, w, func(n *node) proto.EventType {
			switch {
			case n == nil:
				return proto.EventNodeDeleted
			case n.pzxid > relZxid:
				return proto.EventNodeChildrenChanged
			}
			return 0
		}, childTable)
	}
	for _, p := range persistent {
		t.AddWatch(p, w, proto.AddWatchPersistent)
	}
	for _, p := range recursive {
		t.AddWatch(p, w, proto.AddWatchPersistentRecursive)
	}
}

// setWatch looks path up under its stripe lock and either fires the event
// decide returns or, if it returns 0, registers a standard watch in tbl.
func (t *Tree) setWatch(path string, w Watcher, decide func(*node) proto.EventType, tbl table) {
	s := t.stripeOf(lookupKey(path))
	s.mu.RLock()
	n := s.nodes[lookupKey(path)]
	if ev := decide(n); ev != 0 {
		p := strings.Clone(path)
		if n != nil && n.path == path {
			p = n.path
		}
		w.Notify(ev, p, -1, nil)
	} else {
		t.watchLocked(s, path, w, tbl, modeStandard)
	}
	s.mu.RUnlock()
}

// DropWatcher removes every watch of w (its connection closed).
func (t *Tree) DropWatcher(w Watcher) {
	for i := range t.stripes {
		wt := &t.stripes[i].w
		wt.mu.Lock()
		if ps := wt.byWatcher[w]; ps != nil {
			// clearLocked edits ps as entries go; take the paths first.
			pws := make([]*pathWatches, 0, ps.len())
			for _, e := range ps.ents {
				pws = append(pws, e.k)
			}
			for _, pw := range pws {
				for _, tbl := range [2]table{dataTable, childTable} {
					if j := pw.sets[tbl].find(w); j >= 0 {
						wt.clearLocked(pw, tbl, j, ^wmode(0), &t.recursive)
					}
				}
			}
		}
		wt.mu.Unlock()
	}
}

// DataWatchStats is what ZK 3.8's wchs reports: connections with data
// watches, paths with data watches, and data watches.
func (t *Tree) DataWatchStats() (watchers, paths, watches int) {
	seen := make(map[Watcher]struct{})
	for i := range t.stripes {
		wt := &t.stripes[i].w
		wt.mu.Lock()
		for _, pw := range wt.byPath {
			set := &pw.sets[dataTable]
			if set.len() == 0 {
				continue
			}
			paths++
			watches += set.len()
			for _, e := range set.ents {
				seen[e.k] = struct{}{}
			}
		}
		wt.mu.Unlock()
	}
	return len(seen), paths, watches
}

// WatchStats returns the number of distinct watchers, of distinct watched
// paths, and of watches ((watcher, table, path) entries, both tables).
func (t *Tree) WatchStats() (watchers, paths, watches int) {
	seen := make(map[Watcher]struct{})
	for i := range t.stripes {
		wt := &t.stripes[i].w
		wt.mu.Lock()
		for w := range wt.byWatcher {
			seen[w] = struct{}{}
		}
		paths += len(wt.byPath)
		watches += int(wt.nWatches.Load())
		wt.mu.Unlock()
	}
	return len(seen), paths, watches
}

// WatchesByWatcher calls fn once per watcher with the sorted paths of its
// data watches (ZK 3.8's wchc lists the data table only). fn runs without
// tree locks held.
func (t *Tree) WatchesByWatcher(fn func(w Watcher, paths []string)) {
	by := make(map[Watcher][]string)
	var order []Watcher
	for i := range t.stripes {
		wt := &t.stripes[i].w
		wt.mu.Lock()
		for _, pw := range wt.byPath {
			for _, e := range pw.sets[dataTable].ents {
				if _, ok := by[e.k]; !ok {
					order = append(order, e.k)
				}
				by[e.k] = append(by[e.k], pw.path)
			}
		}
		wt.mu.Unlock()
	}
	for _, w := range order {
		ps := by[w]
		slices.Sort(ps)
		fn(w, ps)
	}
}

// WatchesByPath calls fn once per path with data watches, in path order,
// with its watchers (ZK 3.8's wchp lists the data table only). fn runs
// without tree locks held.
func (t *Tree) WatchesByPath(fn func(path string, ws []Watcher)) {
	type entry struct {
		path string
		ws   []Watcher
	}
	var all []entry
	for i := range t.stripes {
		wt := &t.stripes[i].w
		wt.mu.Lock()
		for path, pw := range wt.byPath {
			if pw.sets[dataTable].len() == 0 {
				continue
			}
			e := entry{path: path}
			for _, x := range pw.sets[dataTable].ents {
				e.ws = append(e.ws, x.k)
			}
			all = append(all, e)
		}
		wt.mu.Unlock()
	}
	slices.SortFunc(all, func(a, b entry) int { return strings.Compare(a.path, b.path) })
	for _, e := range all {
		fn(e.path, e.ws)
	}
}
