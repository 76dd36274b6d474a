package e2e

// Containers and TTL nodes (PROTOCOL.md §8): creation rules, the
// extended-types switch, TTL ranges, and reaping.

import (
	"errors"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

func TestCreateContainer(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	lo := nowMs()
	rep := c.ok(proto.OpCreateContainer, createBody("/c", b("data"), openACL, proto.FlagContainer))
	got := dec[proto.Create2Response](t, rep.Body)
	if string(got.Path) != "/c" {
		t.Fatalf("path %q", got.Path)
	}
	freshStat(t, got.Stat, rep.Hdr.Zxid, lo, nowMs(), 4, 0)
	// Containers are available without extended types, can hold any kind of
	// child, and obey the usual create errors.
	c.ok(proto.OpCreate, createBody("/c/p", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/c/e", nil, openACL, proto.FlagEphemeral))
	c.ok(proto.OpCreateContainer, createBody("/c/inner", nil, openACL, proto.FlagContainer))
	c.fails(proto.OpCreateContainer, createBody("/c", nil, openACL, proto.FlagContainer), proto.ErrNodeExists)
	c.fails(proto.OpCreateContainer, createBody("/missing/c", nil, openACL, proto.FlagContainer), proto.ErrNoNode)
	c.fails(proto.OpCreateContainer, createBody("/c2", nil, []proto.ACL{}, proto.FlagContainer), proto.ErrInvalidACL)
	c.fails(proto.OpCreateContainer, createBody("/c2", nil, openACL, 7), proto.ErrBadArguments)
	// go-zookeeper's CreateContainer.
	gc, _ := connect(t, s.Addr)
	p, err := gc.CreateContainer("/gc", []byte("x"), zk.FlagContainer, zk.WorldACL(zk.PermAll))
	if err != nil || p != "/gc" {
		t.Fatalf("CreateContainer: %q %v", p, err)
	}
	_, st, err := gc.Exists("/gc")
	if err != nil || st.EphemeralOwner != 0 || st.DataLength != 1 {
		t.Fatalf("container stat %+v %v", st, err)
	}
}

func TestCreateTTL(t *testing.T) {
	s := serve(t, opts{ExtendedTypes: true})
	c := dial(t, s.Addr)
	lo := nowMs()
	rep := c.ok(proto.OpCreateTTL, createTTLBody("/t", b("ab"), openACL, proto.FlagPersistentWithTTL, 3600000))
	got := dec[proto.Create2Response](t, rep.Body)
	if string(got.Path) != "/t" {
		t.Fatalf("path %q", got.Path)
	}
	freshStat(t, got.Stat, rep.Hdr.Zxid, lo, nowMs(), 2, 0)
	p := c.createPath(proto.OpCreateTTL, createTTLBody("/ts-", nil, openACL, proto.FlagPersistentSequentialWithTTL, 1))
	if len(p) != len("/ts-")+10 {
		t.Fatalf("sequential TTL path %q", p)
	}
	// The largest TTL (2^40-1 ms) is accepted.
	c.ok(proto.OpCreateTTL, createTTLBody("/tmax", nil, openACL, proto.FlagPersistentWithTTL, proto.MaxTTL))
	cases := []struct {
		name  string
		op    proto.OpCode
		body  []byte
		want  proto.Err
		check string
	}{
		{"ttl 0", proto.OpCreateTTL, createTTLBody("/x0", nil, openACL, proto.FlagPersistentWithTTL, 0), proto.ErrBadArguments, "/x0"},
		{"ttl -1", proto.OpCreateTTL, createTTLBody("/x1", nil, openACL, proto.FlagPersistentWithTTL, -1), proto.ErrBadArguments, "/x1"},
		{"ttl 2^40", proto.OpCreateTTL, createTTLBody("/x2", nil, openACL, proto.FlagPersistentWithTTL, proto.MaxTTL+1), proto.ErrBadArguments, "/x2"},
		{"sequential ttl 0", proto.OpCreateTTL, createTTLBody("/x3", nil, openACL, proto.FlagPersistentSequentialWithTTL, 0), proto.ErrBadArguments, ""},
		{"createTTL with persistent mode", proto.OpCreateTTL, createTTLBody("/x4", nil, openACL, proto.FlagPersistent, 1000), proto.ErrBadArguments, "/x4"},
		{"createTTL with persistent mode and ttl 0", proto.OpCreateTTL, createTTLBody("/x4", nil, openACL, proto.FlagPersistent, 0), proto.ErrBadArguments, "/x4"},
		{"createTTL with ephemeral mode", proto.OpCreateTTL, createTTLBody("/x5", nil, openACL, proto.FlagEphemeral, 1000), proto.ErrBadArguments, "/x5"},
		{"createTTL with container mode", proto.OpCreateTTL, createTTLBody("/x6", nil, openACL, proto.FlagContainer, 1000), proto.ErrBadArguments, "/x6"},
		{"createTTL with bad flags", proto.OpCreateTTL, createTTLBody("/x7", nil, openACL, 7, 1000), proto.ErrBadArguments, "/x7"},
		{"bad ttl wins over missing parent", proto.OpCreateTTL, createTTLBody("/missing/x", nil, openACL, proto.FlagPersistentWithTTL, 0), proto.ErrBadArguments, ""},
		{"missing parent", proto.OpCreateTTL, createTTLBody("/missing/x", nil, openACL, proto.FlagPersistentWithTTL, 10), proto.ErrNoNode, ""},
		{"exists", proto.OpCreateTTL, createTTLBody("/t", nil, openACL, proto.FlagPersistentWithTTL, 10), proto.ErrNodeExists, ""},
		{"TTL mode with opcode create", proto.OpCreate, createBody("/x8", nil, openACL, proto.FlagPersistentWithTTL), proto.ErrBadArguments, "/x8"},
		{"TTL mode with opcode create2", proto.OpCreate2, createBody("/x9", nil, openACL, proto.FlagPersistentSequentialWithTTL), proto.ErrBadArguments, ""},
	}
	for _, tc := range cases {
		rep := c.call(tc.op, tc.body)
		if proto.Err(rep.Hdr.Err) != tc.want || len(rep.Body) != 0 {
			t.Errorf("%s: err %v, want %v", tc.name, proto.Err(rep.Hdr.Err), tc.want)
		}
		if tc.check != "" {
			if rep := c.call(proto.OpExists, pathWatch(tc.check, false)); proto.Err(rep.Hdr.Err) != proto.ErrNoNode {
				t.Errorf("%s: %s exists after a failed create", tc.name, tc.check)
			}
		}
	}
	// go-zookeeper's CreateTTL.
	gc, _ := connect(t, s.Addr)
	gp, err := gc.CreateTTL("/gt", nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), time.Hour)
	if err != nil || gp != "/gt" {
		t.Fatalf("CreateTTL: %q %v", gp, err)
	}
	if _, err := gc.CreateTTL("/gt0", nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), 0); !errors.Is(err, zk.ErrBadArguments) {
		t.Fatalf("CreateTTL ttl 0: %v", err)
	}
}

// With extended types disabled, every TTL create is Unimplemented, even
// one whose ttl is out of range; containers still work.
func TestTTLDisabled(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	for _, tc := range []struct {
		flags int32
		ttl   int64
	}{
		{proto.FlagPersistentWithTTL, 1000},
		{proto.FlagPersistentSequentialWithTTL, 1000},
		{proto.FlagPersistentWithTTL, 0},
		{proto.FlagPersistentWithTTL, -5},
	} {
		c.fails(proto.OpCreateTTL, createTTLBody("/t", nil, openACL, tc.flags, tc.ttl), proto.ErrUnimplemented)
	}
	c.fails(proto.OpCreate, createBody("/t", nil, openACL, proto.FlagPersistentWithTTL), proto.ErrUnimplemented)
	c.fails(proto.OpCreate2, createBody("/t", nil, openACL, proto.FlagPersistentSequentialWithTTL), proto.ErrUnimplemented)
	// Bad flags are checked before the switch.
	c.fails(proto.OpCreateTTL, createTTLBody("/t", nil, openACL, 9, 1000), proto.ErrBadArguments)
	ops := []proto.MultiOp{{Type: proto.OpCreateTTL, Path: b("/t"), ACL: openACL, Flags: proto.FlagPersistentWithTTL, TTL: 1000}}
	res := decMulti(t, c.ok(proto.OpMulti, proto.AppendMulti(nil, ops)).Body)
	if len(res) != 1 || res[0].Type != proto.OpError || res[0].Err != proto.ErrUnimplemented {
		t.Fatalf("TTL create in a multi while disabled: %+v", res)
	}
	c.fails(proto.OpExists, pathWatch("/t", false), proto.ErrNoNode)
	c.ok(proto.OpCreateContainer, createBody("/c", nil, openACL, proto.FlagContainer))
}

// A container is deleted once its last child is gone, by a deleteContainer
// txn that fires watches like any delete; a container that never had a
// child stays.
func TestContainerReaping(t *testing.T) {
	s := serve(t, opts{ContainerInterval: 100 * time.Millisecond})
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreateContainer, createBody("/c", nil, openACL, proto.FlagContainer))
	c.ok(proto.OpCreateContainer, createBody("/never", nil, openACL, proto.FlagContainer))
	c.ok(proto.OpCreate, createBody("/c/kid", nil, openACL, 0))
	c.ok(proto.OpCreateContainer, createBody("/c/sub", nil, openACL, proto.FlagContainer))
	c.ok(proto.OpCreate, createBody("/c/sub/leaf", nil, openACL, proto.FlagEphemeral))
	time.Sleep(400 * time.Millisecond)
	c.stat("/c") // still there: it has children
	w.ok(proto.OpExists, pathWatch("/c", true))
	w.ok(proto.OpGetChildren, pathWatch("/", true))
	c.ok(proto.OpDelete, deleteBody("/c/kid", -1))
	// Removing the leaf empties /c/sub; reaping /c/sub empties /c.
	dz := c.ok(proto.OpDelete, deleteBody("/c/sub/leaf", -1)).Hdr.Zxid
	evs := w.waitEvents(2)
	if evs[0].Type != proto.EventNodeDeleted || evs[0].Path != "/c" ||
		evs[1].Type != proto.EventNodeChildrenChanged || evs[1].Path != "/" {
		t.Fatalf("reaping events %v, want NodeDeleted /c then NodeChildrenChanged /", evs)
	}
	c.fails(proto.OpExists, pathWatch("/c", false), proto.ErrNoNode)
	// Reaping is a txn: the two container deletes consumed zxids.
	if z := lastZxid(t, s.Addr); z != dz+2 {
		t.Fatalf("last zxid %#x after reaping two containers, want %#x", z, dz+2)
	}
	// The never-used container is left alone.
	time.Sleep(300 * time.Millisecond)
	c.stat("/never")
}

// A TTL node is deleted once it has had no children and no setData for
// its TTL; children keep it alive.
func TestTTLReaping(t *testing.T) {
	s := serve(t, opts{ExtendedTypes: true, ContainerInterval: 100 * time.Millisecond})
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreateTTL, createTTLBody("/short", nil, openACL, proto.FlagPersistentWithTTL, 300))
	c.ok(proto.OpCreateTTL, createTTLBody("/parent", nil, openACL, proto.FlagPersistentWithTTL, 300))
	c.ok(proto.OpCreate, createBody("/parent/kid", nil, openACL, 0))
	c.ok(proto.OpCreateTTL, createTTLBody("/long", nil, openACL, proto.FlagPersistentWithTTL, 3600000))
	w.ok(proto.OpGetData, pathWatch("/short", true))
	created := time.Now()
	evs := w.waitEvents(1)
	if evs[0].Type != proto.EventNodeDeleted || evs[0].Path != "/short" {
		t.Fatalf("events %v", evs)
	}
	if e := time.Since(created); e < 250*time.Millisecond {
		t.Fatalf("TTL node deleted after %v, before its 300 ms TTL", e)
	}
	time.Sleep(400 * time.Millisecond)
	c.stat("/parent")
	c.stat("/long")
	// Once the child goes, the parent's TTL (long expired) applies.
	w.ok(proto.OpExists, pathWatch("/parent", true))
	c.ok(proto.OpDelete, deleteBody("/parent/kid", -1))
	evs = w.waitEvents(1)
	if evs[0].Type != proto.EventNodeDeleted || evs[0].Path != "/parent" {
		t.Fatalf("events %v", evs)
	}
	c.stat("/long")
}
