package e2e

// One test per opcode of PROTOCOL.md §4: the success reply, decoded record
// by record and checked field by field, over the raw protocol.

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

// nowMs is the wall clock in ms, for ctime/mtime bounds.
func nowMs() int64 { return time.Now().UnixMilli() }

// checkTime asserts lo-1s <= v <= hi+1s (server and test share a clock;
// the slack covers rounding and a busy CI machine).
func checkTime(t testing.TB, what string, v, lo, hi int64) {
	t.Helper()
	if v < lo-1000 || v > hi+1000 {
		t.Fatalf("%s = %d, want within [%d, %d]", what, v, lo, hi)
	}
}

// freshStat checks the stat of a node created at zxid z in [lo, hi] with
// dataLen bytes and no children.
func freshStat(t testing.TB, st proto.Stat, z int64, lo, hi int64, dataLen int32, owner int64) {
	t.Helper()
	if st.Czxid != z || st.Mzxid != z || st.Pzxid != z {
		t.Fatalf("czxid/mzxid/pzxid = %#x/%#x/%#x, want all %#x", st.Czxid, st.Mzxid, st.Pzxid, z)
	}
	checkTime(t, "ctime", st.Ctime, lo, hi)
	if st.Mtime != st.Ctime {
		t.Fatalf("mtime %d != ctime %d", st.Mtime, st.Ctime)
	}
	if st.Version != 0 || st.Cversion != 0 || st.Aversion != 0 {
		t.Fatalf("versions %d/%d/%d, want 0/0/0", st.Version, st.Cversion, st.Aversion)
	}
	if st.EphemeralOwner != owner {
		t.Fatalf("ephemeralOwner %#x, want %#x", st.EphemeralOwner, owner)
	}
	if st.DataLength != dataLen || st.NumChildren != 0 {
		t.Fatalf("dataLength %d numChildren %d, want %d and 0", st.DataLength, st.NumChildren, dataLen)
	}
}

func TestOpCreate(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	lo := nowMs()
	rep := c.ok(proto.OpCreate, createBody("/a", b("hello"), openACL, 0))
	hi := nowMs()
	if got := dec[proto.CreateResponse](t, rep.Body); string(got.Path) != "/a" {
		t.Fatalf("CreateResponse path %q", got.Path)
	}
	z := rep.Hdr.Zxid
	if z <= 0 {
		t.Fatalf("create reply zxid %#x", z)
	}
	st := decStat(t, c.ok(proto.OpExists, pathWatch("/a", false)).Body)
	freshStat(t, st, z, lo, hi, 5, 0)
	// An ephemeral carries the session id as owner.
	rep = c.ok(proto.OpCreate, createBody("/e", nil, openACL, proto.FlagEphemeral))
	if got := dec[proto.CreateResponse](t, rep.Body); string(got.Path) != "/e" {
		t.Fatalf("CreateResponse path %q", got.Path)
	}
	if rep.Hdr.Zxid != z+1 {
		t.Fatalf("second create zxid %#x, want %#x", rep.Hdr.Zxid, z+1)
	}
	st = decStat(t, c.ok(proto.OpExists, pathWatch("/e", false)).Body)
	freshStat(t, st, z+1, lo, nowMs(), 0, c.SessionID)
}

func TestOpCreate2(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	lo := nowMs()
	rep := c.ok(proto.OpCreate2, createBody("/a", b("xyz"), openACL, proto.FlagEphemeral))
	hi := nowMs()
	got := dec[proto.Create2Response](t, rep.Body)
	if string(got.Path) != "/a" {
		t.Fatalf("Create2Response path %q", got.Path)
	}
	freshStat(t, got.Stat, rep.Hdr.Zxid, lo, hi, 3, c.SessionID)
	st := decStat(t, c.ok(proto.OpExists, pathWatch("/a", false)).Body)
	if st != got.Stat {
		t.Fatalf("create2 stat %+v != exists stat %+v", got.Stat, st)
	}
}

func TestOpDelete(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	z := c.ok(proto.OpCreate, createBody("/d", nil, openACL, 0)).Hdr.Zxid
	rep := c.ok(proto.OpDelete, deleteBody("/d", 0))
	if len(rep.Body) != 0 {
		t.Fatalf("delete reply body %x", rep.Body)
	}
	if rep.Hdr.Zxid != z+1 {
		t.Fatalf("delete zxid %#x, want %#x", rep.Hdr.Zxid, z+1)
	}
	c.fails(proto.OpExists, pathWatch("/d", false), proto.ErrNoNode)
}

func TestOpExists(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	lo := nowMs()
	z := c.ok(proto.OpCreate, createBody("/x", b("12"), openACL, 0)).Hdr.Zxid
	rep := c.ok(proto.OpExists, pathWatch("/x", false))
	freshStat(t, decStat(t, rep.Body), z, lo, nowMs(), 2, 0)
	// A read's reply carries the last processed zxid.
	if rep.Hdr.Zxid != z {
		t.Fatalf("exists reply zxid %#x, want %#x", rep.Hdr.Zxid, z)
	}
	c.fails(proto.OpExists, pathWatch("/nope", false), proto.ErrNoNode)
}

func TestOpGetData(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	lo := nowMs()
	z := c.ok(proto.OpCreate, createBody("/g", b("payload"), openACL, 0)).Hdr.Zxid
	rep := c.ok(proto.OpGetData, pathWatch("/g", false))
	got := dec[proto.GetDataResponse](t, rep.Body)
	if string(got.Data) != "payload" || got.DataNull {
		t.Fatalf("data %q null=%v", got.Data, got.DataNull)
	}
	freshStat(t, got.Stat, z, lo, nowMs(), 7, 0)
}

// Null data is stored and returned as null (length -1); empty data as
// empty (length 0); both have dataLength 0.
func TestNullVersusEmptyData(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/null", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/empty", []byte{}, openACL, 0))
	getRaw := func(p string) []byte {
		return c.ok(proto.OpGetData, pathWatch(p, false)).Body
	}
	body := getRaw("/null")
	if len(body) != 4+proto.StatSize || string(body[:4]) != "\xff\xff\xff\xff" {
		t.Fatalf("null data: body %x, want length -1 then a stat", body)
	}
	body = getRaw("/empty")
	if len(body) != 4+proto.StatSize || string(body[:4]) != "\x00\x00\x00\x00" {
		t.Fatalf("empty data: body %x, want length 0 then a stat", body)
	}
	for _, p := range []string{"/null", "/empty"} {
		if st := dec[proto.GetDataResponse](t, getRaw(p)).Stat; st.DataLength != 0 {
			t.Fatalf("%s dataLength %d", p, st.DataLength)
		}
	}
	// setData keeps the distinction in both directions.
	c.ok(proto.OpSetData, setDataBody("/empty", nil, -1))
	if got := dec[proto.GetDataResponse](t, getRaw("/empty")); !got.DataNull {
		t.Fatalf("after setData(null): data %q null=%v", got.Data, got.DataNull)
	}
	c.ok(proto.OpSetData, setDataBody("/null", []byte{}, -1))
	if got := dec[proto.GetDataResponse](t, getRaw("/null")); got.DataNull || len(got.Data) != 0 {
		t.Fatalf("after setData(empty): data %q null=%v", got.Data, got.DataNull)
	}
	// The root and the system nodes hold empty (not null) data.
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota"} {
		if got := dec[proto.GetDataResponse](t, getRaw(p)); got.DataNull || len(got.Data) != 0 {
			t.Fatalf("%s data %q null=%v, want empty", p, got.Data, got.DataNull)
		}
	}
}

func TestOpSetData(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	cz := c.ok(proto.OpCreate, createBody("/s", b("a"), openACL, 0)).Hdr.Zxid
	before := decStat(t, c.ok(proto.OpExists, pathWatch("/s", false)).Body)
	time.Sleep(5 * time.Millisecond) // so mtime can differ from ctime
	lo := nowMs()
	rep := c.ok(proto.OpSetData, setDataBody("/s", b("bbbb"), 0))
	hi := nowMs()
	st := decStat(t, rep.Body)
	if rep.Hdr.Zxid != cz+1 || st.Mzxid != cz+1 {
		t.Fatalf("setData zxid %#x mzxid %#x, want %#x", rep.Hdr.Zxid, st.Mzxid, cz+1)
	}
	if st.Czxid != cz || st.Pzxid != cz || st.Ctime != before.Ctime {
		t.Fatalf("setData changed creation fields: %+v", st)
	}
	checkTime(t, "mtime", st.Mtime, lo, hi)
	if st.Version != 1 || st.Cversion != 0 || st.Aversion != 0 || st.DataLength != 4 {
		t.Fatalf("after setData: %+v", st)
	}
	got := dec[proto.GetDataResponse](t, c.ok(proto.OpGetData, pathWatch("/s", false)).Body)
	if string(got.Data) != "bbbb" || got.Stat != st {
		t.Fatalf("getData after set: %q %+v, want stat %+v", got.Data, got.Stat, st)
	}
}

// Versions: each setData adds one; -1 matches any version; a mismatch is
// BadVersion and changes nothing (but consumes a zxid).
func TestVersionArithmetic(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/v", nil, openACL, 0))
	for want := int32(1); want <= 5; want++ {
		st := decStat(t, c.ok(proto.OpSetData, setDataBody("/v", b("x"), want-1)).Body)
		if st.Version != want {
			t.Fatalf("version %d, want %d", st.Version, want)
		}
	}
	st := decStat(t, c.ok(proto.OpSetData, setDataBody("/v", b("y"), -1)).Body)
	if st.Version != 6 {
		t.Fatalf("version after wildcard set %d, want 6", st.Version)
	}
	z := lastZxid(t, s.Addr)
	for _, bad := range []int32{0, 5, 7, 1 << 30, -2} {
		rep := c.fails(proto.OpSetData, setDataBody("/v", b("z"), bad), proto.ErrBadVersion)
		z++
		if rep.Hdr.Zxid != z {
			t.Fatalf("failed setData zxid %#x, want %#x (a failed write consumes a zxid)", rep.Hdr.Zxid, z)
		}
	}
	c.fails(proto.OpDelete, deleteBody("/v", 5), proto.ErrBadVersion)
	c.fails(proto.OpSetACL, setACLBody("/v", openACL, 1), proto.ErrBadVersion)
	st2 := decStat(t, c.ok(proto.OpExists, pathWatch("/v", false)).Body)
	if st2 != st {
		t.Fatalf("failed writes changed the node: %+v -> %+v", st, st2)
	}
	st = decStat(t, c.ok(proto.OpSetACL, setACLBody("/v", openACL, 0)).Body)
	if st.Aversion != 1 || st.Version != 6 {
		t.Fatalf("after setACL: %+v", st)
	}
	st = decStat(t, c.ok(proto.OpSetACL, setACLBody("/v", openACL, -1)).Body)
	if st.Aversion != 2 {
		t.Fatalf("after wildcard setACL aversion %d", st.Aversion)
	}
	c.ok(proto.OpDelete, deleteBody("/v", 6))
}

func TestOpGetACL(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	acl := []proto.ACL{
		{Perms: proto.PermRead | proto.PermAdmin, Scheme: "world", ID: "anyone"},
		{Perms: proto.PermAll, Scheme: "ip", ID: "127.0.0.1"},
		{Perms: proto.PermWrite, Scheme: "ip", ID: "10.0.0.0/8"},
	}
	z := c.ok(proto.OpCreate, createBody("/acl", b("d"), acl, 0)).Hdr.Zxid
	got := dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly("/acl")).Body)
	if len(got.ACL) != len(acl) {
		t.Fatalf("getACL %+v, want %+v", got.ACL, acl)
	}
	for i := range acl {
		if got.ACL[i] != acl[i] {
			t.Fatalf("getACL[%d] = %+v, want %+v", i, got.ACL[i], acl[i])
		}
	}
	if got.Stat.Czxid != z || got.Stat.DataLength != 1 || got.Stat.Aversion != 0 {
		t.Fatalf("getACL stat %+v", got.Stat)
	}
	// The root's ACL is world:anyone ALL.
	root := dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly("/")).Body)
	if len(root.ACL) != 1 || root.ACL[0] != openACL[0] {
		t.Fatalf("root ACL %+v", root.ACL)
	}
}

func TestOpSetACL(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	cz := c.ok(proto.OpCreate, createBody("/sa", b("d"), openACL, 0)).Hdr.Zxid
	before := decStat(t, c.ok(proto.OpExists, pathWatch("/sa", false)).Body)
	rep := c.ok(proto.OpSetACL, setACLBody("/sa", readACL, 0))
	st := decStat(t, rep.Body)
	if rep.Hdr.Zxid != cz+1 {
		t.Fatalf("setACL zxid %#x, want %#x (it is a txn)", rep.Hdr.Zxid, cz+1)
	}
	want := before
	want.Aversion = 1
	if st != want {
		t.Fatalf("setACL stat %+v, want %+v (only aversion changes)", st, want)
	}
	got := dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly("/sa")).Body)
	if len(got.ACL) != 1 || got.ACL[0] != readACL[0] || got.Stat != want {
		t.Fatalf("getACL after setACL: %+v", got)
	}
	// Duplicates are removed before storing.
	ipAll := proto.ACL{Perms: proto.PermAll, Scheme: "ip", ID: "127.0.0.1"}
	dup := []proto.ACL{readACL[0], readACL[0], ipAll, ipAll}
	c.ok(proto.OpCreate, createBody("/dup", nil, dup, 0))
	got = dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly("/dup")).Body)
	if len(got.ACL) != 2 || got.ACL[0] != dup[0] || got.ACL[1] != dup[2] {
		t.Fatalf("create with duplicate ACL entries stored %+v", got.ACL)
	}
	c.ok(proto.OpSetACL, setACLBody("/dup", dup, -1))
	got = dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly("/dup")).Body)
	if len(got.ACL) != 2 {
		t.Fatalf("setACL with duplicate ACL entries stored %+v", got.ACL)
	}
}

func TestOpGetChildren(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0))
	rep := c.ok(proto.OpGetChildren, pathWatch("/p", false))
	if got := dec[proto.GetChildrenResponse](t, rep.Body); len(got.Children) != 0 {
		t.Fatalf("children of empty node: %q", got.Children)
	}
	if string(rep.Body) != "\x00\x00\x00\x00" {
		t.Fatalf("empty children vector encoded as %x, want count 0", rep.Body)
	}
	for _, n := range []string{"c", "a", "b.b", "z-1"} {
		c.ok(proto.OpCreate, createBody("/p/"+n, nil, openACL, 0))
	}
	c.ok(proto.OpCreate, createBody("/p/a/deeper", nil, openACL, 0))
	got := dec[proto.GetChildrenResponse](t, c.ok(proto.OpGetChildren, pathWatch("/p", false)).Body)
	if n := names(got.Children); !eqStrings(n, []string{"a", "b.b", "c", "z-1"}) {
		t.Fatalf("children %q", n)
	}
	got = dec[proto.GetChildrenResponse](t, c.ok(proto.OpGetChildren, pathWatch("/", false)).Body)
	if n := names(got.Children); !eqStrings(n, []string{"p", "zookeeper"}) {
		t.Fatalf("children of / %q", n)
	}
}

func TestOpGetChildren2(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", b("pp"), openACL, 0))
	c.ok(proto.OpCreate, createBody("/p/x", nil, openACL, 0))
	z := c.ok(proto.OpCreate, createBody("/p/y", nil, openACL, 0)).Hdr.Zxid
	got := dec[proto.GetChildren2Response](t, c.ok(proto.OpGetChildren2, pathWatch("/p", false)).Body)
	if n := names(got.Children); !eqStrings(n, []string{"x", "y"}) {
		t.Fatalf("children %q", n)
	}
	st := decStat(t, c.ok(proto.OpExists, pathWatch("/p", false)).Body)
	if got.Stat != st {
		t.Fatalf("getChildren2 stat %+v != exists stat %+v", got.Stat, st)
	}
	if st.NumChildren != 2 || st.Cversion != 2 || st.Pzxid != z || st.DataLength != 2 {
		t.Fatalf("parent stat %+v", st)
	}
}

func TestOpSync(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	// The path is echoed as sent, whether or not it exists.
	for _, p := range []string{"/", "/not/there", "/zookeeper"} {
		rep := c.ok(proto.OpSync, pathOnly(p))
		if got := dec[proto.SyncResponse](t, rep.Body); string(got.Path) != p {
			t.Fatalf("sync(%q) answered %q", p, got.Path)
		}
	}
}

func TestOpPing(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	z := c.ok(proto.OpCreate, createBody("/z", nil, openACL, 0)).Hdr.Zxid
	if err := c.Send(proto.XidPing, proto.OpPing, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := c.Read(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Hdr.Xid != proto.XidPing || rep.Hdr.Err != 0 || rep.Hdr.Zxid != z || len(rep.Body) != 0 {
		t.Fatalf("ping reply %+v body %x, want {-2, %#x, 0} and no body", rep.Hdr, rep.Body, z)
	}
}

func TestOpReconfigDisabled(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	q := proto.ReconfigRequest{JoiningServers: b("server.2=127.0.0.1:1234:1235;1236"), CurConfigID: -1}
	c.fails(proto.OpReconfig, q.Append(nil), proto.ErrReconfigDisabled)
	q = proto.ReconfigRequest{NewMembers: b("server.1=127.0.0.1:1234:1235;1236"), CurConfigID: -1}
	c.fails(proto.OpReconfig, q.Append(nil), proto.ErrReconfigDisabled)
	// The connection stays usable.
	c.ok(proto.OpExists, pathWatch("/", false))
}

// With reconfig enabled, a standalone server answers Unimplemented (there
// is no ensemble to reconfigure), also through go-zookeeper. An ensemble
// member checks the config version, the servers' syntax and that at least
// 2 voters remain, then WRITE on /zookeeper/config: only super may
// reconfigure (as in ZooKeeper 3.8).
func TestOpReconfigEnabled(t *testing.T) {
	s := serve(t, opts{ReconfigEnabled: true, SuperDigest: digestID("super:letmein")})
	c := dial(t, s.Addr)
	join := proto.ReconfigRequest{JoiningServers: b("server.2=127.0.0.1:1234:1235;1236"), CurConfigID: -1}
	g, _ := connect(t, s.Addr)
	if ensembleRole() == "" {
		c.fails(proto.OpReconfig, join.Append(nil), proto.ErrUnimplemented)
		c.ok(proto.OpExists, pathWatch("/", false))
		if _, err := g.IncrementalReconfig([]string{"server.2=127.0.0.1:1234:1235;1236"}, nil, -1); err == nil || err.Error() != "unknown error: -6" {
			t.Fatalf("go-zk IncrementalReconfig: %v, want Unimplemented (-6)", err)
		}
		return
	}
	cases := []struct {
		name string
		q    proto.ReconfigRequest
		want proto.Err
	}{
		{"join", join, proto.ErrNoAuth},
		{"nothing", proto.ReconfigRequest{CurConfigID: -1}, proto.ErrNoAuth},
		{"stale version", proto.ReconfigRequest{LeavingServers: b("2"), CurConfigID: 5}, proto.ErrBadVersion},
		{"garbage members", proto.ReconfigRequest{NewMembers: b("garbage"), CurConfigID: -1}, proto.ErrBadArguments},
		{"joiner without a client port", proto.ReconfigRequest{JoiningServers: b("server.5=127.0.0.1:1234:1235"), CurConfigID: -1}, proto.ErrBadArguments},
		{"leaving id not a number", proto.ReconfigRequest{LeavingServers: b("two"), CurConfigID: -1}, proto.ErrMarshallingError},
		{"one voter left", proto.ReconfigRequest{LeavingServers: b("2,3"), CurConfigID: -1}, proto.ErrBadArguments},
		{"one new voter", proto.ReconfigRequest{NewMembers: b("server.1=127.0.0.1:1234:1235;1236"), CurConfigID: -1}, proto.ErrBadArguments},
	}
	for _, tc := range cases {
		if got := proto.Err(c.call(proto.OpReconfig, tc.q.Append(nil)).Hdr.Err); got != tc.want {
			t.Errorf("reconfig %s: %v, want %v", tc.name, got, tc.want)
		}
	}
	c.ok(proto.OpExists, pathWatch("/", false))
	if _, err := g.IncrementalReconfig([]string{"server.2=127.0.0.1:1234:1235;1236"}, nil, -1); err != zk.ErrNoAuth {
		t.Fatalf("go-zk IncrementalReconfig: %v, want %v", err, zk.ErrNoAuth)
	}
	if !againstZK() {
		// Super passes every check; zen has no dynamic reconfiguration.
		c.authOK("digest", "super:letmein")
		c.fails(proto.OpReconfig, join.Append(nil), proto.ErrUnimplemented)
	}
}

func TestOpGetAllChildrenNumber(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	count := func(p string) int32 {
		return dec[proto.GetAllChildrenNumberResponse](t, c.ok(proto.OpGetAllChildrenNumber, pathOnly(p)).Body).TotalNumber
	}
	// A fresh server has /zookeeper, /zookeeper/quota, /zookeeper/config.
	if n := count("/"); n != 3 {
		t.Fatalf("descendants of / on a fresh server: %d, want 3", n)
	}
	if n := count("/zookeeper"); n != 2 {
		t.Fatalf("descendants of /zookeeper: %d, want 2", n)
	}
	c.ok(proto.OpCreate, createBody("/a", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/a/b", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/a/b/c", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/a/d", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/a/b/e", nil, openACL, proto.FlagEphemeral))
	if n := count("/a"); n != 4 {
		t.Fatalf("descendants of /a: %d, want 4 (all levels)", n)
	}
	if n := count("/a/b/c"); n != 0 {
		t.Fatalf("descendants of a leaf: %d", n)
	}
	if n := count("/"); n != 8 {
		t.Fatalf("descendants of /: %d, want 8", n)
	}
	c.fails(proto.OpGetAllChildrenNumber, pathOnly("/missing"), proto.ErrNoNode)
}

func TestOpGetEphemerals(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	other := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/app", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/app/e1", nil, openACL, proto.FlagEphemeral))
	c.ok(proto.OpCreate, createBody("/app/e2", nil, openACL, proto.FlagEphemeral))
	c.ok(proto.OpCreate, createBody("/apple", nil, openACL, proto.FlagEphemeral))
	c.ok(proto.OpCreate, createBody("/b", nil, openACL, proto.FlagEphemeral))
	c.ok(proto.OpCreate, createBody("/app/persist", nil, openACL, 0))
	other.ok(proto.OpCreate, createBody("/app/other", nil, openACL, proto.FlagEphemeral))
	get := func(cl *rc, prefix string) []string {
		q := proto.GetEphemeralsRequest{PrefixPath: b(prefix)}
		return names(dec[proto.GetEphemeralsResponse](t, cl.ok(proto.OpGetEphemerals, q.Append(nil)).Body).Ephemerals)
	}
	all := []string{"/app/e1", "/app/e2", "/apple", "/b"}
	for _, p := range []string{"/", ""} {
		if got := get(c, p); !eqStrings(got, all) {
			t.Fatalf("getEphemerals(%q) = %q, want %q", p, got, all)
		}
	}
	// A plain string prefix: /app matches /apple too.
	if got := get(c, "/app"); !eqStrings(got, []string{"/app/e1", "/app/e2", "/apple"}) {
		t.Fatalf("getEphemerals(/app) = %q", got)
	}
	if got := get(c, "/app/"); !eqStrings(got, []string{"/app/e1", "/app/e2"}) {
		t.Fatalf("getEphemerals(/app/) = %q", got)
	}
	if got := get(c, "/nothing"); len(got) != 0 {
		t.Fatalf("getEphemerals(/nothing) = %q", got)
	}
	if got := get(other, "/"); !eqStrings(got, []string{"/app/other"}) {
		t.Fatalf("other session's ephemerals %q", got)
	}
	fresh := dial(t, s.Addr)
	rep := fresh.ok(proto.OpGetEphemerals, (&proto.GetEphemeralsRequest{PrefixPath: b("/")}).Append(nil))
	if string(rep.Body) != "\x00\x00\x00\x00" {
		t.Fatalf("no ephemerals encoded as %x, want an empty vector", rep.Body)
	}
}

func TestOpWhoAmI(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	got := dec[proto.WhoAmIResponse](t, c.ok(proto.OpWhoAmI, nil).Body)
	if len(got.ClientInfo) != 1 || got.ClientInfo[0] != (proto.ClientInfo{AuthScheme: "ip", User: "127.0.0.1"}) {
		t.Fatalf("whoAmI %+v, want [ip 127.0.0.1]", got.ClientInfo)
	}
}

func TestOpCloseSession(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	watcher := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/e1", nil, openACL, proto.FlagEphemeral))
	z := c.ok(proto.OpCreate, createBody("/e2", nil, openACL, proto.FlagEphemeral)).Hdr.Zxid
	watcher.ok(proto.OpExists, pathWatch("/e1", true))
	watcher.ok(proto.OpExists, pathWatch("/e2", true))
	rep := c.ok(proto.OpCloseSession, nil)
	if len(rep.Body) != 0 || rep.Hdr.Zxid != z+1 {
		t.Fatalf("closeSession reply %+v body %x, want zxid %#x, no body", rep.Hdr, rep.Body, z+1)
	}
	if !c.closedWithin(5 * time.Second) {
		t.Fatal("connection still open after closeSession")
	}
	// Both ephemerals went in the one closeSession txn.
	evs := watcher.waitEvents(2)
	for _, ev := range evs {
		if ev.Type != proto.EventNodeDeleted || !eventZxid(ev, z+1) {
			t.Fatalf("events %v, want two NodeDeleted at zxid %#x", evs, z+1)
		}
	}
	if got := lastZxid(t, s.Addr); got != z+1 {
		t.Fatalf("last zxid %#x after closeSession, want %#x (one txn)", got, z+1)
	}
	// The session is gone: reattaching is refused.
	r, err := dialAs(t, s.Addr, c.SessionID, c.Passwd)
	if err != nil {
		t.Fatal(err)
	}
	if r.Resp.Timeout != 0 || r.Resp.SessionID != 0 {
		t.Fatalf("reattach to a closed session: %+v", r.Resp)
	}
}
