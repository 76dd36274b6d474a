package e2e

// Sequential names (PROTOCOL.md §8).

import (
	"fmt"
	"testing"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

func seqName(prefix string, n int) string { return fmt.Sprintf("%s%010d", prefix, n) }

func (c *rc) createPath(op proto.OpCode, body []byte) string {
	c.t.Helper()
	rep := c.ok(op, body)
	if op == proto.OpCreate {
		return string(dec[proto.CreateResponse](c.t, rep.Body).Path)
	}
	return string(dec[proto.Create2Response](c.t, rep.Body).Path)
}

// The suffix is the parent's child-creation counter before the create:
// plain creates bump it, deletes never lower it, and every sequential mode
// shares it.
func TestSequentialCounterFromParentCreations(t *testing.T) {
	s := serve(t, opts{ExtendedTypes: true})
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/q", nil, openACL, 0))
	if p := c.createPath(proto.OpCreate, createBody("/q/s-", nil, openACL, proto.FlagPersistentSequential)); p != seqName("/q/s-", 0) {
		t.Fatalf("first sequential: %q", p)
	}
	c.ok(proto.OpCreate, createBody("/q/plain1", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/q/plain2", nil, openACL, 0))
	if p := c.createPath(proto.OpCreate, createBody("/q/s-", nil, openACL, proto.FlagPersistentSequential)); p != seqName("/q/s-", 3) {
		t.Fatalf("after two plain creates: %q, want suffix 3", p)
	}
	c.ok(proto.OpDelete, deleteBody("/q/plain1", -1))
	c.ok(proto.OpDelete, deleteBody("/q/plain2", -1))
	if p := c.createPath(proto.OpCreate2, createBody("/q/e-", nil, openACL, proto.FlagEphemeralSequential)); p != seqName("/q/e-", 4) {
		t.Fatalf("ephemeral sequential after deletes: %q, want suffix 4", p)
	}
	if p := c.createPath(proto.OpCreateTTL, createTTLBody("/q/t-", nil, openACL, proto.FlagPersistentSequentialWithTTL, 100000)); p != seqName("/q/t-", 5) {
		t.Fatalf("TTL sequential: %q, want suffix 5", p)
	}
	// A failed create does not bump the counter.
	c.fails(proto.OpCreate, createBody("/q/plain1/x", nil, openACL, 0), proto.ErrNoNode)
	c.fails(proto.OpCreate, createBody("/q/bad-", nil, []proto.ACL{}, proto.FlagPersistentSequential), proto.ErrInvalidACL)
	if p := c.createPath(proto.OpCreate, createBody("/q/", nil, openACL, proto.FlagPersistentSequential)); p != seqName("/q/", 6) {
		t.Fatalf("\"/q/\" + sequence: %q, want suffix 6", p)
	}
	// Counters are per parent.
	c.ok(proto.OpCreate, createBody("/r", nil, openACL, 0))
	if p := c.createPath(proto.OpCreate, createBody("/r/x", nil, openACL, proto.FlagPersistentSequential)); p != seqName("/r/x", 0) {
		t.Fatalf("other parent: %q", p)
	}
	// The client-visible cversion is not the counter: 7 creations, 2
	// deletions, 5 children.
	st := c.stat("/q")
	if st.Cversion != 9 || st.NumChildren != 5 {
		t.Fatalf("/q stat %+v", st)
	}
	// The sequence node is a normal child: its name includes the suffix.
	kids := names(dec[proto.GetChildrenResponse](t, c.ok(proto.OpGetChildren, pathWatch("/q", false)).Body).Children)
	want := []string{"0000000006", "e-0000000004", "s-0000000000", "s-0000000003", "t-0000000005"}
	if !eqStrings(kids, want) {
		t.Fatalf("children %q, want %q", kids, want)
	}
}

// The root's counter: a fresh root has /zookeeper but no creations.
func TestSequentialUnderRoot(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	if p := c.createPath(proto.OpCreate, createBody("/s", nil, openACL, proto.FlagPersistentSequential)); p != seqName("/s", 0) {
		t.Fatalf("sequential under a fresh root: %q", p)
	}
	if p := c.createPath(proto.OpCreate, createBody("/", nil, openACL, proto.FlagPersistentSequential)); p != seqName("/", 1) {
		t.Fatalf("\"/\" + sequence: %q", p)
	}
}

// A sequential name that collides with an existing node is NodeExists; a
// failed create does not bump the counter, so it keeps colliding until
// another creation moves the counter on.
func TestSequentialCollision(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/q", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/q/x0000000001", nil, openACL, 0))
	c.fails(proto.OpCreate, createBody("/q/x", nil, openACL, proto.FlagPersistentSequential), proto.ErrNodeExists)
	c.fails(proto.OpCreate, createBody("/q/x", nil, openACL, proto.FlagPersistentSequential), proto.ErrNodeExists)
	c.ok(proto.OpCreate, createBody("/q/other", nil, openACL, 0))
	if p := c.createPath(proto.OpCreate, createBody("/q/x", nil, openACL, proto.FlagPersistentSequential)); p != seqName("/q/x", 2) {
		t.Fatalf("after another creation: %q, want suffix 2", p)
	}
}

// Within one multi, successive sequential creates under one parent get
// successive numbers, and a plain create between them counts too.
func TestSequentialWithinMulti(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/m", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/m/pre", nil, openACL, 0))
	ops := []proto.MultiOp{
		{Type: proto.OpCreate, Path: b("/m/s-"), ACL: openACL, Flags: proto.FlagPersistentSequential},
		{Type: proto.OpCreate, Path: b("/m/s-"), ACL: openACL, Flags: proto.FlagEphemeralSequential},
		{Type: proto.OpCreate, Path: b("/m/plain"), ACL: openACL},
		{Type: proto.OpCreate2, Path: b("/m/s-"), ACL: openACL, Flags: proto.FlagPersistentSequential},
	}
	res := decMulti(t, c.ok(proto.OpMulti, proto.AppendMulti(nil, ops)).Body)
	want := []string{seqName("/m/s-", 1), seqName("/m/s-", 2), "/m/plain", seqName("/m/s-", 4)}
	if len(res) != 4 {
		t.Fatalf("results %+v", res)
	}
	for i := range want {
		if string(res[i].Path) != want[i] {
			t.Fatalf("result %d path %q, want %q", i, res[i].Path, want[i])
		}
	}
	// A failed multi does not consume sequence numbers.
	ops = []proto.MultiOp{
		{Type: proto.OpCreate, Path: b("/m/s-"), ACL: openACL, Flags: proto.FlagPersistentSequential},
		{Type: proto.OpCheck, Path: b("/m"), Version: 99},
	}
	res = decMulti(t, c.ok(proto.OpMulti, proto.AppendMulti(nil, ops)).Body)
	if len(res) != 2 || res[1].Err != proto.ErrBadVersion {
		t.Fatalf("failing multi results %+v", res)
	}
	if p := c.createPath(proto.OpCreate, createBody("/m/s-", nil, openACL, proto.FlagPersistentSequential)); p != seqName("/m/s-", 5) {
		t.Fatalf("after failed multi: %q, want suffix 5", p)
	}
}

func TestSequentialThroughGoZK(t *testing.T) {
	s := start(t)
	c, _ := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.Create("/lock", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		p, err := c.Create("/lock/", nil, zk.FlagEphemeralSequential, acl)
		if err != nil || p != seqName("/lock/", i) {
			t.Fatalf("create %d: %q %v", i, p, err)
		}
	}
	p, err := c.CreateProtectedEphemeralSequential("/lock/n-", nil, acl)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) < 10 || p[len(p)-10:] != "0000000003" {
		t.Fatalf("protected ephemeral sequential %q", p)
	}
}
