package e2e

// Stat bookkeeping (PROTOCOL.md §7) and the nodes of a fresh server (§13).

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

func (c *rc) stat(path string) proto.Stat {
	c.t.Helper()
	return decStat(c.t, c.ok(proto.OpExists, pathWatch(path, false)).Body)
}

func TestFreshServerSystemNodes(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	want := map[string]proto.Stat{
		"/":                 {Cversion: -1, NumChildren: 1},
		"/zookeeper":        {Cversion: -2, NumChildren: 2},
		"/zookeeper/quota":  {},
		"/zookeeper/config": {Aversion: -1},
	}
	for p, w := range want {
		got := c.stat(p)
		if p == "/zookeeper/config" && ensembleRole() != "" {
			// An ensemble member writes its membership there when it
			// loads the database (outside the log): version -1, mzxid 0,
			// mtime that moment.
			w.Version, w.DataLength = -1, got.DataLength
			if got.Mtime <= 0 {
				t.Errorf("stat %s: mtime %d, want the time the membership was written", p, got.Mtime)
			}
			w.Mtime = got.Mtime
		}
		if got != w {
			t.Errorf("stat %s = %+v, want %+v", p, got, w)
		}
	}
	kids := func(p string) []string {
		return names(dec[proto.GetChildrenResponse](t, c.ok(proto.OpGetChildren, pathWatch(p, false)).Body).Children)
	}
	if got := kids("/"); !eqStrings(got, []string{"zookeeper"}) {
		t.Errorf("children of / %q", got)
	}
	if got := kids("/zookeeper"); !eqStrings(got, []string{"config", "quota"}) {
		t.Errorf("children of /zookeeper %q", got)
	}
	acls := map[string][]proto.ACL{
		"/":                 openACL,
		"/zookeeper":        openACL,
		"/zookeeper/quota":  openACL,
		"/zookeeper/config": readACL,
	}
	for p, w := range acls {
		got := dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly(p)).Body)
		if len(got.ACL) != 1 || got.ACL[0] != w[0] {
			t.Errorf("ACL of %s = %+v, want %+v", p, got.ACL, w)
		}
	}
	// The config node is read-only to everyone; its data is empty on a
	// plain standalone server and the membership on an ensemble member.
	cfg := dec[proto.GetDataResponse](t, c.ok(proto.OpGetData, pathWatch("/zookeeper/config", false)).Body)
	if ensembleRole() == "" && len(cfg.Data) != 0 {
		t.Errorf("/zookeeper/config data %q", cfg.Data)
	}
	if ensembleRole() != "" {
		checkMembership(t, string(cfg.Data))
		if int(cfg.Stat.DataLength) != len(cfg.Data) {
			t.Errorf("/zookeeper/config dataLength %d for %d bytes", cfg.Stat.DataLength, len(cfg.Data))
		}
	}
	c.fails(proto.OpSetData, setDataBody("/zookeeper/config", b("x"), -1), proto.ErrNoAuth)
	// Children under /zookeeper may be created (ACL permits).
	c.ok(proto.OpCreate, createBody("/zookeeper/mine", nil, openACL, 0))
	c.ok(proto.OpDelete, deleteBody("/zookeeper/mine", -1))
	// The system nodes cannot be deleted.
	for _, p := range []string{"/zookeeper/quota", "/zookeeper/config", "/zookeeper", "/"} {
		c.fails(proto.OpDelete, deleteBody(p, -1), proto.ErrBadArguments)
	}
}

// cversion as clients see it is 2*creations - numChildren, i.e. creations
// plus deletions; pzxid follows the last child create or delete; the parent's
// mzxid, mtime and version do not move.
func TestParentStatBookkeeping(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	pz := c.ok(proto.OpCreate, createBody("/p", b("x"), openACL, 0)).Hdr.Zxid
	p0 := c.stat("/p")
	var zs []int64
	for _, n := range []string{"a", "b", "c"} {
		zs = append(zs, c.ok(proto.OpCreate, createBody("/p/"+n, nil, openACL, 0)).Hdr.Zxid)
	}
	st := c.stat("/p")
	if st.Cversion != 3 || st.NumChildren != 3 || st.Pzxid != zs[2] {
		t.Fatalf("after 3 creates: %+v", st)
	}
	if st.Mzxid != pz || st.Mtime != p0.Mtime || st.Version != 0 || st.Czxid != pz {
		t.Fatalf("child creates touched the parent's own fields: %+v", st)
	}
	dz := c.ok(proto.OpDelete, deleteBody("/p/b", -1)).Hdr.Zxid
	st = c.stat("/p")
	if st.Cversion != 4 || st.NumChildren != 2 || st.Pzxid != dz {
		t.Fatalf("after delete: cversion %d numChildren %d pzxid %#x, want 4, 2, %#x", st.Cversion, st.NumChildren, st.Pzxid, dz)
	}
	// Re-creating a deleted name counts as another creation.
	z := c.ok(proto.OpCreate, createBody("/p/b", nil, openACL, 0)).Hdr.Zxid
	st = c.stat("/p")
	if st.Cversion != 5 || st.NumChildren != 3 || st.Pzxid != z {
		t.Fatalf("after re-create: %+v", st)
	}
	for _, n := range []string{"a", "b", "c"} {
		z = c.ok(proto.OpDelete, deleteBody("/p/"+n, -1)).Hdr.Zxid
	}
	st = c.stat("/p")
	if st.Cversion != 8 || st.NumChildren != 0 || st.Pzxid != z {
		t.Fatalf("after deleting all: %+v", st)
	}
	// setData on a child does not touch the parent; neither does setACL.
	c.ok(proto.OpCreate, createBody("/p/d", nil, openACL, 0))
	before := c.stat("/p")
	c.ok(proto.OpSetData, setDataBody("/p/d", b("new"), -1))
	c.ok(proto.OpSetACL, setACLBody("/p/d", openACL, -1))
	if after := c.stat("/p"); after != before {
		t.Fatalf("child setData/setACL changed the parent: %+v -> %+v", before, after)
	}
	// The root: fresh cversion -1 (one child, no creations); each create
	// under it adds one and moves pzxid.
	z = c.ok(proto.OpCreate, createBody("/q", nil, openACL, 0)).Hdr.Zxid
	root := c.stat("/")
	if root.Cversion != 1 || root.NumChildren != 3 || root.Pzxid != z || root.Mzxid != 0 {
		t.Fatalf("root after two creates: %+v", root)
	}
	z = c.ok(proto.OpDelete, deleteBody("/q", -1)).Hdr.Zxid
	root = c.stat("/")
	if root.Cversion != 2 || root.NumChildren != 2 || root.Pzxid != z {
		t.Fatalf("root after a delete: %+v", root)
	}
}

// setACL bumps aversion only; setData bumps version, mzxid and mtime only.
func TestNodeStatBookkeeping(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	cz := c.ok(proto.OpCreate, createBody("/n", b("1"), openACL, 0)).Hdr.Zxid
	orig := c.stat("/n")
	az := c.ok(proto.OpSetACL, setACLBody("/n", openACL, 0)).Hdr.Zxid
	st := c.stat("/n")
	want := orig
	want.Aversion = 1
	if st != want || az != cz+1 {
		t.Fatalf("after setACL %+v, want %+v", st, want)
	}
	mz := c.ok(proto.OpSetData, setDataBody("/n", b("22"), 0)).Hdr.Zxid
	st = c.stat("/n")
	if st.Version != 1 || st.Mzxid != mz || st.DataLength != 2 || st.Aversion != 1 || st.Czxid != cz || st.Pzxid != cz || st.Cversion != 0 {
		t.Fatalf("after setData %+v", st)
	}
	// A child create moves pzxid but not mzxid.
	kz := c.ok(proto.OpCreate, createBody("/n/k", nil, openACL, 0)).Hdr.Zxid
	st = c.stat("/n")
	if st.Pzxid != kz || st.Mzxid != mz {
		t.Fatalf("after child create %+v", st)
	}
}

// ephemeralOwner is the session id for ephemerals and 0 for persistent,
// container and TTL nodes (ZooKeeper's internal markers are hidden).
func TestEphemeralOwnerMasking(t *testing.T) {
	s := serve(t, opts{ExtendedTypes: true})
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/persistent", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/eph", nil, openACL, proto.FlagEphemeral))
	r := c.ok(proto.OpCreateContainer, createBody("/container", nil, openACL, proto.FlagContainer))
	if st := dec[proto.Create2Response](t, r.Body).Stat; st.EphemeralOwner != 0 {
		t.Fatalf("container create2 stat owner %#x", st.EphemeralOwner)
	}
	r = c.ok(proto.OpCreateTTL, createTTLBody("/ttl", nil, openACL, proto.FlagPersistentWithTTL, 1<<30))
	if st := dec[proto.Create2Response](t, r.Body).Stat; st.EphemeralOwner != 0 {
		t.Fatalf("TTL create2 stat owner %#x", st.EphemeralOwner)
	}
	want := map[string]int64{"/persistent": 0, "/eph": c.SessionID, "/container": 0, "/ttl": 0}
	for p, w := range want {
		if got := c.stat(p).EphemeralOwner; got != w {
			t.Errorf("%s ephemeralOwner %#x, want %#x", p, got, w)
		}
		got := dec[proto.GetDataResponse](t, c.ok(proto.OpGetData, pathWatch(p, false)).Body).Stat.EphemeralOwner
		if got != w {
			t.Errorf("%s getData ephemeralOwner %#x, want %#x", p, got, w)
		}
	}
	// Through go-zookeeper as well.
	gc, _ := connect(t, s.Addr)
	for p, w := range want {
		_, st, err := gc.Exists(p)
		if err != nil || st.EphemeralOwner != w {
			t.Errorf("go-zk exists %s: owner %#x err %v, want %#x", p, st.EphemeralOwner, err, w)
		}
	}
	// Containers and TTL nodes may have children (they are not ephemeral).
	c.ok(proto.OpCreate, createBody("/container/kid", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/ttl/kid", nil, openACL, 0))
}

// The same bookkeeping observed through go-zookeeper's Stat.
func TestStatThroughGoZK(t *testing.T) {
	s := start(t)
	c, _ := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.Create("/g", []byte("abc"), 0, acl); err != nil {
		t.Fatal(err)
	}
	_, st, err := c.Get("/g")
	if err != nil || st.Version != 0 || st.DataLength != 3 || st.Czxid != st.Mzxid || st.Czxid != st.Pzxid || st.Ctime != st.Mtime {
		t.Fatalf("fresh: %+v %v", st, err)
	}
	st2, err := c.Set("/g", []byte("de"), 0)
	if err != nil || st2.Version != 1 || st2.Mzxid <= st.Mzxid || st2.Czxid != st.Czxid || st2.DataLength != 2 {
		t.Fatalf("set: %+v %v", st2, err)
	}
	st3, err := c.SetACL("/g", zk.WorldACL(zk.PermRead|zk.PermCreate|zk.PermDelete|zk.PermAdmin), 0)
	if err != nil || st3.Aversion != 1 || st3.Mzxid != st2.Mzxid || st3.Version != 1 {
		t.Fatalf("setACL: %+v %v", st3, err)
	}
	acls, st4, err := c.GetACL("/g")
	if err != nil || len(acls) != 1 || acls[0].Perms != zk.PermRead|zk.PermCreate|zk.PermDelete|zk.PermAdmin || *st4 != *st3 {
		t.Fatalf("getACL: %+v %+v %v", acls, st4, err)
	}
	for _, n := range []string{"a", "b"} {
		if _, err := c.Create("/g/"+n, nil, 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Delete("/g/a", 0); err != nil {
		t.Fatal(err)
	}
	kids, st5, err := c.Children("/g")
	if err != nil || len(kids) != 1 || kids[0] != "b" || st5.Cversion != 3 || st5.NumChildren != 1 {
		t.Fatalf("children: %q %+v %v", kids, st5, err)
	}
	_, root, err := c.Exists("/")
	if err != nil || root.Cversion != 0 || root.NumChildren != 2 {
		t.Fatalf("root: %+v %v", root, err)
	}
}

// checkMembership checks an ensemble's membership as ZooKeeper prints it
// (in /zookeeper/config and after conf's "membership: " line): the test
// ensembles' 3 voters and, for the observer target, 1 observer on
// 127.0.0.1, then the static configuration's version.
func checkMembership(t testing.TB, m string) {
	t.Helper()
	var want []string
	for i := 1; i <= 3; i++ {
		want = append(want, `server\.`+strconv.Itoa(i)+`=127\.0\.0\.1:\d+:\d+:participant`)
	}
	if ensembleRole() == "observer" {
		want = append(want, `server\.4=127\.0\.0\.1:\d+:\d+:observer`)
	}
	want = append(want, `version=0`)
	if !regexp.MustCompile(`^` + strings.Join(want, `\n`) + `$`).MatchString(m) {
		t.Errorf("membership %q, want lines matching %q", m, want)
	}
}
