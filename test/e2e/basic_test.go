package e2e

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestCreateGetSetDelete(t *testing.T) {
	srv := start(t)
	c, _ := connect(t, srv.Addr)
	p, err := c.Create("/a", []byte("hello"), 0, zk.WorldACL(zk.PermAll))
	if err != nil || p != "/a" {
		t.Fatalf("create: %q %v", p, err)
	}
	data, st, err := c.Get("/a")
	if err != nil || string(data) != "hello" || st.Version != 0 || st.DataLength != 5 {
		t.Fatalf("get: %q %+v %v", data, st, err)
	}
	if st.Czxid != st.Mzxid || st.Czxid != st.Pzxid || st.Czxid == 0 {
		t.Fatalf("fresh node zxids: %+v", st)
	}
	st2, err := c.Set("/a", []byte("bye"), 0)
	if err != nil || st2.Version != 1 || st2.Mzxid <= st.Mzxid {
		t.Fatalf("set: %+v %v", st2, err)
	}
	if _, err := c.Set("/a", []byte("x"), 0); err != zk.ErrBadVersion {
		t.Fatalf("set with stale version: %v", err)
	}
	if _, err := c.Create("/a", nil, 0, zk.WorldACL(zk.PermAll)); err != zk.ErrNodeExists {
		t.Fatalf("create existing: %v", err)
	}
	if err := c.Delete("/a", 5); err != zk.ErrBadVersion {
		t.Fatalf("delete bad version: %v", err)
	}
	if err := c.Delete("/a", -1); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, _, err := c.Get("/a"); err != zk.ErrNoNode {
		t.Fatalf("get deleted: %v", err)
	}
}

func TestSequentialAndChildren(t *testing.T) {
	srv := start(t)
	c, _ := connect(t, srv.Addr)
	if _, err := c.Create("/q", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	c.Create("/q/plain", nil, 0, zk.WorldACL(zk.PermAll))
	p1, err := c.Create("/q/item-", nil, zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil || p1 != "/q/item-0000000001" {
		t.Fatalf("seq: %q %v", p1, err)
	}
	kids, st, err := c.Children("/q")
	if err != nil || len(kids) != 2 || st.NumChildren != 2 || st.Cversion != 2 {
		t.Fatalf("children: %v %+v %v", kids, st, err)
	}
}

func TestWatchFiresBeforeReply(t *testing.T) {
	srv := start(t)
	c1, _ := connect(t, srv.Addr)
	c2, _ := connect(t, srv.Addr)
	_, _, ch, err := c1.ExistsW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Create("/w", []byte("1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		if ev.Type != zk.EventNodeCreated || ev.Path != "/w" {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event")
	}
}

func TestEphemeralGoneWithSession(t *testing.T) {
	srv := start(t)
	c1, _ := connect(t, srv.Addr)
	c2, _ := connect(t, srv.Addr)
	if _, err := c1.Create("/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	_, st, err := c2.Exists("/e")
	if err != nil || st.EphemeralOwner != c1.SessionID() {
		t.Fatalf("ephemeral owner: %+v %v", st, err)
	}
	ok, _, ch, _ := c2.ExistsW("/e")
	if !ok {
		t.Fatal("missing")
	}
	c1.Close()
	select {
	case ev := <-ch:
		if ev.Type != zk.EventNodeDeleted {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ephemeral not deleted on close")
	}
}

func TestMulti(t *testing.T) {
	srv := start(t)
	c, _ := connect(t, srv.Addr)
	res, err := c.Multi(
		&zk.CreateRequest{Path: "/m", Data: []byte("x"), Acl: zk.WorldACL(zk.PermAll)},
		&zk.CreateRequest{Path: "/m/c", Acl: zk.WorldACL(zk.PermAll)},
		&zk.SetDataRequest{Path: "/m", Data: []byte("y"), Version: 0},
	)
	if err != nil || len(res) != 3 || res[1].String != "/m/c" {
		t.Fatalf("multi: %+v %v", res, err)
	}
	_, err = c.Multi(
		&zk.CreateRequest{Path: "/n", Acl: zk.WorldACL(zk.PermAll)},
		&zk.CheckVersionRequest{Path: "/m", Version: 7},
	)
	if err != zk.ErrBadVersion {
		t.Fatalf("failing multi: %v", err)
	}
	if ok, _, _ := c.Exists("/n"); ok {
		t.Fatal("failed multi left /n behind")
	}
}
