package tree

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/zen-coord/zen/proto"
)

// Watcher receives notifications; implemented by the server's connections.
// Watchers are compared with ==, so the dynamic type must be comparable
// (typically a pointer).
type Watcher interface {
	// Notify is called with tree locks held; it must not block or call back
	// into the Tree. acl is the ACL of the node the event is about (the node
	// for Created/Deleted/DataChanged, the parent for ChildrenChanged), nil
	// for events fired by SetWatches; the Watcher uses it to drop events it
	// may not READ. zxid is the txn's, -1 for SetWatches. path is an
	// immutable string the Watcher may retain.
	Notify(typ proto.EventType, path string, zxid int64, acl []proto.ACL)
}

// wmode is the set of modes a watcher holds on one (table, path).
type wmode uint8

const (
	modeStandard   wmode = 1 << iota // one-shot: getData/exists/getChildren
	modePersistent                   // addWatch persistent (both tables)
	modeRecursive                    // addWatch persistent-recursive (data table)
)

// table selects one of the two watch tables.
type table uint8

const (
	dataTable  table = iota // getData, exists, persistent, recursive
	childTable              // getChildren, persistent
)

// watchSet is one (table, path)'s watchers with their modes.
type watchSet = ixmap[Watcher, wmode]

// pathWatches holds both tables' watchers of one path.
type pathWatches struct {
	path string // owned copy
	sets [2]watchSet
}

func (p *pathWatches) has(w Watcher) bool {
	return p.sets[dataTable].find(w) >= 0 || p.sets[childTable].find(w) >= 0
}

func (p *pathWatches) empty() bool {
	return p.sets[dataTable].len() == 0 && p.sets[childTable].len() == 0
}

// watchTable is one stripe's watches. mu is the innermost lock: nothing else
// is acquired while it is held (except that Notify is called under it).
type watchTable struct {
	mu     sync.Mutex
	byPath map[string]*pathWatches
	// byWatcher indexes, per watcher, the paths of this stripe it watches
	// in either table, so that DropWatcher costs O(its watches).
	byWatcher map[Watcher]*ixmap[*pathWatches, struct{}]
	// nWatches counts (watcher, table, path) entries in this stripe. It is
	// written under mu but atomic so the applier can skip an empty table
	// without locking it: entries are only added by registrations that hold
	// the stripe's read lock, which the applier excludes while it fires.
	nWatches atomic.Int64
}

// addLocked sets w's entry's mode in tbl at path. path may alias a
// transient buffer; it is copied when a new path entry is made.
// REQUIRES: wt.mu held.
func (wt *watchTable) addLocked(path string, w Watcher, tbl table, mode wmode, rec *atomic.Int64) {
	pw := wt.byPath[path]
	if pw == nil {
		if wt.byPath == nil {
			wt.byPath = make(map[string]*pathWatches)
		}
		pw = &pathWatches{path: strings.Clone(path)}
		wt.byPath[pw.path] = pw
	}
	isNew := !pw.has(w)
	e, added := pw.sets[tbl].put(w)
	if added {
		wt.nWatches.Add(1)
	}
	// One mode per (watcher, table, path), and the newest registration
	// wins (ZK 3.8's WatcherModeManager): a getData watch on a path with a
	// persistent watch makes it a one-shot again.
	switch {
	case mode&modeRecursive != 0 && e.v&modeRecursive == 0:
		rec.Add(1)
	case mode&modeRecursive == 0 && e.v&modeRecursive != 0:
		rec.Add(-1)
	}
	e.v = mode
	if isNew {
		if wt.byWatcher == nil {
			wt.byWatcher = make(map[Watcher]*ixmap[*pathWatches, struct{}])
		}
		ps := wt.byWatcher[w]
		if ps == nil {
			ps = new(ixmap[*pathWatches, struct{}])
			wt.byWatcher[w] = ps
		}
		ps.put(pw)
	}
}

// clearLocked removes the bits in mode from the entry at position i of
// pw.sets[tbl], deleting the entry when no bit remains and unlinking the
// watcher and path when they no longer share any entry. It reports whether
// any bit was cleared and whether the entry is gone (the entry that was
// last then sits at position i).
// REQUIRES: wt.mu held.
func (wt *watchTable) clearLocked(pw *pathWatches, tbl table, i int, mode wmode, rec *atomic.Int64) (cleared, gone bool) {
	set := &pw.sets[tbl]
	e := &set.ents[i]
	had := e.v & mode
	if had == 0 {
		return false, false
	}
	if had&modeRecursive != 0 {
		rec.Add(-1)
	}
	e.v &^= mode
	if e.v != 0 {
		return true, false
	}
	w := e.k
	set.removeAt(i)
	wt.nWatches.Add(-1)
	if !pw.has(w) {
		if ps := wt.byWatcher[w]; ps != nil {
			ps.remove(pw)
			if ps.len() == 0 {
				delete(wt.byWatcher, w)
			}
		}
	}
	if pw.empty() {
		delete(wt.byPath, pw.path)
	}
	return true, true
}

// modeOfLocked returns w's modes in tbl at path (0 if none).
// REQUIRES: wt.mu held.
func (wt *watchTable) modeOfLocked(path string, w Watcher, tbl table) wmode {
	pw := wt.byPath[path]
	if pw == nil {
		return 0
	}
	if i := pw.sets[tbl].find(w); i >= 0 {
		return pw.sets[tbl].ents[i].v
	}
	return 0
}
