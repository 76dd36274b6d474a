package e2e

// setWatches (101) and setWatches2 (105): re-arming watches after a
// reconnect with catch-up events (PROTOCOL.md §11).

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

// setup for the catch-up tests: returns the zxid the "client" last saw.
func setWatchesFixture(t *testing.T, c *rc) int64 {
	for _, p := range []string{"/d", "/same", "/c", "/csame", "/gone", "/e1src"} {
		c.ok(proto.OpCreate, createBody(p, nil, openACL, 0))
	}
	rel := c.ok(proto.OpCreate, createBody("/csame/k", nil, openACL, 0)).Hdr.Zxid
	// Changes after rel.
	c.ok(proto.OpSetData, setDataBody("/d", b("changed"), -1))
	c.ok(proto.OpCreate, createBody("/c/new", nil, openACL, 0))
	c.ok(proto.OpDelete, deleteBody("/gone", -1))
	c.ok(proto.OpCreate, createBody("/e1", nil, openACL, 0))
	return rel
}

func TestSetWatchesCatchUp(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	rel := setWatchesFixture(t, c)
	w := dial(t, s.Addr)
	q := proto.SetWatches{
		RelativeZxid: rel,
		DataWatches:  bs("/d", "/same", "/gone"),
		ExistWatches: bs("/e1", "/e2"),
		ChildWatches: bs("/c", "/csame", "/gone"),
	}
	w.log = nil
	rep := w.ok(proto.OpSetWatches, q.Append(nil))
	if len(rep.Body) != 0 {
		t.Fatalf("setWatches reply body %x", rep.Body)
	}
	// The catch-up events come before the reply, with zxid -1.
	evs := w.takeEvents()
	want := []string{
		ev(proto.EventNodeDataChanged, "/d"),
		ev(proto.EventNodeDeleted, "/gone"),
		ev(proto.EventNodeCreated, "/e1"),
		ev(proto.EventNodeChildrenChanged, "/c"),
		ev(proto.EventNodeDeleted, "/gone"),
	}
	if !evEq(evs, want...) {
		t.Fatalf("catch-up events %v, want %q", evs, want)
	}
	for _, e := range evs {
		if e.Zxid != -1 {
			t.Fatalf("catch-up event %v carries zxid %d, want -1", e, e.Zxid)
		}
	}
	if got := w.log[len(w.log)-1]; got != "r"+itoa(rep.Hdr.Xid) {
		t.Fatalf("frames %q: the reply is not last", w.log)
	}
	expectEvents(t, w)
	// The others were registered and fire on the next change.
	c.ok(proto.OpSetData, setDataBody("/same", b("x"), -1))
	c.ok(proto.OpCreate, createBody("/e2", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/csame/k2", nil, openACL, 0))
	expectEvents(t, w,
		ev(proto.EventNodeDataChanged, "/same"),
		ev(proto.EventNodeCreated, "/e2"),
		ev(proto.EventNodeChildrenChanged, "/csame"),
	)
	// The fired ones were not registered.
	c.ok(proto.OpSetData, setDataBody("/d", b("again"), -1))
	c.ok(proto.OpCreate, createBody("/c/new2", nil, openACL, 0))
	c.ok(proto.OpSetData, setDataBody("/e1", b("x"), -1))
	expectEvents(t, w)
}

// A relative zxid at or past every change registers everything present;
// relative zxid 0 (a client that has seen nothing) fires every present
// data and child watch.
func TestSetWatchesRelativeZxid(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/a", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/a/k", nil, openACL, 0))
	last := lastZxid(t, s.Addr)
	w := dial(t, s.Addr)
	q := proto.SetWatches{RelativeZxid: last, DataWatches: bs("/a"), ChildWatches: bs("/a")}
	w.ok(proto.OpSetWatches, q.Append(nil))
	if evs := w.takeEvents(); len(evs) != 0 {
		t.Fatalf("up-to-date setWatches fired %v", evs)
	}
	w2 := dial(t, s.Addr)
	q.RelativeZxid = 0
	w2.ok(proto.OpSetWatches, q.Append(nil))
	if evs := w2.takeEvents(); !evEq(evs, ev(proto.EventNodeDataChanged, "/a"), ev(proto.EventNodeChildrenChanged, "/a")) {
		t.Fatalf("setWatches from zxid 0 fired %v", evs)
	}
	// Both watches of w are live: deleting /a/k fires the child watch,
	// deleting /a the data watch.
	c.ok(proto.OpDelete, deleteBody("/a/k", -1))
	c.ok(proto.OpDelete, deleteBody("/a", -1))
	expectEvents(t, w, ev(proto.EventNodeChildrenChanged, "/a"), ev(proto.EventNodeDeleted, "/a"))
}

// Java and C send setWatches with xid -8 while priming a connection; the
// reply carries xid -8 and the last zxid.
func TestSetWatchesXidMinus8(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	z := c.ok(proto.OpCreate, createBody("/x", nil, openACL, 0)).Hdr.Zxid
	w := dial(t, s.Addr)
	q := proto.SetWatches{RelativeZxid: z, DataWatches: bs("/x")}
	z = lastZxid(t, s.Addr) // session creation took one more
	if err := w.Send(proto.XidSetWatches, proto.OpSetWatches, q.Append(nil)); err != nil {
		t.Fatal(err)
	}
	rep := w.await(proto.XidSetWatches, proto.OpSetWatches)
	if rep.Hdr.Err != 0 || rep.Hdr.Zxid != z || len(rep.Body) != 0 {
		t.Fatalf("setWatches(-8) reply %+v body %x", rep.Hdr, rep.Body)
	}
	c.ok(proto.OpSetData, setDataBody("/x", nil, -1))
	expectEvents(t, w, ev(proto.EventNodeDataChanged, "/x"))
}

// setWatches2 adds persistent and persistent-recursive watches, which get
// no catch-up event and are registered whether or not the node exists.
func TestSetWatches2(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	rel := setWatchesFixture(t, c)
	w := dial(t, s.Addr)
	q := proto.SetWatches2{
		RelativeZxid:               rel,
		DataWatches:                bs("/d"),
		ExistWatches:               bs("/e2"),
		ChildWatches:               bs("/gone"),
		PersistentWatches:          bs("/c", "/p-missing"),
		PersistentRecursiveWatches: bs("/d", "/r-missing"),
	}
	w.ok(proto.OpSetWatches2, q.Append(nil))
	if evs := w.takeEvents(); !evEq(evs, ev(proto.EventNodeDataChanged, "/d"), ev(proto.EventNodeDeleted, "/gone")) {
		t.Fatalf("setWatches2 catch-up events %v", evs)
	}
	c.ok(proto.OpCreate, createBody("/c/x", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/c/y", nil, openACL, 0))
	c.ok(proto.OpSetData, setDataBody("/c", nil, -1))
	c.ok(proto.OpCreate, createBody("/p-missing", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/d/k", nil, openACL, 0))
	c.ok(proto.OpSetData, setDataBody("/d", nil, -1))
	c.ok(proto.OpCreate, createBody("/r-missing", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/r-missing/k", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/e2", nil, openACL, 0))
	expectEvents(t, w,
		ev(proto.EventNodeChildrenChanged, "/c"),
		ev(proto.EventNodeChildrenChanged, "/c"),
		ev(proto.EventNodeDataChanged, "/c"),
		ev(proto.EventNodeCreated, "/p-missing"),
		ev(proto.EventNodeCreated, "/d/k"),
		ev(proto.EventNodeDataChanged, "/d"),
		ev(proto.EventNodeCreated, "/r-missing"),
		ev(proto.EventNodeCreated, "/r-missing/k"),
		ev(proto.EventNodeCreated, "/e2"),
	)
}

// go-zookeeper re-arms its watches with setWatches (relative to the last
// zxid it saw) when it reconnects; changes made while it was away fire then.
func TestGoZKReconnectRestoresWatches(t *testing.T) {
	s := start(t)
	d := &gatedDialer{}
	g, _ := connect(t, s.Addr, zk.WithDialer(d.dial))
	c := dial(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	for _, p := range []string{"/d", "/c", "/same"} {
		if _, err := g.Create(p, nil, 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	_, _, dataCh, err := g.GetW("/d")
	if err != nil {
		t.Fatal(err)
	}
	_, _, childCh, err := g.ChildrenW("/c")
	if err != nil {
		t.Fatal(err)
	}
	_, _, existCh, err := g.ExistsW("/new")
	if err != nil {
		t.Fatal(err)
	}
	_, _, sameCh, err := g.GetW("/same")
	if err != nil {
		t.Fatal(err)
	}
	sid := g.SessionID()
	d.cut() // drop the connection and hold back the redial
	c.ok(proto.OpSetData, setDataBody("/d", b("while away"), -1))
	c.ok(proto.OpCreate, createBody("/c/k", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/new", nil, openACL, 0))
	d.release()
	if e := waitEvent(t, dataCh); e.Type != zk.EventNodeDataChanged || e.Path != "/d" {
		t.Fatalf("data watch after reconnect %+v", e)
	}
	if e := waitEvent(t, childCh); e.Type != zk.EventNodeChildrenChanged || e.Path != "/c" {
		t.Fatalf("child watch after reconnect %+v", e)
	}
	if e := waitEvent(t, existCh); e.Type != zk.EventNodeCreated || e.Path != "/new" {
		t.Fatalf("exist watch after reconnect %+v", e)
	}
	if g.SessionID() != sid {
		t.Fatalf("session changed on reconnect: %#x -> %#x", sid, g.SessionID())
	}
	noEvent(t, sameCh, quiet)
	c.ok(proto.OpSetData, setDataBody("/same", b("now"), -1))
	if e := waitEvent(t, sameCh); e.Type != zk.EventNodeDataChanged || e.Path != "/same" {
		t.Fatalf("re-registered watch %+v", e)
	}
}

// gatedDialer dials normally until cut: then it closes the live connection
// and makes further dials wait until release.
type gatedDialer struct {
	mu    sync.Mutex
	conns []net.Conn
	gate  chan struct{}
}

func (d *gatedDialer) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	d.mu.Lock()
	gate := d.gate
	d.mu.Unlock()
	if gate != nil {
		<-gate
	}
	conn, err := net.DialTimeout(network, addr, timeout)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, conn)
		d.mu.Unlock()
	}
	return conn, err
}

func (d *gatedDialer) cut() {
	d.mu.Lock()
	d.gate = make(chan struct{})
	conns := d.conns
	d.conns = nil
	d.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (d *gatedDialer) release() {
	d.mu.Lock()
	close(d.gate)
	d.gate = nil
	d.mu.Unlock()
}
