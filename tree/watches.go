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
	s := t.stripeOf(path)
	s.mu.RLock()
	switch mode {
	case proto.AddWatchPersistent:
		t.watchLocked(s, path, w, dataTable, modePersistent)
		t.watchLocked(s, path, w, childTable, modePersistent)
	case proto.AddWatchPersistentRecursive:
		t.watchLocked(s, path, w, dataTable, modeRecursive)
	}
	s.mu.RUnlock()
}

// CheckWatches reports whether w has a watch of the given proto.Watcher*
// type on path (checkWatches, opcode 17). It removes nothing.
//
//	Children, Data        the standard entry in that table
//	Persistent            a persistent entry in either table
//	PersistentRecursive   the recursive entry
//	Any                   any entry in either table
func (t *Tree) CheckWatches(path string, w Watcher, typ int32) bool {
	wt := &t.stripeOf(path).w
	wt.mu.Lock()
	defer wt.mu.Unlock()
	d := wt.modeOfLocked(path, w, dataTable)
	c := wt.modeOfLocked(path, w, childTable)
	switch typ {
	case proto.WatcherChildren:
		return c&modeStandard != 0
	case proto.WatcherData:
		return d&modeStandard != 0
	case proto.WatcherAny:
		return d|c != 0
	case proto.WatcherPersistent:
		return (d|c)&modePersistent != 0
	case proto.WatcherPersistentRecursive:
		return d&modeRecursive != 0
	}
	return false
}

// RemoveWatches removes w's watches of the given type on path (the same
// selection as CheckWatches; Persistent clears both tables, Any removes
// everything) and reports whether anything was removed (removeWatches,
// opcode 18). No events are sent.
func (t *Tree) RemoveWatches(path string, w Watcher, typ int32) bool {
	var modes [2]wmode
	switch typ {
	case proto.WatcherChildren:
		modes[childTable] = modeStandard
	case proto.WatcherData:
		modes[dataTable] = modeStandard
	case proto.WatcherAny:
		modes = [2]wmode{^wmode(0), ^wmode(0)}
	case proto.WatcherPersistent:
		modes = [2]wmode{modePersistent, modePersistent}
	case proto.WatcherPersistentRecursive:
		modes[dataTable] = modeRecursive
	default:
		return false
	}
	wt := &t.stripeOf(path).w
	wt.mu.Lock()
	defer wt.mu.Unlock()
	removed := false
	for _, tbl := range [2]table{dataTable, childTable} {
		pw := wt.byPath[path] // may be dropped by the first clear
		if pw == nil || modes[tbl] == 0 {
			continue
		}
		if i := pw.sets[tbl].find(w); i >= 0 {
			if cleared, _ := wt.clearLocked(pw, tbl, i, modes[tbl], &t.recursive); cleared {
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
	s := t.stripeOf(path)
	s.mu.RLock()
	n := s.nodes[path]
	if ev := decide(n); ev != 0 {
		p := strings.Clone(path)
		if n != nil {
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

// WatchesByWatcher calls fn once per watcher with the sorted paths it
// watches in either table (for wchc). fn runs without tree locks held.
func (t *Tree) WatchesByWatcher(fn func(w Watcher, paths []string)) {
	by := make(map[Watcher][]string)
	var order []Watcher
	for i := range t.stripes {
		wt := &t.stripes[i].w
		wt.mu.Lock()
		for w, ps := range wt.byWatcher {
			if _, ok := by[w]; !ok {
				order = append(order, w)
			}
			for _, e := range ps.ents {
				by[w] = append(by[w], e.k.path)
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

// WatchesByPath calls fn once per watched path, in path order, with the
// watchers that watch it in either table (for wchp). fn runs without tree
// locks held.
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
			e := entry{path: path}
			for _, x := range pw.sets[dataTable].ents {
				e.ws = append(e.ws, x.k)
			}
			for _, x := range pw.sets[childTable].ents {
				if pw.sets[dataTable].find(x.k) < 0 {
					e.ws = append(e.ws, x.k)
				}
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
