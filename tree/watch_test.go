package tree

import (
	"slices"
	"testing"

	"github.com/zen-coord/zen/proto"
)

func TestExistsWatchOnMissingNodeFiresOnCreate(t *testing.T) {
	tr := New()
	log := &evlog{}
	a, b := newRec("a", log), newRec("b", log)
	if _, err := tr.Exists("/x", nil, a); err != proto.ErrNoNode {
		t.Fatalf("exists: %v", err)
	}
	// getData on a missing node sets no watch.
	if _, _, _, err := tr.GetData("/x", nil, b); err != proto.ErrNoNode {
		t.Fatalf("getData: %v", err)
	}
	if _, _, err := tr.GetChildren("/x", nil, b, nil); err != proto.ErrNoNode {
		t.Fatalf("getChildren: %v", err)
	}
	mustApply(t, tr, entry(proto.TxnCreate, 5, 1, &proto.CreateTxn{Path: "/x", ACL: digestACL}))
	got := log.take()
	eqStrings(t, "events", strs(got), []string{"a:1:/x:5"})
	if !slices.Equal(got[0].acl, digestACL) {
		t.Errorf("NodeCreated carries ACL %v, want the node's", got[0].acl)
	}
	// Standard watches are one-shot.
	mustApply(t, tr, setDataE(6, "/x", "v", 1))
	eqStrings(t, "after consumption", strs(log.take()), nil)
}

func TestDataWatchesOneEventPerWatcher(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/x", "", 0))
	log := &evlog{}
	a, b := newRec("a", log), newRec("b", log)
	tr.Exists("/x", nil, a)
	tr.GetData("/x", nil, a) // same (watcher, table, path): one entry
	tr.GetData("/x", nil, b)
	if _, _, n := tr.WatchStats(); n != 2 {
		t.Errorf("%d watches, want 2", n)
	}
	mustApply(t, tr, setDataE(2, "/x", "v", 1))
	got := strs(log.take())
	slices.Sort(got)
	eqStrings(t, "events", got, []string{"a:3:/x:2", "b:3:/x:2"})
	mustApply(t, tr, setDataE(3, "/x", "w", 2))
	eqStrings(t, "second change", strs(log.take()), nil)
	if w, p, n := tr.WatchStats(); w != 0 || p != 0 || n != 0 {
		t.Errorf("WatchStats after firing = %d %d %d", w, p, n)
	}
}

func TestChildWatchesAndACLs(t *testing.T) {
	tr := New()
	mustApply(t, tr, entry(proto.TxnCreate, 1, 1, &proto.CreateTxn{Path: "/p", ACL: digestACL}))
	log := &evlog{}
	a := newRec("a", log)
	tr.GetChildren("/p", nil, a, nil)
	tr.Exists("/p/c", nil, a)
	mustApply(t, tr, createE(2, "/p/c", "", 0))
	got := log.take()
	// Data table first (NodeCreated on the child, its ACL), then the
	// parent's NodeChildrenChanged (the parent's ACL).
	eqStrings(t, "create", strs(got), []string{"a:1:/p/c:2", "a:4:/p:2"})
	if !slices.Equal(got[0].acl, proto.OpenACL) || !slices.Equal(got[1].acl, digestACL) {
		t.Errorf("ACLs %v / %v", got[0].acl, got[1].acl)
	}
	// Data changes of a child do not fire the parent's child watch.
	tr.GetChildren("/p", nil, a, nil)
	mustApply(t, tr, setDataE(3, "/p/c", "v", 1))
	eqStrings(t, "child setData", strs(log.take()), nil)
	mustApply(t, tr, deleteE(4, "/p/c"))
	eqStrings(t, "delete", strs(log.take()), []string{"a:4:/p:4"})
}

func TestDeleteOrderingAndSuppression(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/p", "", 0))
	mustApply(t, tr, createE(2, "/p/n", "", 0))
	log := &evlog{}
	both, data, child, parent := newRec("both", log), newRec("data", log), newRec("child", log), newRec("parent", log)
	tr.GetData("/p/n", nil, both)
	tr.GetChildren("/p/n", nil, both, nil)
	tr.Exists("/p/n", nil, data)
	tr.GetChildren("/p/n", nil, child, nil)
	tr.GetChildren("/p", nil, parent, nil)
	mustApply(t, tr, deleteE(3, "/p/n"))
	got := strs(log.take())
	// Data-table NodeDeleted to both and data (in any order), then the
	// child-table NodeDeleted to child only (both was already told), then
	// the parent's NodeChildrenChanged.
	if len(got) != 4 {
		t.Fatalf("events %q", got)
	}
	first := slices.Clone(got[:2])
	slices.Sort(first)
	eqStrings(t, "data table", first, []string{"both:2:/p/n:3", "data:2:/p/n:3"})
	eqStrings(t, "rest", got[2:], []string{"child:2:/p/n:3", "parent:4:/p:3"})
	// The suppressed child watch of "both" was consumed too.
	if w, p, n := tr.WatchStats(); w != 0 || p != 0 || n != 0 {
		t.Errorf("WatchStats after delete = %d %d %d", w, p, n)
	}
}

func TestPersistentWatch(t *testing.T) {
	tr := New()
	log := &evlog{}
	a := newRec("a", log)
	tr.AddWatch("/n", a, proto.AddWatchPersistent)
	mustApply(t, tr, createE(1, "/n", "", 0))
	mustApply(t, tr, setDataE(2, "/n", "1", 1))
	mustApply(t, tr, setDataE(3, "/n", "2", 2))
	mustApply(t, tr, createE(4, "/n/c", "", 0))
	mustApply(t, tr, createE(5, "/n/c/g", "", 0)) // grandchild: not watched
	mustApply(t, tr, deleteE(6, "/n/c/g"))
	mustApply(t, tr, deleteE(7, "/n/c"))
	mustApply(t, tr, deleteE(8, "/n"))
	mustApply(t, tr, createE(9, "/n", "", 0))
	eqStrings(t, "events", strs(log.take()), []string{
		"a:1:/n:1", "a:3:/n:2", "a:3:/n:3", "a:4:/n:4", "a:4:/n:7",
		"a:2:/n:8", // one NodeDeleted although both tables hold the watch
		"a:1:/n:9", // persistent watches survive deletion
	})
	if modeOf(tr, "/n", a, dataTable) != modePersistent || modeOf(tr, "/n", a, childTable) != modePersistent {
		t.Error("persistent watch not kept as such")
	}
}

// modeOf is w's mode in tbl at path (0: none).
func modeOf(tr *Tree, path string, w Watcher, tbl table) wmode {
	wt := &tr.stripeOf(lookupKey(path)).w
	wt.mu.Lock()
	defer wt.mu.Unlock()
	return wt.modeOfLocked(path, w, tbl)
}

func TestRecursiveWatch(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/r", "", 0))
	log := &evlog{}
	a, root := newRec("a", log), newRec("root", log)
	tr.AddWatch("/r", a, proto.AddWatchPersistentRecursive)
	if tr.recursive.Load() != 2 { // one entry in each table
		t.Fatalf("recursive count %d", tr.recursive.Load())
	}
	mustApply(t, tr, createE(2, "/r/x", "", 0))
	mustApply(t, tr, entry(proto.TxnCreate, 3, 1, &proto.CreateTxn{Path: "/r/x/y", ACL: digestACL}))
	mustApply(t, tr, setDataE(4, "/r/x/y", "v", 1))
	mustApply(t, tr, setDataE(5, "/r", "v", 1))
	mustApply(t, tr, createE(6, "/rr", "", 0)) // sibling with a common string prefix
	mustApply(t, tr, deleteE(7, "/r/x/y"))
	got := log.take()
	// Never NodeChildrenChanged; the node itself and all descendants.
	eqStrings(t, "events", strs(got), []string{
		"a:1:/r/x:2", "a:1:/r/x/y:3", "a:3:/r/x/y:4", "a:3:/r:5", "a:2:/r/x/y:7",
	})
	if !slices.Equal(got[1].acl, digestACL) {
		t.Errorf("descendant event carries ACL %v, want the descendant's", got[1].acl)
	}

	// A recursive watch on "/" sees everything; a watcher holding a
	// standard watch on the node as well still gets one event.
	tr.AddWatch("/", root, proto.AddWatchPersistentRecursive)
	tr.GetData("/r/x", nil, a)
	tr.GetChildren("/r/x", nil, a, nil)
	mustApply(t, tr, setDataE(8, "/r/x", "v", 1))
	mustApply(t, tr, deleteE(9, "/r/x"))
	got = log.take()
	if len(got) != 4 {
		t.Fatalf("events %q", strs(got))
	}
	for i, want := range [][]string{{"a:3:/r/x:8", "root:3:/r/x:8"}, {"a:2:/r/x:9", "root:2:/r/x:9"}} {
		pair := strs(got[2*i : 2*i+2])
		slices.Sort(pair)
		eqStrings(t, "pair", pair, want)
	}
	// The standard data watch was consumed by the first event and the
	// child-table NodeDeleted was suppressed for a; the recursive watches
	// remain.
	if tr.CheckWatches("/r/x", a, proto.WatcherAny) {
		t.Error("standard watches on /r/x survived")
	}
	if modeOf(tr, "/r", a, dataTable) != modeRecursive || modeOf(tr, "/", root, dataTable) != modeRecursive {
		t.Error("recursive watches lost")
	}
	tr.RemoveWatches("/", root, proto.WatcherAny)
	tr.RemoveWatches("/r", a, proto.WatcherAny)
	if tr.recursive.Load() != 0 {
		t.Errorf("recursive count %d after removal", tr.recursive.Load())
	}
}

// TestModesReplace: one mode per (watcher, table, path) and the newest
// registration wins, as in ZK 3.8's WatcherModeManager.
func TestModesReplace(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/n", "", 0))
	log := &evlog{}
	a := newRec("a", log)
	tr.GetData("/n", nil, a)
	tr.AddWatch("/n", a, proto.AddWatchPersistent)
	if modeOf(tr, "/n", a, dataTable) != modePersistent || modeOf(tr, "/n", a, childTable) != modePersistent {
		t.Fatal("addWatch persistent did not replace the standard data watch")
	}
	tr.AddWatch("/n", a, proto.AddWatchPersistentRecursive)
	tr.GetChildren("/n", nil, a, nil)
	if modeOf(tr, "/n", a, dataTable) != modeRecursive || modeOf(tr, "/n", a, childTable) != modeStandard {
		t.Fatal("modes not replaced by the newest registration")
	}
	if _, _, n := tr.WatchStats(); n != 2 {
		t.Errorf("%d watches, want one entry per table", n)
	}
	mustApply(t, tr, setDataE(2, "/n", "v", 1))
	mustApply(t, tr, createE(3, "/n/c", "", 0))
	eqStrings(t, "events", strs(log.take()), []string{"a:3:/n:2", "a:1:/n/c:3", "a:4:/n:3"})
	// The standard child watch is consumed; the recursive one stays.
	if modeOf(tr, "/n", a, childTable) != 0 || modeOf(tr, "/n", a, dataTable) != modeRecursive {
		t.Error("after firing: want no child watch and the recursive data watch")
	}
	// A standard watch replaces a persistent one: it fires once, then is gone.
	tr.AddWatch("/n/c", a, proto.AddWatchPersistent)
	tr.GetData("/n/c", nil, a)
	mustApply(t, tr, setDataE(4, "/n/c", "v", 1))
	mustApply(t, tr, setDataE(5, "/n/c", "w", 2))
	// /n's recursive watch sees both; /n/c's own watch is one-shot now.
	eqStrings(t, "after replace", strs(log.take()), []string{"a:3:/n/c:4", "a:3:/n/c:5"})
	if modeOf(tr, "/n/c", a, dataTable) != 0 || modeOf(tr, "/n/c", a, childTable) != modePersistent {
		t.Error("standard data watch not consumed, or the persistent child watch lost")
	}
}

// TestCheckAndRemoveWatches: ZK 3.8 semantics. checkWatches asks whether
// any connection watches the path in the selected table; removeWatches
// removes the caller's entry of any mode from the selected table.
func TestCheckAndRemoveWatches(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/n", "", 0))
	mustApply(t, tr, createE(2, "/m", "", 0))
	log := &evlog{}
	a, b, c := newRec("a", log), newRec("b", log), newRec("c", log)
	tr.GetData("/n", nil, a)
	tr.GetChildren("/n", nil, a, nil)
	tr.AddWatch("/n", b, proto.AddWatchPersistent)
	tr.GetChildren("/m", nil, a, nil)

	for _, w := range []*rec{a, b, c} {
		if !tr.CheckWatches("/n", w, proto.WatcherData) || !tr.CheckWatches("/n", w, proto.WatcherChildren) ||
			!tr.CheckWatches("/n", w, proto.WatcherAny) {
			t.Errorf("check by %s: any connection's watch on /n counts", w.name)
		}
	}
	if tr.CheckWatches("/m", c, proto.WatcherData) || !tr.CheckWatches("/m", c, proto.WatcherChildren) {
		t.Error("check /m: only the child table holds a watch")
	}
	if tr.CheckWatches("/other", a, proto.WatcherAny) || tr.CheckWatches("/n", a, proto.WatcherPersistent) || tr.CheckWatches("/n", a, 99) {
		t.Error("check: absent path or a type other than 1..3 matched")
	}
	if _, _, n := tr.WatchStats(); n != 5 {
		t.Errorf("%d watches: checkWatches must remove nothing", n)
	}

	if !tr.RemoveWatches("/n", a, proto.WatcherData) || tr.RemoveWatches("/n", a, proto.WatcherData) {
		t.Error("remove data: want true then false")
	}
	if modeOf(tr, "/n", a, childTable) != modeStandard {
		t.Error("removing the data watch removed the child watch")
	}
	if tr.RemoveWatches("/n", c, proto.WatcherAny) {
		t.Error("remove: c has no watch")
	}
	if !tr.RemoveWatches("/n", b, proto.WatcherChildren) || modeOf(tr, "/n", b, dataTable) != modePersistent {
		t.Error("remove children: must take b's persistent child entry and only that")
	}
	if !tr.RemoveWatches("/n", b, proto.WatcherData) || !tr.RemoveWatches("/n", a, proto.WatcherAny) ||
		!tr.RemoveWatches("/m", a, proto.WatcherAny) {
		t.Error("remove the rest")
	}
	if w, p, n := tr.WatchStats(); w != 0 || p != 0 || n != 0 {
		t.Errorf("WatchStats after removals = %d %d %d", w, p, n)
	}
	mustApply(t, tr, setDataE(3, "/n", "v", 1))
	mustApply(t, tr, createE(4, "/n/c", "", 0))
	eqStrings(t, "removed watches fired", strs(log.take()), nil)
}

func TestSetWatches(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(10, "/old", "", 0))   // mzxid 10, pzxid 10
	mustApply(t, tr, createE(11, "/new", "", 0))   //
	mustApply(t, tr, setDataE(20, "/new", "v", 1)) // mzxid 20
	mustApply(t, tr, createE(21, "/new/c", "", 0)) // pzxid of /new 21
	log := &evlog{}
	w := newRec("w", log)
	tr.SetWatches(15,
		[]string{"/old", "/new", "/gone"},  // data
		[]string{"/old", "/absent"},        // exist
		[]string{"/old", "/new", "/gone2"}, // child
		[]string{"/p"},                     // persistent
		[]string{"/r"},                     // recursive
		w)
	got := log.take()
	eqStrings(t, "immediate events", strs(got), []string{
		"w:3:/new:-1", "w:2:/gone:-1", "w:1:/old:-1", "w:4:/new:-1", "w:2:/gone2:-1",
	})
	for _, e := range got {
		if e.acl != nil {
			t.Errorf("SetWatches event %v carries an ACL", e)
		}
	}
	checks := []struct {
		path string
		typ  int32
		want bool
	}{
		{"/old", proto.WatcherData, true},
		{"/old", proto.WatcherChildren, true},
		{"/absent", proto.WatcherData, true},
		{"/new", proto.WatcherAny, false},
		{"/gone", proto.WatcherAny, false},
	}
	for _, c := range checks {
		if tr.CheckWatches(c.path, w, c.typ) != c.want {
			t.Errorf("after SetWatches: CheckWatches(%s, %d) != %v", c.path, c.typ, c.want)
		}
	}
	if modeOf(tr, "/p", w, dataTable) != modePersistent || modeOf(tr, "/p", w, childTable) != modePersistent ||
		modeOf(tr, "/r", w, dataTable) != modeRecursive {
		t.Error("after SetWatches: persistent/recursive watches not registered")
	}
	mustApply(t, tr, createE(30, "/absent", "", 0))
	mustApply(t, tr, createE(31, "/r", "", 0))
	eqStrings(t, "registered", strs(log.take()), []string{"w:1:/absent:30", "w:1:/r:31"})
}

func TestDropWatcher(t *testing.T) {
	tr := New()
	log := &evlog{}
	a, b := newRec("a", log), newRec("b", log)
	paths := []string{"/a", "/b", "/c", "/d"}
	for i, p := range paths {
		mustApply(t, tr, createE(int64(i+1), p, "", 0))
		tr.GetData(p, nil, a)
		tr.GetChildren(p, nil, a, nil)
		tr.GetData(p, nil, b)
	}
	tr.AddWatch("/", a, proto.AddWatchPersistentRecursive)
	if w, p, n := tr.WatchStats(); w != 2 || p != 5 || n != 14 {
		t.Errorf("WatchStats = %d %d %d, want 2 5 14 (the recursive watch sits in both tables)", w, p, n)
	}
	tr.DropWatcher(a)
	if w, p, n := tr.WatchStats(); w != 1 || p != 4 || n != 4 {
		t.Errorf("WatchStats after drop = %d %d %d, want 1 4 4", w, p, n)
	}
	if tr.recursive.Load() != 0 {
		t.Errorf("recursive count %d after drop", tr.recursive.Load())
	}
	mustApply(t, tr, setDataE(9, "/a", "v", 1))
	eqStrings(t, "events", strs(log.take()), []string{"b:3:/a:9"})
	tr.DropWatcher(b)
	tr.DropWatcher(b) // idempotent
	for i := range tr.stripes {
		wt := &tr.stripes[i].w
		if len(wt.byPath) != 0 || len(wt.byWatcher) != 0 || wt.nWatches.Load() != 0 {
			t.Fatalf("stripe %d watch table not empty", i)
		}
	}
}

func TestWatchListings(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/x", "", 0))
	log := &evlog{}
	a, b := newRec("a", log), newRec("b", log)
	tr.GetData("/x", nil, a)
	tr.GetChildren("/x", nil, a, nil)
	tr.Exists("/y", nil, a)
	tr.Exists("/x", nil, b)
	byW := map[string][]string{}
	tr.WatchesByWatcher(func(w Watcher, paths []string) { byW[w.(*rec).name] = paths })
	eqStrings(t, "a", byW["a"], []string{"/x", "/y"})
	eqStrings(t, "b", byW["b"], []string{"/x"})
	var order []string
	byP := map[string][]string{}
	tr.WatchesByPath(func(path string, ws []Watcher) {
		order = append(order, path)
		for _, w := range ws {
			byP[path] = append(byP[path], w.(*rec).name)
		}
		slices.Sort(byP[path])
	})
	eqStrings(t, "paths", order, []string{"/x", "/y"})
	eqStrings(t, "/x", byP["/x"], []string{"a", "b"})
	eqStrings(t, "/y", byP["/y"], []string{"a"})
}

func TestMultiFiresInSubOpOrder(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/a", "", 0))
	log := &evlog{}
	w := newRec("w", log)
	tr.AddWatch("/", w, proto.AddWatchPersistentRecursive)
	tr.GetChildren("/a", nil, w, nil)
	mustApply(t, tr, multiE(2,
		sub(proto.TxnSetData, &proto.SetDataTxn{Path: "/a", Data: []byte("1"), Version: 1}),
		sub(proto.TxnCreate, &proto.CreateTxn{Path: "/a/b", ACL: proto.OpenACL}),
		sub(proto.TxnCreate, &proto.CreateTxn{Path: "/c", ACL: proto.OpenACL}),
		sub(proto.TxnDelete, &proto.DeleteTxn{Path: "/a/b"}),
	))
	eqStrings(t, "events", strs(log.take()), []string{
		"w:3:/a:2", "w:1:/a/b:2", "w:4:/a:2", "w:1:/c:2", "w:2:/a/b:2",
	})
}

func TestManyWatchersOnePath(t *testing.T) {
	// Past ixIndexAbove entries the set switches to a hash index; adding,
	// firing and removing must behave the same.
	tr := New()
	mustApply(t, tr, createE(1, "/hot", "", 0))
	log := &evlog{}
	var ws []*rec
	for i := 0; i < 100; i++ {
		w := newRec(string(rune('A'+i)), log)
		ws = append(ws, w)
		tr.GetData("/hot", nil, w)
		tr.GetData("/hot", nil, w)
	}
	for i := 0; i < 100; i += 3 {
		if !tr.RemoveWatches("/hot", ws[i], proto.WatcherData) {
			t.Fatalf("remove %d", i)
		}
	}
	for i, w := range ws {
		if (modeOf(tr, "/hot", w, dataTable) == modeStandard) != (i%3 != 0) {
			t.Fatalf("check %d", i)
		}
	}
	mustApply(t, tr, setDataE(2, "/hot", "v", 1))
	if got := len(log.take()); got != 66 {
		t.Errorf("%d events, want 66", got)
	}
	if _, _, n := tr.WatchStats(); n != 0 {
		t.Errorf("%d watches left", n)
	}
}

// A recursive watch also sits in the child table (ZK 3.8): checkWatches
// (Children) finds it, it never gets NodeChildrenChanged, and replacing a
// persistent watch with it stops the persistent watch's child events.
func TestRecursiveWatchInChildTable(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/r", "", 0))
	log := &evlog{}
	a := newRec("a", log)
	tr.AddWatch("/r", a, proto.AddWatchPersistent)
	mustApply(t, tr, createE(2, "/r/x", "", 0))
	eqStrings(t, "persistent", strs(log.take()), []string{"a:4:/r:2"})
	tr.AddWatch("/r", a, proto.AddWatchPersistentRecursive)
	if !tr.CheckWatches("/r", nil, proto.WatcherChildren) || modeOf(tr, "/r", a, childTable) != modeRecursive {
		t.Fatal("recursive watch not in the child table")
	}
	mustApply(t, tr, createE(3, "/r/y", "", 0))
	mustApply(t, tr, deleteE(4, "/r/y"))
	// Created and Deleted of the child (once each); no ChildrenChanged.
	eqStrings(t, "recursive", strs(log.take()), []string{"a:1:/r/y:3", "a:2:/r/y:4"})

	// With the data-table mode replaced by a one-shot getData watch, the
	// child table's recursive entry still reports descendants' deletions.
	tr.GetData("/r", nil, a)
	mustApply(t, tr, createE(5, "/r/z", "", 0))
	mustApply(t, tr, deleteE(6, "/r/z"))
	eqStrings(t, "child-table recursive", strs(log.take()), []string{"a:2:/r/z:6"})
}
