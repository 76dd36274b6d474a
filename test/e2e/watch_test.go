package e2e

// Watches (PROTOCOL.md §11): standard one-shot data/exist/child watches,
// persistent and persistent-recursive watches, checkWatches and
// removeWatches, ordering against replies, lifetime, ACL filtering.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

const quiet = 150 * time.Millisecond // how long "no more events" is watched for

func evEq(got []event, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].String()[:strings.Index(got[i].String(), "@")] != want[i] {
			return false
		}
	}
	return true
}

// sortEvents orders events by type, then path (for events whose order
// ZooKeeper leaves unspecified).
func sortEvents(evs []event) []event {
	slices.SortFunc(evs, func(a, b event) int {
		if a.Type != b.Type {
			return int(a.Type - b.Type)
		}
		return strings.Compare(a.Path, b.Path)
	})
	return evs
}

// ev renders an expected event as evEq compares it: "<type>:<path>".
func ev(typ proto.EventType, path string) string { return itoa(int32(typ)) + ":" + path }

// expectEventsWithin waits up to d for the wanted events.
func expectEventsWithin(t testing.TB, c *rc, d time.Duration, want ...string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for len(c.events) < len(want) && time.Now().Before(deadline) {
		if _, isReply, err := c.readOne(time.Until(deadline)); err != nil || isReply {
			break
		}
	}
	got := c.takeEvents()
	if !evEq(got, want...) {
		t.Fatalf("events %v, want %q", got, want)
	}
}

func expectEvents(t testing.TB, c *rc, want ...string) {
	t.Helper()
	var got []event
	if len(want) > 0 {
		got = c.waitEvents(len(want))
	}
	got = append(got, c.drainEvents(quiet)...)
	if !evEq(got, want...) {
		t.Fatalf("events %v, want %q", got, want)
	}
	for _, e := range got {
		if e.Stat != proto.StateSyncConnected {
			t.Fatalf("event %v has state %d, want 3", e, e.Stat)
		}
	}
}

func TestDataWatchOneShot(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/d", b("1"), openACL, 0))
	w.ok(proto.OpGetData, pathWatch("/d", true))
	z := c.ok(proto.OpSetData, setDataBody("/d", b("2"), -1)).Hdr.Zxid
	evs := w.waitEvents(1)
	if !evEq(evs, ev(proto.EventNodeDataChanged, "/d")) || !eventZxid(evs[0], z) {
		t.Fatalf("events %v", evs)
	}
	// One-shot: the next change is not reported.
	c.ok(proto.OpSetData, setDataBody("/d", b("3"), -1))
	expectEvents(t, w)
	// setACL, child changes and reads fire nothing on a data watch.
	w.ok(proto.OpGetData, pathWatch("/d", true))
	c.ok(proto.OpSetACL, setACLBody("/d", openACL, -1))
	c.ok(proto.OpCreate, createBody("/d/k", nil, openACL, 0))
	c.ok(proto.OpGetData, pathWatch("/d", false))
	c.ok(proto.OpSync, pathOnly("/d"))
	expectEvents(t, w)
	c.ok(proto.OpDelete, deleteBody("/d/k", -1))
	c.ok(proto.OpDelete, deleteBody("/d", -1))
	expectEvents(t, w, ev(proto.EventNodeDeleted, "/d"))
	// getData on a missing node sets no watch.
	w.fails(proto.OpGetData, pathWatch("/d", true), proto.ErrNoNode)
	c.ok(proto.OpCreate, createBody("/d", nil, openACL, 0))
	expectEvents(t, w)
}

// exists on a missing node answers NoNode and still registers the watch.
func TestExistWatch(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	w.fails(proto.OpExists, pathWatch("/x", true), proto.ErrNoNode)
	c.ok(proto.OpCreate, createBody("/x", nil, openACL, 0))
	expectEvents(t, w, ev(proto.EventNodeCreated, "/x"))
	c.ok(proto.OpDelete, deleteBody("/x", -1))
	expectEvents(t, w) // consumed
	// exists on a present node: data change and delete.
	c.ok(proto.OpCreate, createBody("/x", nil, openACL, 0))
	w.ok(proto.OpExists, pathWatch("/x", true))
	c.ok(proto.OpSetData, setDataBody("/x", b("v"), -1))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/x"))
	w.ok(proto.OpExists, pathWatch("/x", true))
	c.ok(proto.OpDelete, deleteBody("/x", -1))
	expectEvents(t, w, ev(proto.EventNodeDeleted, "/x"))
	// An exists watch set on a missing node does not fire for a child
	// created elsewhere, and fires for an ephemeral creation.
	w.fails(proto.OpExists, pathWatch("/y", true), proto.ErrNoNode)
	c.ok(proto.OpCreate, createBody("/z", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/y", nil, openACL, proto.FlagEphemeral))
	expectEvents(t, w, ev(proto.EventNodeCreated, "/y"))
}

func TestChildWatch(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0))
	w.ok(proto.OpGetChildren, pathWatch("/p", true))
	c.ok(proto.OpCreate, createBody("/p/a", nil, openACL, 0))
	expectEvents(t, w, ev(proto.EventNodeChildrenChanged, "/p"))
	c.ok(proto.OpCreate, createBody("/p/b", nil, openACL, 0))
	expectEvents(t, w) // one-shot
	w.ok(proto.OpGetChildren2, pathWatch("/p", true))
	// Data changes of the node or of a child, and grandchildren, do not fire.
	c.ok(proto.OpSetData, setDataBody("/p", b("x"), -1))
	c.ok(proto.OpSetData, setDataBody("/p/a", b("x"), -1))
	c.ok(proto.OpCreate, createBody("/p/a/g", nil, openACL, 0))
	expectEvents(t, w)
	c.ok(proto.OpDelete, deleteBody("/p/b", -1))
	expectEvents(t, w, ev(proto.EventNodeChildrenChanged, "/p"))
	// getChildren on a missing node sets no watch.
	w.fails(proto.OpGetChildren, pathWatch("/q", true), proto.ErrNoNode)
	w.fails(proto.OpGetChildren2, pathWatch("/q", true), proto.ErrNoNode)
	c.ok(proto.OpCreate, createBody("/q", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/q/k", nil, openACL, 0))
	expectEvents(t, w)
	// A child watch on a node that is deleted fires NodeDeleted.
	w.ok(proto.OpGetChildren, pathWatch("/q/k", true))
	c.ok(proto.OpDelete, deleteBody("/q/k", -1))
	expectEvents(t, w, ev(proto.EventNodeDeleted, "/q/k"))
}

// A connection gets one notification per event even when several of its
// watches match it.
func TestOneNotificationPerConnection(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	w2 := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/n", nil, openACL, 0))
	for _, cl := range []*rc{w, w2} {
		cl.ok(proto.OpExists, pathWatch("/n", true))
		cl.ok(proto.OpGetData, pathWatch("/n", true))
		cl.ok(proto.OpGetData, pathWatch("/n", true))
	}
	c.ok(proto.OpSetData, setDataBody("/n", nil, -1))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/n"))
	expectEvents(t, w2, ev(proto.EventNodeDataChanged, "/n"))
	// Data and child watches on a deleted node: one NodeDeleted, plus the
	// parent's NodeChildrenChanged.
	w.ok(proto.OpGetData, pathWatch("/n", true))
	w.ok(proto.OpExists, pathWatch("/n", true))
	w.ok(proto.OpGetChildren, pathWatch("/n", true))
	w.ok(proto.OpGetChildren2, pathWatch("/n", true))
	w.ok(proto.OpGetChildren, pathWatch("/", true))
	c.ok(proto.OpDelete, deleteBody("/n", -1))
	expectEvents(t, w, ev(proto.EventNodeDeleted, "/n"), ev(proto.EventNodeChildrenChanged, "/"))
	// The same holds with the writer watching its own change.
	c.ok(proto.OpCreate, createBody("/n", nil, openACL, 0))
	c.ok(proto.OpGetData, pathWatch("/n", true))
	c.ok(proto.OpGetChildren, pathWatch("/n", true))
	c.ok(proto.OpDelete, deleteBody("/n", -1))
	if evs := c.takeEvents(); !evEq(evs, ev(proto.EventNodeDeleted, "/n")) {
		t.Fatalf("writer's events %v", evs)
	}
}

// The notification of a write reaches a watching connection before any
// reply that reflects the write: on the writer's own connection before the
// write's reply, and on another connection before the reply of a read
// issued after the write completed.
func TestWatchEventBeforeReply(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/o", nil, openACL, 0))
	for i := 0; i < 20; i++ {
		c.ok(proto.OpGetData, pathWatch("/o", true))
		w.ok(proto.OpGetData, pathWatch("/o", true))
		c.log, w.log = nil, nil
		rep := c.ok(proto.OpSetData, setDataBody("/o", []byte{byte(i)}, -1))
		if want := []string{"e3:/o", "r" + itoa(rep.Hdr.Xid)}; !eqStrings(c.log, want) {
			t.Fatalf("writer read %q, want %q", c.log, want)
		}
		rr := w.ok(proto.OpGetData, pathWatch("/o", false))
		if want := []string{"e3:/o", "r" + itoa(rr.Hdr.Xid)}; !eqStrings(w.log, want) {
			t.Fatalf("watcher read %q, want %q", w.log, want)
		}
		if got := dec[proto.GetDataResponse](t, rr.Body); len(got.Data) != 1 || got.Data[0] != byte(i) {
			t.Fatalf("watcher read %x", got.Data)
		}
		c.takeEvents()
		w.takeEvents()
	}
	// The same through go-zookeeper: the event is on the channel by the
	// time the write returns.
	g, _ := connect(t, s.Addr)
	_, _, ch, err := g.GetW("/o")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Set("/o", []byte("g"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ch:
		if e.Type != zk.EventNodeDataChanged || e.Path != "/o" {
			t.Fatalf("event %+v", e)
		}
	default:
		t.Fatal("go-zk: the write returned before its watch event was delivered")
	}
}

// Watches belong to the connection: when it closes they are gone, even if
// the session lives on and is resumed on another connection.
func TestWatchesDroppedOnDisconnect(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/d", nil, openACL, 0))
	w.ok(proto.OpGetData, pathWatch("/d", true))
	w.ok(proto.OpGetChildren, pathWatch("/d", true))
	w.fails(proto.OpExists, pathWatch("/e", true), proto.ErrNoNode)
	w.ok(proto.OpAddWatch, addWatchBody("/", proto.AddWatchPersistentRecursive))
	eventually(t, 5*time.Second, "wchs to show the watches", func() bool {
		return strings.Contains(fourLetter(t, s.Addr, "wchs"), "1 connections watching 3 paths")
	})
	w.Close()
	eventually(t, 5*time.Second, "wchs to show no watches", func() bool {
		return strings.Contains(fourLetter(t, s.Addr, "wchs"), "Total watches:0")
	})
	w2, err := dialAs(t, s.Addr, w.SessionID, w.Passwd)
	if err != nil || w2.Resp.SessionID != w.SessionID {
		t.Fatalf("reattach: %+v %v", w2.Resp, err)
	}
	c.ok(proto.OpSetData, setDataBody("/d", b("x"), -1))
	c.ok(proto.OpCreate, createBody("/d/k", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/e", nil, openACL, 0))
	expectEvents(t, w2)
}

func TestPersistentWatch(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	rep := w.ok(proto.OpAddWatch, addWatchBody("/p", proto.AddWatchPersistent))
	if got := dec[proto.ErrorResponse](t, rep.Body); got.Err != 0 {
		t.Fatalf("addWatch body %+v, want ErrorResponse{0}", got)
	}
	// The path need not exist; the watch survives every event.
	c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0))
	c.ok(proto.OpSetData, setDataBody("/p", b("1"), -1))
	c.ok(proto.OpSetData, setDataBody("/p", b("2"), -1))
	c.ok(proto.OpCreate, createBody("/p/a", nil, openACL, 0))
	c.ok(proto.OpSetData, setDataBody("/p/a", b("1"), -1)) // not watched
	c.ok(proto.OpCreate, createBody("/p/a/deep", nil, openACL, 0))
	c.ok(proto.OpDelete, deleteBody("/p/a/deep", -1))
	c.ok(proto.OpDelete, deleteBody("/p/a", -1))
	c.ok(proto.OpDelete, deleteBody("/p", -1))
	c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0))
	expectEvents(t, w,
		ev(proto.EventNodeCreated, "/p"),
		ev(proto.EventNodeDataChanged, "/p"),
		ev(proto.EventNodeDataChanged, "/p"),
		ev(proto.EventNodeChildrenChanged, "/p"),
		ev(proto.EventNodeChildrenChanged, "/p"),
		ev(proto.EventNodeDeleted, "/p"),
		ev(proto.EventNodeCreated, "/p"),
	)
	// A standard watch on the same node adds no duplicate.
	w.ok(proto.OpGetData, pathWatch("/p", true))
	c.ok(proto.OpSetData, setDataBody("/p", b("3"), -1))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/p"))
}

func TestPersistentRecursiveWatch(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	w.ok(proto.OpAddWatch, addWatchBody("/r", proto.AddWatchPersistentRecursive))
	c.ok(proto.OpCreate, createBody("/r", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/r/a", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/r/a/b", nil, openACL, proto.FlagEphemeral))
	c.ok(proto.OpSetData, setDataBody("/r/a/b", b("x"), -1))
	c.ok(proto.OpSetData, setDataBody("/r", b("x"), -1))
	c.ok(proto.OpCreate, createBody("/rr", nil, openACL, 0))    // sibling with a common prefix
	c.ok(proto.OpCreate, createBody("/other", nil, openACL, 0)) // outside
	c.ok(proto.OpDelete, deleteBody("/r/a/b", -1))
	c.ok(proto.OpDelete, deleteBody("/r/a", -1))
	// No NodeChildrenChanged: recursive watches live in the data table.
	expectEvents(t, w,
		ev(proto.EventNodeCreated, "/r"),
		ev(proto.EventNodeCreated, "/r/a"),
		ev(proto.EventNodeCreated, "/r/a/b"),
		ev(proto.EventNodeDataChanged, "/r/a/b"),
		ev(proto.EventNodeDataChanged, "/r"),
		ev(proto.EventNodeDeleted, "/r/a/b"),
		ev(proto.EventNodeDeleted, "/r/a"),
	)
	// A recursive watch on / sees everything, one event per change even
	// with other watches of the same connection matching.
	w.ok(proto.OpAddWatch, addWatchBody("/", proto.AddWatchPersistentRecursive))
	w.ok(proto.OpGetData, pathWatch("/r", true))
	c.ok(proto.OpSetData, setDataBody("/r", b("y"), -1))
	c.ok(proto.OpCreate, createBody("/x", nil, openACL, 0))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/r"), ev(proto.EventNodeCreated, "/x"))
	// Ephemeral cleanup is seen too.
	e := dial(t, s.Addr)
	e.ok(proto.OpCreate, createBody("/r/eph", nil, openACL, proto.FlagEphemeral))
	expectEvents(t, w, ev(proto.EventNodeCreated, "/r/eph"))
	e.ok(proto.OpCloseSession, nil)
	expectEvents(t, w, ev(proto.EventNodeDeleted, "/r/eph"))
}

// ZooKeeper 3.8.0 keeps one watch mode per (connection, path): the latest
// getData/exists/getChildren/addWatch on a path replaces the earlier mode.
// (3.9 lets the modes combine, as PROTOCOL.md §11 describes; 3.8.0 wins.)
func TestWatchModeReplacement(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	for _, p := range []string{"/c", "/a", "/b"} {
		c.ok(proto.OpCreate, createBody(p, nil, openACL, 0))
	}
	// Persistent, then recursive: recursive only (no NodeChildrenChanged).
	w.ok(proto.OpAddWatch, addWatchBody("/c", proto.AddWatchPersistent))
	w.ok(proto.OpAddWatch, addWatchBody("/c", proto.AddWatchPersistentRecursive))
	c.ok(proto.OpSetData, setDataBody("/c", nil, -1))
	c.ok(proto.OpCreate, createBody("/c/k", nil, openACL, 0))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/c"), ev(proto.EventNodeCreated, "/c/k"))
	// Recursive, then persistent: persistent only (no descendants).
	w.ok(proto.OpAddWatch, addWatchBody("/a", proto.AddWatchPersistentRecursive))
	w.ok(proto.OpAddWatch, addWatchBody("/a", proto.AddWatchPersistent))
	c.ok(proto.OpSetData, setDataBody("/a", nil, -1))
	c.ok(proto.OpCreate, createBody("/a/k", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/a/k/g", nil, openACL, 0))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/a"), ev(proto.EventNodeChildrenChanged, "/a"))
	// Standard, then persistent: persistent; then standard again: one-shot.
	w.ok(proto.OpGetData, pathWatch("/b", true))
	w.ok(proto.OpAddWatch, addWatchBody("/b", proto.AddWatchPersistent))
	c.ok(proto.OpSetData, setDataBody("/b", nil, -1))
	c.ok(proto.OpSetData, setDataBody("/b", nil, -1))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/b"), ev(proto.EventNodeDataChanged, "/b"))
	w.ok(proto.OpGetData, pathWatch("/b", true))
	c.ok(proto.OpSetData, setDataBody("/b", nil, -1))
	c.ok(proto.OpSetData, setDataBody("/b", nil, -1))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/b"))
}

func TestAddWatchBadMode(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	for _, mode := range []int32{2, -1, 100} {
		c.fails(proto.OpAddWatch, addWatchBody("/", mode), proto.ErrMarshallingError)
	}
	c.ok(proto.OpExists, pathWatch("/", false))
}

// checkWatches (17) tells whether this connection has a watch of the type
// without removing it; removeWatches (18) removes it. Both answer NoWatcher
// when there is none. (ZooKeeper 3.8.0's checkWatches also answers Ok when
// only another connection watches the path, a bug fixed later; that case
// is not asserted here.)
func TestCheckAndRemoveWatches(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/n", nil, openACL, 0))
	for _, typ := range []int32{proto.WatcherChildren, proto.WatcherData, proto.WatcherAny} {
		w.fails(proto.OpCheckWatches, watchesBody("/n", typ), proto.ErrNoWatcher)
		w.fails(proto.OpRemoveWatches, watchesBody("/n", typ), proto.ErrNoWatcher)
	}
	other := dial(t, s.Addr)
	other.ok(proto.OpGetData, pathWatch("/n", true))
	w.fails(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherData), proto.ErrNoWatcher)
	w.ok(proto.OpGetData, pathWatch("/n", true))
	rep := w.ok(proto.OpCheckWatches, watchesBody("/n", proto.WatcherData))
	if len(rep.Body) != 0 {
		t.Fatalf("checkWatches body %x", rep.Body)
	}
	w.ok(proto.OpCheckWatches, watchesBody("/n", proto.WatcherData)) // not removed by checking
	w.ok(proto.OpCheckWatches, watchesBody("/n", proto.WatcherAny))
	w.fails(proto.OpCheckWatches, watchesBody("/n", proto.WatcherChildren), proto.ErrNoWatcher)
	w.fails(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherChildren), proto.ErrNoWatcher)
	rep = w.ok(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherData))
	if len(rep.Body) != 0 {
		t.Fatalf("removeWatches body %x", rep.Body)
	}
	w.fails(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherData), proto.ErrNoWatcher)
	// The server sends nothing for a removal, and the removed watch no
	// longer fires; the other connection's watch is untouched.
	c.ok(proto.OpSetData, setDataBody("/n", b("1"), -1))
	expectEvents(t, w)
	expectEvents(t, other, ev(proto.EventNodeDataChanged, "/n"))
	// An exists watch on a missing node is a data watch.
	w.fails(proto.OpExists, pathWatch("/missing", true), proto.ErrNoNode)
	w.ok(proto.OpCheckWatches, watchesBody("/missing", proto.WatcherData))
	w.fails(proto.OpCheckWatches, watchesBody("/missing", proto.WatcherChildren), proto.ErrNoWatcher)
	w.ok(proto.OpRemoveWatches, watchesBody("/missing", proto.WatcherAny))
	w.fails(proto.OpCheckWatches, watchesBody("/missing", proto.WatcherAny), proto.ErrNoWatcher)
	c.ok(proto.OpCreate, createBody("/missing", nil, openACL, 0))
	expectEvents(t, w)
	// Child watch; Any removes both kinds.
	w.ok(proto.OpGetChildren, pathWatch("/n", true))
	w.ok(proto.OpCheckWatches, watchesBody("/n", proto.WatcherChildren))
	w.fails(proto.OpCheckWatches, watchesBody("/n", proto.WatcherData), proto.ErrNoWatcher)
	w.ok(proto.OpGetData, pathWatch("/n", true))
	w.ok(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherChildren))
	w.ok(proto.OpCheckWatches, watchesBody("/n", proto.WatcherData))
	w.fails(proto.OpCheckWatches, watchesBody("/n", proto.WatcherChildren), proto.ErrNoWatcher)
	w.ok(proto.OpGetChildren, pathWatch("/n", true))
	w.ok(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherAny))
	w.fails(proto.OpCheckWatches, watchesBody("/n", proto.WatcherChildren), proto.ErrNoWatcher)
	w.fails(proto.OpCheckWatches, watchesBody("/n", proto.WatcherData), proto.ErrNoWatcher)
	c.ok(proto.OpCreate, createBody("/n/k", nil, openACL, 0))
	c.ok(proto.OpSetData, setDataBody("/n", b("2"), -1))
	expectEvents(t, w)
	// A watch type outside 1..5 does not decode.
	w.fails(proto.OpCheckWatches, watchesBody("/n", 0), proto.ErrMarshallingError)
	w.fails(proto.OpRemoveWatches, watchesBody("/n", 6), proto.ErrMarshallingError)
}

// Persistent watches under checkWatches/removeWatches in ZooKeeper 3.8.0:
// the watcher types Persistent (4) and PersistentRecursive (5) do not
// exist yet (MarshallingError; 3.9 added them, as PROTOCOL.md §11
// describes); a persistent or recursive watch sits in both tables, so the
// Children, Data and Any types find it, and Any removes it.
func TestCheckAndRemovePersistentWatches(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/n", nil, openACL, 0))
	for _, typ := range []int32{proto.WatcherPersistent, proto.WatcherPersistentRecursive} {
		w.fails(proto.OpCheckWatches, watchesBody("/n", typ), proto.ErrMarshallingError)
		w.fails(proto.OpRemoveWatches, watchesBody("/n", typ), proto.ErrMarshallingError)
	}
	w.ok(proto.OpAddWatch, addWatchBody("/n", proto.AddWatchPersistent))
	for _, typ := range []int32{proto.WatcherChildren, proto.WatcherData, proto.WatcherAny} {
		w.ok(proto.OpCheckWatches, watchesBody("/n", typ))
	}
	for _, typ := range []int32{proto.WatcherPersistent, proto.WatcherPersistentRecursive} {
		w.fails(proto.OpCheckWatches, watchesBody("/n", typ), proto.ErrMarshallingError)
	}
	// Removing the data side leaves the child side.
	w.ok(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherData))
	c.ok(proto.OpSetData, setDataBody("/n", b("1"), -1))
	c.ok(proto.OpCreate, createBody("/n/k", nil, openACL, 0))
	expectEvents(t, w, ev(proto.EventNodeChildrenChanged, "/n"))
	w.ok(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherAny))
	c.ok(proto.OpSetData, setDataBody("/n", b("2"), -1))
	c.ok(proto.OpCreate, createBody("/n/k2", nil, openACL, 0))
	expectEvents(t, w)
	w.fails(proto.OpCheckWatches, watchesBody("/n", proto.WatcherAny), proto.ErrNoWatcher)
	// A recursive watch likewise.
	w.ok(proto.OpAddWatch, addWatchBody("/n", proto.AddWatchPersistentRecursive))
	for _, typ := range []int32{proto.WatcherChildren, proto.WatcherData, proto.WatcherAny} {
		w.ok(proto.OpCheckWatches, watchesBody("/n", typ))
	}
	w.ok(proto.OpRemoveWatches, watchesBody("/n", proto.WatcherAny))
	c.ok(proto.OpCreate, createBody("/n/k3", nil, openACL, 0))
	c.ok(proto.OpSetData, setDataBody("/n", b("3"), -1))
	expectEvents(t, w)
	w.fails(proto.OpCheckWatches, watchesBody("/n", proto.WatcherAny), proto.ErrNoWatcher)
}

// A notification is not delivered to a connection that may not READ the
// node (the parent for NodeChildrenChanged). ZooKeeper added this filter
// in 3.8.4/3.9.2 (CVE-2024-23944); Debian's 3.8.0 package carries the fix.
func TestWatchACLFiltering(t *testing.T) {
	s := start(t)
	owner := dial(t, s.Addr)
	owner.authOK("digest", "owner:pw")
	w := dial(t, s.Addr)
	ownerOnly := []proto.ACL{{Perms: proto.PermAll, Scheme: "auth", ID: ""}}
	owner.ok(proto.OpCreate, createBody("/pub", nil, openACL, 0))
	w.ok(proto.OpAddWatch, addWatchBody("/", proto.AddWatchPersistentRecursive))
	w.ok(proto.OpAddWatch, addWatchBody("/pub", proto.AddWatchPersistent))
	owner.ok(proto.OpCreate, createBody("/pub/secret", nil, ownerOnly, 0))
	owner.ok(proto.OpSetData, setDataBody("/pub/secret", b("s"), -1))
	owner.ok(proto.OpCreate, createBody("/pub/secret/kid", nil, openACL, 0))
	owner.ok(proto.OpDelete, deleteBody("/pub/secret/kid", -1))
	owner.ok(proto.OpDelete, deleteBody("/pub/secret", -1))
	owner.ok(proto.OpCreate, createBody("/pub/open", nil, openACL, 0))
	// /pub is readable: its NodeChildrenChanged events are delivered
	// (create and delete of /pub/secret, create of /pub/open); the events
	// on /pub/secret itself are not; /pub/secret/kid is readable.
	expectEvents(t, w,
		ev(proto.EventNodeChildrenChanged, "/pub"),
		ev(proto.EventNodeCreated, "/pub/secret/kid"),
		ev(proto.EventNodeDeleted, "/pub/secret/kid"),
		ev(proto.EventNodeChildrenChanged, "/pub"),
		ev(proto.EventNodeCreated, "/pub/open"),
		ev(proto.EventNodeChildrenChanged, "/pub"),
	)
}

// The same watch kinds through go-zookeeper's channels.
func TestWatchesThroughGoZK(t *testing.T) {
	s := start(t)
	c, _ := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	ok, _, existCh, err := c.ExistsW("/g")
	if err != nil || ok {
		t.Fatalf("ExistsW: %v %v", ok, err)
	}
	if _, err := c.Create("/g", []byte("1"), 0, acl); err != nil {
		t.Fatal(err)
	}
	if e := waitEvent(t, existCh); e.Type != zk.EventNodeCreated || e.Path != "/g" {
		t.Fatalf("exist watch %+v", e)
	}
	_, _, dataCh, err := c.GetW("/g")
	if err != nil {
		t.Fatal(err)
	}
	_, _, childCh, err := c.ChildrenW("/g")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/g/k", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	if e := waitEvent(t, childCh); e.Type != zk.EventNodeChildrenChanged || e.Path != "/g" {
		t.Fatalf("child watch %+v", e)
	}
	if err := c.Delete("/g/k", -1); err != nil {
		t.Fatal(err)
	}
	_, _, childCh, err = c.ChildrenW("/g")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("/g", -1); err != nil {
		t.Fatal(err)
	}
	// One NodeDeleted from the server; go-zk fans it out to both channels.
	if e := waitEvent(t, dataCh); e.Type != zk.EventNodeDeleted || e.Path != "/g" {
		t.Fatalf("data watch %+v", e)
	}
	if e := waitEvent(t, childCh); e.Type != zk.EventNodeDeleted || e.Path != "/g" {
		t.Fatalf("child watch %+v", e)
	}
}

// A txn's notifications reach a connection together: a ping answered while
// the txn fires its watches comes before all of them or after all of them,
// never between two. (A client may ping to collect a txn's events.)
func TestPingNeverSplitsATxnsNotifications(t *testing.T) {
	s := start(t)
	w := dial(t, s.Addr)
	wr := dial(t, s.Addr)
	const n = 200
	var ops []proto.MultiOp
	for round := 0; round < 5; round++ {
		ops = ops[:0]
		for i := 0; i < n; i++ {
			p := "/p" + itoa(int32(i))
			wr.ok(proto.OpCreate, createBody(p, nil, openACL, 0))
			w.ok(proto.OpExists, pathWatch(p, true))
			ops = append(ops, proto.MultiOp{Type: proto.OpDelete, Path: b(p), Version: -1})
		}
		w.log = nil
		// Pings stream in while one multi deletes every watched node.
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if w.Send(proto.XidPing, proto.OpPing, nil) != nil {
					return
				}
				time.Sleep(20 * time.Microsecond)
			}
		}()
		wr.ok(proto.OpMulti, multiBody(ops...))
		for got := 0; got < n; {
			_, isReply, err := w.readOne(5 * time.Second)
			if err != nil {
				t.Fatalf("round %d: reading after %d events: %v", round, got, err)
			}
			if !isReply {
				got++
			}
		}
		close(stop)
		<-done
		// The pings answered while the events came are before the first
		// event or after the last one.
		first, last := -1, -1
		for i, l := range w.log {
			if strings.HasPrefix(l, "e") {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		for i := first; i <= last; i++ {
			if !strings.HasPrefix(w.log[i], "e") {
				t.Fatalf("round %d: %s arrived between two notifications of one txn (frame %d of %d..%d)", round, w.log[i], i, first, last)
			}
		}
		// Collect the remaining ping replies before the next round.
		if err := w.Send(w.next(), proto.OpSync, pathOnly("/")); err != nil {
			t.Fatal(err)
		}
		for {
			rep, isReply, err := w.readOne(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if isReply && rep.Hdr.Xid == w.xid {
				break
			}
		}
	}
}
