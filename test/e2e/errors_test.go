package e2e

// Error codes of PROTOCOL.md §6 per operation, including which check wins
// when two apply, over the raw protocol; and the same codes as go-zookeeper
// surfaces them.

import (
	"errors"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

// aclNoPerm is an ACL granting everything except perm to everyone.
func aclNoPerm(perm int32) []proto.ACL { return worldACL(proto.PermAll &^ perm) }

func TestCreateErrors(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/nocreate", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/nocreate/exists", nil, openACL, 0))
	c.ok(proto.OpSetACL, setACLBody("/nocreate", aclNoPerm(proto.PermCreate), -1))
	c.ok(proto.OpCreate, createBody("/eph", nil, openACL, proto.FlagEphemeral))

	cases := []struct {
		name  string
		op    proto.OpCode
		body  []byte
		want  proto.Err
		check string // a path that must not exist afterwards
	}{
		{"flags 7", proto.OpCreate, createBody("/p/f7", nil, openACL, 7), proto.ErrBadArguments, "/p/f7"},
		{"flags -1", proto.OpCreate, createBody("/p/fm1", nil, openACL, -1), proto.ErrBadArguments, "/p/fm1"},
		{"flags 1000 create2", proto.OpCreate2, createBody("/p/f1000", nil, openACL, 1000), proto.ErrBadArguments, "/p/f1000"},
		{"bad flags win over missing parent and bad ACL", proto.OpCreate, createBody("/missing/x", nil, nil, 9), proto.ErrBadArguments, ""},
		{"no slash", proto.OpCreate, createBody("abc", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"empty path", proto.OpCreate, createBody("", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"NUL in path", proto.OpCreate, createBody("/p/a\x00b", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"empty ACL", proto.OpCreate, createBody("/p/noacl", nil, []proto.ACL{}, 0), proto.ErrInvalidACL, "/p/noacl"},
		{"null ACL", proto.OpCreate, createNullACL("/p/nullacl"), proto.ErrInvalidACL, "/p/nullacl"},
		{"invalid ACL wins over missing parent", proto.OpCreate, createBody("/missing/x", nil, []proto.ACL{}, 0), proto.ErrInvalidACL, ""},
		{"missing parent", proto.OpCreate, createBody("/missing/x", nil, openACL, 0), proto.ErrNoNode, ""},
		{"missing parent wins over invalid full path", proto.OpCreate, createBody("/missing/.", nil, openACL, 0), proto.ErrNoNode, ""},
		{"no CREATE on parent", proto.OpCreate, createBody("/nocreate/x", nil, openACL, 0), proto.ErrNoAuth, "/nocreate/x"},
		{"NoAuth wins over NodeExists", proto.OpCreate, createBody("/nocreate/exists", nil, openACL, 0), proto.ErrNoAuth, ""},
		{"dot component", proto.OpCreate, createBody("/p/.", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"dotdot component", proto.OpCreate, createBody("/p/..", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"trailing slash", proto.OpCreate, createBody("/p/", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"empty component: parent /p/ is missing", proto.OpCreate, createBody("/p//x", nil, openACL, 0), proto.ErrNoNode, ""},
		{"empty component under root", proto.OpCreate, createBody("//x", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"control char", proto.OpCreate, createBody("/p/a\x01", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"DEL char", proto.OpCreate, createBody("/p/a\x7f", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"C1 control U+0085", proto.OpCreate, createBody("/p/a\u0085", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"private use U+E000", proto.OpCreate, createBody("/p/a\ue000", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"non-BMP char", proto.OpCreate, createBody("/p/a\U0001F600", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"U+FFFF", proto.OpCreate, createBody("/p/a\uffff", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"invalid UTF-8", proto.OpCreate, createBody("/p/a\xff", nil, openACL, 0), proto.ErrBadArguments, ""},
		{"root", proto.OpCreate, createBody("/", nil, openACL, 0), proto.ErrNodeExists, ""},
		{"exists", proto.OpCreate, createBody("/p", nil, openACL, 0), proto.ErrNodeExists, ""},
		{"exists, sequential under ephemeral", proto.OpCreate, createBody("/eph/x", nil, openACL, proto.FlagPersistentSequential), proto.ErrNoChildrenForEphemerals, ""},
		{"child of ephemeral", proto.OpCreate, createBody("/eph/x", nil, openACL, 0), proto.ErrNoChildrenForEphemerals, "/eph/x"},
		{"ephemeral child of ephemeral", proto.OpCreate2, createBody("/eph/y", nil, openACL, proto.FlagEphemeral), proto.ErrNoChildrenForEphemerals, "/eph/y"},
		{"TTL flag on create", proto.OpCreate, createBody("/p/ttl", nil, openACL, proto.FlagPersistentWithTTL), proto.ErrUnimplemented, "/p/ttl"},
		{"createTTL while extended types are off", proto.OpCreateTTL, createTTLBody("/p/ttl", nil, openACL, proto.FlagPersistentWithTTL, 1000), proto.ErrUnimplemented, "/p/ttl"},
	}
	for _, tc := range cases {
		rep := c.call(tc.op, tc.body)
		if proto.Err(rep.Hdr.Err) != tc.want || len(rep.Body) != 0 {
			t.Errorf("%s: err %v body %x, want %v and no body", tc.name, proto.Err(rep.Hdr.Err), rep.Body, tc.want)
		}
		if tc.check != "" {
			if rep := c.call(proto.OpExists, pathWatch(tc.check, false)); proto.Err(rep.Hdr.Err) != proto.ErrNoNode {
				t.Errorf("%s: %s exists after a failed create", tc.name, tc.check)
			}
		}
	}
	// Valid unusual names are fine.
	for _, p := range []string{"/p/.a", "/p/..a", "/p/a.", "/p/with space", "/p/\u00e9t\u00e9", "/p/\u4e2d"} {
		rep := c.ok(proto.OpCreate, createBody(p, nil, openACL, 0))
		if got := dec[proto.CreateResponse](t, rep.Body); string(got.Path) != p {
			t.Fatalf("created %q, answered %q", p, got.Path)
		}
	}
}

// createNullACL is a CreateRequest whose ACL vector is null (count -1).
func createNullACL(path string) []byte {
	body := proto.AppendString(nil, path)
	body = proto.AppendBuffer(body, nil, true)
	body = proto.AppendInt(body, -1)
	return proto.AppendInt(body, 0)
}

// Every failed write is a txn: it consumes a zxid.
func TestFailedWritesConsumeZxid(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/x", nil, openACL, 0))
	z := lastZxid(t, s.Addr)
	failures := [][2]any{
		{proto.OpCreate, createBody("/x", nil, openACL, 0)},
		{proto.OpCreate, createBody("/missing/x", nil, openACL, 0)},
		{proto.OpCreate, createBody("/x/.", nil, openACL, 0)},
		{proto.OpDelete, deleteBody("/missing", -1)},
		{proto.OpDelete, deleteBody("/x", 3)},
		{proto.OpSetData, setDataBody("/missing", nil, -1)},
		{proto.OpSetData, setDataBody("/x", nil, 9)},
		{proto.OpSetACL, setACLBody("/missing", openACL, -1)},
		{proto.OpSetACL, setACLBody("/x", []proto.ACL{}, -1)},
	}
	for i, f := range failures {
		rep := c.call(f[0].(proto.OpCode), f[1].([]byte))
		if rep.Hdr.Err == 0 {
			t.Fatalf("failure %d succeeded", i)
		}
		if rep.Hdr.Zxid != z+int64(i)+1 {
			t.Fatalf("failure %d (%v): reply zxid %#x, want %#x", i, proto.Err(rep.Hdr.Err), rep.Hdr.Zxid, z+int64(i)+1)
		}
	}
	// Reads never consume one, failing or not.
	z = lastZxid(t, s.Addr)
	c.fails(proto.OpGetData, pathWatch("/missing", false), proto.ErrNoNode)
	rep := c.ok(proto.OpGetData, pathWatch("/x", false))
	if rep.Hdr.Zxid != z || lastZxid(t, s.Addr) != z {
		t.Fatalf("reads moved the zxid: reply %#x, last %#x, want %#x", rep.Hdr.Zxid, lastZxid(t, s.Addr), z)
	}
}

func TestDeleteErrors(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/p/kid", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/nodel", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/nodel/x", nil, openACL, 0))
	c.ok(proto.OpSetACL, setACLBody("/nodel", aclNoPerm(proto.PermDelete), -1))
	cases := []struct {
		name string
		body []byte
		want proto.Err
	}{
		{"root", deleteBody("/", -1), proto.ErrBadArguments},
		{"/zookeeper", deleteBody("/zookeeper", -1), proto.ErrBadArguments},
		{"/zookeeper/quota", deleteBody("/zookeeper/quota", -1), proto.ErrBadArguments},
		{"/zookeeper/config", deleteBody("/zookeeper/config", -1), proto.ErrBadArguments},
		{"no slash", deleteBody("p", -1), proto.ErrBadArguments},
		{"NUL", deleteBody("/p\x00", -1), proto.ErrBadArguments},
		{"missing parent", deleteBody("/missing/x", -1), proto.ErrNoNode},
		{"no DELETE on parent, node exists", deleteBody("/nodel/x", -1), proto.ErrNoAuth},
		{"no DELETE on parent wins over missing node", deleteBody("/nodel/missing", -1), proto.ErrNoAuth},
		{"missing node", deleteBody("/p/missing", -1), proto.ErrNoNode},
		{"bad version", deleteBody("/p/kid", 1), proto.ErrBadVersion},
		{"bad version wins over not empty", deleteBody("/p", 4), proto.ErrBadVersion},
		{"not empty", deleteBody("/p", -1), proto.ErrNotEmpty},
		{"not empty, right version", deleteBody("/p", 0), proto.ErrNotEmpty},
	}
	for _, tc := range cases {
		rep := c.call(proto.OpDelete, tc.body)
		if proto.Err(rep.Hdr.Err) != tc.want || len(rep.Body) != 0 {
			t.Errorf("delete %s: err %v, want %v", tc.name, proto.Err(rep.Hdr.Err), tc.want)
		}
	}
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config", "/p", "/p/kid", "/nodel/x"} {
		c.ok(proto.OpExists, pathWatch(p, false))
	}
}

func TestSetDataErrors(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/d", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/nowrite", nil, aclNoPerm(proto.PermWrite), 0))
	cases := []struct {
		name string
		body []byte
		want proto.Err
	}{
		{"trailing slash", setDataBody("/d/", nil, -1), proto.ErrBadArguments},
		{"no slash", setDataBody("d", nil, -1), proto.ErrBadArguments},
		{"empty component", setDataBody("//d", nil, -1), proto.ErrBadArguments},
		{"dot", setDataBody("/d/.", nil, -1), proto.ErrBadArguments},
		{"missing", setDataBody("/missing", nil, -1), proto.ErrNoNode},
		{"no WRITE", setDataBody("/nowrite", nil, -1), proto.ErrNoAuth},
		{"NoAuth wins over BadVersion", setDataBody("/nowrite", nil, 7), proto.ErrNoAuth},
		{"bad version", setDataBody("/d", nil, 1), proto.ErrBadVersion},
	}
	for _, tc := range cases {
		rep := c.call(proto.OpSetData, tc.body)
		if proto.Err(rep.Hdr.Err) != tc.want || len(rep.Body) != 0 {
			t.Errorf("setData %s: err %v, want %v", tc.name, proto.Err(rep.Hdr.Err), tc.want)
		}
	}
}

func TestSetACLErrors(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/d", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/noadmin", nil, aclNoPerm(proto.PermAdmin), 0))
	bad := worldACL(0)
	bad[0].ID = "foo"
	cases := []struct {
		name string
		body []byte
		want proto.Err
	}{
		{"invalid path", setACLBody("/d/", openACL, -1), proto.ErrBadArguments},
		{"invalid path wins over bad ACL", setACLBody("d", bad, -1), proto.ErrBadArguments},
		{"bad ACL", setACLBody("/d", bad, -1), proto.ErrInvalidACL},
		{"empty ACL", setACLBody("/d", []proto.ACL{}, -1), proto.ErrInvalidACL},
		{"bad ACL wins over missing node", setACLBody("/missing", bad, -1), proto.ErrInvalidACL},
		{"missing", setACLBody("/missing", openACL, -1), proto.ErrNoNode},
		{"no ADMIN", setACLBody("/noadmin", openACL, -1), proto.ErrNoAuth},
		{"NoAuth wins over BadVersion", setACLBody("/noadmin", openACL, 3), proto.ErrNoAuth},
		{"bad aversion", setACLBody("/d", openACL, 1), proto.ErrBadVersion},
	}
	for _, tc := range cases {
		rep := c.call(proto.OpSetACL, tc.body)
		if proto.Err(rep.Hdr.Err) != tc.want || len(rep.Body) != 0 {
			t.Errorf("setACL %s: err %v, want %v", tc.name, proto.Err(rep.Hdr.Err), tc.want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/noread", nil, aclNoPerm(proto.PermRead), 0))
	c.ok(proto.OpCreate, createBody("/noread/kid", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/adminonly", nil, worldACL(proto.PermAdmin), 0))
	c.ok(proto.OpCreate, createBody("/none", nil, worldACL(proto.PermWrite|proto.PermCreate|proto.PermDelete), 0))
	cases := []struct {
		name string
		op   proto.OpCode
		body []byte
		want proto.Err
	}{
		{"exists NUL", proto.OpExists, pathWatch("/a\x00", false), proto.ErrBadArguments},
		{"exists missing", proto.OpExists, pathWatch("/missing", false), proto.ErrNoNode},
		{"exists of an invalid path is just missing", proto.OpExists, pathWatch("/a//b/", false), proto.ErrNoNode},
		{"getData missing", proto.OpGetData, pathWatch("/missing", false), proto.ErrNoNode},
		{"getData no READ", proto.OpGetData, pathWatch("/noread", false), proto.ErrNoAuth},
		{"getData invalid path", proto.OpGetData, pathWatch("bad", false), proto.ErrNoNode},
		{"getChildren missing", proto.OpGetChildren, pathWatch("/missing", false), proto.ErrNoNode},
		{"getChildren no READ", proto.OpGetChildren, pathWatch("/noread", false), proto.ErrNoAuth},
		{"getChildren2 missing", proto.OpGetChildren2, pathWatch("/missing", false), proto.ErrNoNode},
		{"getChildren2 no READ", proto.OpGetChildren2, pathWatch("/noread", false), proto.ErrNoAuth},
		{"getAllChildrenNumber no READ", proto.OpGetAllChildrenNumber, pathOnly("/noread"), proto.ErrNoAuth},
		{"getAllChildrenNumber missing", proto.OpGetAllChildrenNumber, pathOnly("/missing"), proto.ErrNoNode},
		{"getACL missing", proto.OpGetACL, pathOnly("/missing"), proto.ErrNoNode},
		{"getACL neither READ nor ADMIN", proto.OpGetACL, pathOnly("/none"), proto.ErrNoAuth},
	}
	for _, tc := range cases {
		rep := c.call(tc.op, tc.body)
		if proto.Err(rep.Hdr.Err) != tc.want || len(rep.Body) != 0 {
			t.Errorf("%s: err %v, want %v", tc.name, proto.Err(rep.Hdr.Err), tc.want)
		}
	}
	// getACL with only ADMIN (no READ) is allowed; reading the child of an
	// unreadable node is allowed (ACLs are not inherited).
	c.ok(proto.OpGetACL, pathOnly("/adminonly"))
	c.ok(proto.OpGetACL, pathOnly("/noread"))
	c.ok(proto.OpGetData, pathWatch("/noread/kid", false))
	c.fails(proto.OpGetData, pathWatch("/adminonly", false), proto.ErrNoAuth)
}

// exists does not check READ in ZooKeeper 3.8.0: it answers the stat of a
// node the caller cannot read. (PROTOCOL.md describes the later check that
// answers NoAuth; real 3.8.0 wins.)
func TestExistsIgnoresReadACL(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	z := c.ok(proto.OpCreate, createBody("/noread", b("abc"), worldACL(proto.PermAll&^proto.PermRead), 0)).Hdr.Zxid
	st := decStat(t, c.ok(proto.OpExists, pathWatch("/noread", false)).Body)
	if st.Czxid != z || st.DataLength != 3 {
		t.Fatalf("exists stat %+v", st)
	}
}

// The go-zookeeper client maps each server code to its error value.
func TestErrorCodesThroughGoZK(t *testing.T) {
	s := start(t)
	c, _ := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Create("/p", nil, 0, acl)
	must(err)
	_, err = c.Create("/p/kid", nil, 0, acl)
	must(err)
	_, err = c.Create("/e", nil, zk.FlagEphemeral, acl)
	must(err)
	_, err = c.Create("/locked", nil, 0, zk.WorldACL(zk.PermRead))
	must(err)
	check := func(name string, got, want error) {
		t.Helper()
		if !errors.Is(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	_, _, err = c.Get("/missing")
	check("get missing", err, zk.ErrNoNode)
	_, err = c.Create("/p", nil, 0, acl)
	check("create existing", err, zk.ErrNodeExists)
	_, err = c.Set("/p", nil, 42)
	check("set bad version", err, zk.ErrBadVersion)
	check("delete non-empty", c.Delete("/p", -1), zk.ErrNotEmpty)
	_, err = c.Create("/e/x", nil, 0, acl)
	check("child of ephemeral", err, zk.ErrNoChildrenForEphemerals)
	_, err = c.Set("/locked", nil, -1)
	check("set without WRITE", err, zk.ErrNoAuth)
	_, err = c.Create("/bad", nil, 0, []zk.ACL{{Perms: zk.PermAll, Scheme: "world", ID: "nobody"}})
	check("create with world:nobody", err, zk.ErrInvalidACL)
	_, err = c.Create("/bad", nil, 0, zk.AuthACL(zk.PermAll))
	check("create with auth ACL and no auth", err, zk.ErrInvalidACL)
	_, err = c.CreateTTL("/ttl", nil, zk.FlagTTL, acl, time.Second)
	if err == nil || err.Error() != "unknown error: -6" { // go-zk has no name for -6
		t.Errorf("createTTL while disabled: %v, want Unimplemented (-6)", err)
	}
	_, err = c.Reconfig([]string{"server.1=127.0.0.1:2888:3888;2181"}, -1)
	check("reconfig", err, zk.ErrReconfigDisabled)
	_, err = c.Multi(&zk.CreateRequest{Path: "/p/kid", Acl: acl})
	check("multi create existing", err, zk.ErrNodeExists)
	// The session survived all of that.
	if _, _, err := c.Get("/p"); err != nil {
		t.Fatal(err)
	}
	if s := c.State(); s != zk.StateHasSession {
		t.Fatalf("state %v", s)
	}
}

// An ephemeral may not be created under an ephemeral even by another
// session, and a container or TTL parent is fine.
func TestNoChildrenForEphemeralsAnySession(t *testing.T) {
	s := serve(t, opts{ExtendedTypes: true})
	a := dial(t, s.Addr)
	other := dial(t, s.Addr)
	a.ok(proto.OpCreate, createBody("/e", nil, openACL, proto.FlagEphemeralSequential))
	rep := a.ok(proto.OpGetChildren, pathWatch("/", false))
	var eph string
	for _, n := range dec[proto.GetChildrenResponse](t, rep.Body).Children {
		if len(n) > 1 && n[0] == 'e' {
			eph = "/" + string(n)
		}
	}
	other.fails(proto.OpCreate, createBody(eph+"/x", nil, openACL, 0), proto.ErrNoChildrenForEphemerals)
	other.fails(proto.OpCreateContainer, createBody(eph+"/x", nil, openACL, proto.FlagContainer), proto.ErrNoChildrenForEphemerals)
	a.ok(proto.OpCreateContainer, createBody("/c", nil, openACL, proto.FlagContainer))
	a.ok(proto.OpCreate, createBody("/c/x", nil, openACL, proto.FlagEphemeral))
	a.ok(proto.OpCreateTTL, createTTLBody("/t", nil, openACL, proto.FlagPersistentWithTTL, 60000))
	a.ok(proto.OpCreate, createBody("/t/x", nil, openACL, proto.FlagEphemeral))
}
