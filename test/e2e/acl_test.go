package e2e

// ACLs and authentication (PROTOCOL.md §12).

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

// digestID is the id the digest provider derives from "user:password".
func digestID(userPass string) string {
	sum := sha1.Sum([]byte(userPass))
	user := userPass
	for i := 0; i < len(userPass); i++ {
		if userPass[i] == ':' {
			user = userPass[:i]
			break
		}
	}
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestWorldScheme(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/w", nil, worldACL(proto.PermRead), 0))
	c.ok(proto.OpGetData, pathWatch("/w", false))
	c.fails(proto.OpSetData, setDataBody("/w", nil, -1), proto.ErrNoAuth)
	for _, id := range []string{"foo", "", "Anyone"} {
		acl := []proto.ACL{{Perms: proto.PermAll, Scheme: "world", ID: id}}
		c.fails(proto.OpCreate, createBody("/bad", nil, acl, 0), proto.ErrInvalidACL)
	}
	for _, scheme := range []string{"nope", "super", "", "World"} {
		acl := []proto.ACL{{Perms: proto.PermAll, Scheme: scheme, ID: "anyone"}}
		c.fails(proto.OpCreate, createBody("/bad", nil, acl, 0), proto.ErrInvalidACL)
	}
	// One bad entry spoils the list.
	acl := append(worldACL(proto.PermAll), proto.ACL{Perms: 1, Scheme: "ip", ID: "999.1.1.1"})
	c.fails(proto.OpCreate, createBody("/bad", nil, acl, 0), proto.ErrInvalidACL)
	c.fails(proto.OpExists, pathWatch("/bad", false), proto.ErrNoNode)
	// Perms are stored as sent, unvalidated.
	c.ok(proto.OpCreate, createBody("/perms", nil, worldACL(0x7f), 0))
	c.ok(proto.OpCreate, createBody("/zero", nil, worldACL(0), 0))
	if got := dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly("/perms")).Body); got.ACL[0].Perms != 0x7f {
		t.Fatalf("perms %#x", got.ACL[0].Perms)
	}
	c.fails(proto.OpGetACL, pathOnly("/zero"), proto.ErrNoAuth)
	c.fails(proto.OpGetData, pathWatch("/zero", false), proto.ErrNoAuth)
}

func TestIPScheme(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	ip := func(id string, perms int32) []proto.ACL {
		return []proto.ACL{{Perms: perms, Scheme: "ip", ID: id}}
	}
	allowed := []string{"127.0.0.1", "127.0.0.0/8", "127.0.0.1/32", "0.0.0.0/0", "127.1.2.3/8", "127.0.0.1/0"}
	// "01.2.3.4" is valid: ZooKeeper parses each octet as an integer.
	denied := []string{"10.0.0.1", "127.0.0.2", "128.0.0.0/8", "01.2.3.4"}
	for i, id := range allowed {
		p := "/a" + itoa(int32(i))
		c.ok(proto.OpCreate, createBody(p, b("x"), ip(id, proto.PermAll), 0))
		c.ok(proto.OpGetData, pathWatch(p, false))
	}
	for i, id := range denied {
		p := "/d" + itoa(int32(i))
		if rep := c.call(proto.OpCreate, createBody(p, b("x"), ip(id, proto.PermAll), 0)); rep.Hdr.Err != 0 {
			t.Errorf("create with ACL ip:%s: %v, want Ok", id, rep.Hdr.Err)
			continue
		}
		c.fails(proto.OpGetData, pathWatch(p, false), proto.ErrNoAuth)
	}
	// IPv6 addresses are not valid ip ACL ids in ZooKeeper 3.8.0 (3.9
	// added them).
	for _, id := range []string{"", "256.0.0.1", "127.0.0.1/33", "127.0.0.1/-1", "hostname", "1.2.3.4/x", "1.2.3.4/", "1.2.3", "1.2.3.4 ", "[::1]", "::1/129",
		"::1", "::", "::/0", "fe80::/10", "1:2:3:4:5:6:7:8", "::ffff:127.0.0.1"} {
		if rep := c.call(proto.OpCreate, createBody("/bad", nil, ip(id, proto.PermAll), 0)); rep.Hdr.Err != proto.ErrInvalidACL {
			t.Errorf("create with ACL ip:%q: %v, want InvalidACL", id, rep.Hdr.Err)
		}
	}
	// An ip auth packet succeeds and adds nothing.
	c.authOK("ip", "10.0.0.1")
	c.fails(proto.OpGetData, pathWatch("/d0", false), proto.ErrNoAuth)
	who := dec[proto.WhoAmIResponse](t, c.ok(proto.OpWhoAmI, nil).Body)
	if len(who.ClientInfo) != 1 || who.ClientInfo[0].AuthScheme != "ip" || who.ClientInfo[0].User != "127.0.0.1" {
		t.Fatalf("whoAmI after ip auth %+v", who.ClientInfo)
	}
}

func TestDigestScheme(t *testing.T) {
	s := start(t)
	alice := dial(t, s.Addr)
	bob := dial(t, s.Addr)
	anon := dial(t, s.Addr)
	alice.authOK("digest", "alice:secret")
	bob.authOK("digest", "bob:other")
	aliceID := digestID("alice:secret")
	acl := []proto.ACL{{Perms: proto.PermAll, Scheme: "digest", ID: aliceID}, {Perms: proto.PermRead, Scheme: "world", ID: "anyone"}}
	alice.ok(proto.OpCreate, createBody("/a", b("x"), acl, 0))
	alice.ok(proto.OpSetData, setDataBody("/a", b("y"), -1))
	bob.fails(proto.OpSetData, setDataBody("/a", b("z"), -1), proto.ErrNoAuth)
	anon.fails(proto.OpSetData, setDataBody("/a", b("z"), -1), proto.ErrNoAuth)
	anon.ok(proto.OpGetData, pathWatch("/a", false))
	// Matching is exact: another password is another id.
	wrong := dial(t, s.Addr)
	wrong.authOK("digest", "alice:wrong")
	wrong.fails(proto.OpSetData, setDataBody("/a", b("z"), -1), proto.ErrNoAuth)
	// Digest auth never fails, whatever the bytes.
	odd := dial(t, s.Addr)
	odd.authOK("digest", "nocolon")
	odd.authOK("digest", "")
	odd.authOK("digest", "a:b:c")
	// ACL ids must be user:hash.
	for _, id := range []string{"alice", "alice:", "a:b:c", ""} {
		bad := []proto.ACL{{Perms: proto.PermAll, Scheme: "digest", ID: id}}
		alice.fails(proto.OpCreate, createBody("/bad", nil, bad, 0), proto.ErrInvalidACL)
	}
	// Any user:something is accepted (it need not be a real hash).
	alice.ok(proto.OpCreate, createBody("/fake", nil, []proto.ACL{{Perms: proto.PermAll, Scheme: "digest", ID: "x:notahash"}}, 0))
	alice.fails(proto.OpGetData, pathWatch("/fake", false), proto.ErrNoAuth)
	// A connection may hold several identities.
	alice.authOK("digest", "bob:other")
	alice.ok(proto.OpCreate, createBody("/b", nil, []proto.ACL{{Perms: proto.PermAll, Scheme: "digest", ID: digestID("bob:other")}}, 0))
	alice.ok(proto.OpGetData, pathWatch("/b", false))
	bob.ok(proto.OpGetData, pathWatch("/b", false))
	anon.fails(proto.OpGetData, pathWatch("/b", false), proto.ErrNoAuth)
}

// The auth scheme stands for every authenticated identity of the creator
// (digest, not ip) and needs at least one.
func TestAuthScheme(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	creator := []proto.ACL{{Perms: proto.PermAll, Scheme: "auth", ID: ""}}
	c.fails(proto.OpCreate, createBody("/x", nil, creator, 0), proto.ErrInvalidACL)
	c.fails(proto.OpCreate, createBody("/x", nil, []proto.ACL{{Perms: proto.PermAll, Scheme: "auth", ID: "ignored"}}, 0), proto.ErrInvalidACL)
	c.authOK("ip", "127.0.0.1")
	c.fails(proto.OpCreate, createBody("/x", nil, creator, 0), proto.ErrInvalidACL)
	c.authOK("digest", "u1:p1")
	c.authOK("digest", "u2:p2")
	c.authOK("digest", "u1:p1") // duplicates collapse
	c.ok(proto.OpCreate, createBody("/x", nil, []proto.ACL{{Perms: proto.PermRead | proto.PermAdmin, Scheme: "auth", ID: "whatever"}}, 0))
	got := dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly("/x")).Body)
	want := map[string]bool{digestID("u1:p1"): true, digestID("u2:p2"): true}
	if len(got.ACL) != 2 {
		t.Fatalf("auth ACL expanded to %+v", got.ACL)
	}
	for _, a := range got.ACL {
		if a.Scheme != "digest" || !want[a.ID] || a.Perms != proto.PermRead|proto.PermAdmin {
			t.Fatalf("auth ACL expanded to %+v", got.ACL)
		}
	}
	// setACL expands it the same way; mixed with other entries.
	mixed := []proto.ACL{{Perms: proto.PermAll, Scheme: "auth", ID: ""}, {Perms: proto.PermRead, Scheme: "world", ID: "anyone"}}
	c.ok(proto.OpSetACL, setACLBody("/x", mixed, -1))
	got = dec[proto.GetACLResponse](t, c.ok(proto.OpGetACL, pathOnly("/x")).Body)
	if len(got.ACL) != 3 {
		t.Fatalf("setACL with auth expanded to %+v", got.ACL)
	}
	other := dial(t, s.Addr)
	other.ok(proto.OpGetData, pathWatch("/x", false))
	other.fails(proto.OpSetData, setDataBody("/x", nil, -1), proto.ErrNoAuth)
	other.authOK("digest", "u2:p2")
	other.ok(proto.OpSetData, setDataBody("/x", nil, -1))
	// go-zookeeper's AuthACL and DigestACL.
	g, _ := connect(t, s.Addr)
	if err := addAuth(t, g, "digest", "gz:pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Create("/g", nil, 0, zk.AuthACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	acls, _, err := g.GetACL("/g")
	if err != nil || len(acls) != 1 || acls[0].Scheme != "digest" || acls[0].ID != digestID("gz:pw") {
		t.Fatalf("go-zk AuthACL stored as %+v %v", acls, err)
	}
	if _, err := g.Create("/g2", nil, 0, zk.DigestACL(zk.PermAll, "gz", "pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Set("/g2", []byte("ok"), -1); err != nil {
		t.Fatal(err)
	}
	g2, _ := connect(t, s.Addr)
	if _, err := g2.Set("/g2", []byte("no"), -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("unauthenticated set: %v", err)
	}
}

// Each operation checks its own permission on its own node.
func TestNoAuthPerOp(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	ops := []struct {
		perm int32
		node string // whose ACL lacks perm: the op's node or the parent
		op   proto.OpCode
		body func(p string) []byte
	}{
		{proto.PermCreate, "parent", proto.OpCreate, func(p string) []byte { return createBody(p+"/new", nil, openACL, 0) }},
		{proto.PermCreate, "parent", proto.OpCreate2, func(p string) []byte { return createBody(p+"/new", nil, openACL, 0) }},
		{proto.PermCreate, "parent", proto.OpCreateContainer, func(p string) []byte { return createBody(p+"/new", nil, openACL, proto.FlagContainer) }},
		{proto.PermDelete, "parent", proto.OpDelete, func(p string) []byte { return deleteBody(p+"/kid", -1) }},
		{proto.PermWrite, "node", proto.OpSetData, func(p string) []byte { return setDataBody(p, nil, -1) }},
		{proto.PermAdmin, "node", proto.OpSetACL, func(p string) []byte { return setACLBody(p, openACL, -1) }},
		{proto.PermRead, "node", proto.OpGetData, func(p string) []byte { return pathWatch(p, false) }},
		{proto.PermRead, "node", proto.OpGetChildren, func(p string) []byte { return pathWatch(p, false) }},
		{proto.PermRead, "node", proto.OpGetChildren2, func(p string) []byte { return pathWatch(p, true) }},
		{proto.PermRead, "node", proto.OpGetAllChildrenNumber, func(p string) []byte { return pathOnly(p) }},
	}
	for i, tc := range ops {
		p := "/n" + itoa(int32(i))
		c.ok(proto.OpCreate, createBody(p, nil, openACL, 0))
		c.ok(proto.OpCreate, createBody(p+"/kid", nil, openACL, 0))
		// Only the missing perm matters: every other bit is granted.
		c.ok(proto.OpSetACL, setACLBody(p, worldACL(proto.PermAll&^tc.perm), -1))
		rep := c.call(tc.op, tc.body(p))
		if proto.Err(rep.Hdr.Err) != proto.ErrNoAuth {
			t.Errorf("%v without perm %d on the %s: %v, want NoAuth", tc.op, tc.perm, tc.node, proto.Err(rep.Hdr.Err))
		}
		// Granting that perm alone (on a fresh copy) is enough.
		q := p + "ok"
		c.ok(proto.OpCreate, createBody(q, nil, openACL, 0))
		c.ok(proto.OpCreate, createBody(q+"/kid", nil, openACL, 0))
		c.ok(proto.OpSetACL, setACLBody(q, worldACL(tc.perm), -1))
		if rep := c.call(tc.op, tc.body(q)); rep.Hdr.Err != 0 {
			t.Errorf("%v with only perm %d: %v", tc.op, tc.perm, rep.Hdr.Err)
		}
	}
	// Reads of a child do not need anything on the parent; writes of a
	// node need nothing on its parent.
	c.ok(proto.OpCreate, createBody("/locked", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/locked/kid", b("k"), openACL, 0))
	c.ok(proto.OpSetACL, setACLBody("/locked", worldACL(0), -1))
	c.ok(proto.OpGetData, pathWatch("/locked/kid", false))
	c.ok(proto.OpSetData, setDataBody("/locked/kid", b("v"), -1))
	c.ok(proto.OpSetACL, setACLBody("/locked/kid", openACL, -1))
	c.ok(proto.OpCreate, createBody("/locked/kid/g", nil, openACL, 0))
	// Ops without ACL checks work on the locked node.
	c.ok(proto.OpSync, pathOnly("/locked"))
	c.ok(proto.OpAddWatch, addWatchBody("/locked", proto.AddWatchPersistent))
	c.ok(proto.OpRemoveWatches, watchesBody("/locked", proto.WatcherAny))
	q := proto.SetWatches{RelativeZxid: lastZxid(t, s.Addr), DataWatches: bs("/locked")}
	c.ok(proto.OpSetWatches, q.Append(nil))
	c.ok(proto.OpCheckWatches, watchesBody("/locked", proto.WatcherData))
	c.ok(proto.OpGetEphemerals, (&proto.GetEphemeralsRequest{PrefixPath: b("/locked")}).Append(nil))
}

// getACL without ADMIN masks digest ids as user:x.
func TestGetACLRedaction(t *testing.T) {
	s := start(t)
	owner := dial(t, s.Addr)
	owner.authOK("digest", "owner:pw")
	acl := []proto.ACL{
		{Perms: proto.PermAll, Scheme: "digest", ID: digestID("owner:pw")},
		{Perms: proto.PermRead, Scheme: "digest", ID: digestID("reader:pw")},
		{Perms: proto.PermRead, Scheme: "world", ID: "anyone"},
		{Perms: proto.PermRead, Scheme: "ip", ID: "10.1.2.3"},
	}
	owner.ok(proto.OpCreate, createBody("/r", nil, acl, 0))
	full := dec[proto.GetACLResponse](t, owner.ok(proto.OpGetACL, pathOnly("/r")).Body)
	for i := range acl {
		if full.ACL[i] != acl[i] {
			t.Fatalf("admin getACL %+v, want %+v", full.ACL, acl)
		}
	}
	other := dial(t, s.Addr)
	red := dec[proto.GetACLResponse](t, other.ok(proto.OpGetACL, pathOnly("/r")).Body)
	want := append([]proto.ACL(nil), acl...)
	want[0].ID = "owner:x"
	want[1].ID = "reader:x"
	if len(red.ACL) != len(want) {
		t.Fatalf("redacted getACL %+v", red.ACL)
	}
	for i := range want {
		if red.ACL[i] != want[i] {
			t.Fatalf("redacted getACL %+v, want %+v", red.ACL, want)
		}
	}
	if red.Stat != full.Stat {
		t.Fatalf("stats differ")
	}
	// Redaction is only in the reply: the stored ACL still works.
	owner.ok(proto.OpSetData, setDataBody("/r", b("x"), -1))
}

func TestSuperDigest(t *testing.T) {
	super := digestID("super:letmein")
	s := serve(t, opts{SuperDigest: super})
	owner := dial(t, s.Addr)
	owner.authOK("digest", "owner:pw")
	owner.ok(proto.OpCreate, createBody("/mine", b("m"), []proto.ACL{{Perms: proto.PermAll, Scheme: "auth"}}, 0))
	owner.ok(proto.OpCreate, createBody("/mine/kid", nil, openACL, 0))
	owner.ok(proto.OpSetACL, setACLBody("/mine", []proto.ACL{{Perms: proto.PermAll, Scheme: "auth"}}, -1))
	owner.ok(proto.OpCreate, createBody("/none", nil, worldACL(0), 0))
	su := dial(t, s.Addr)
	su.fails(proto.OpGetData, pathWatch("/mine", false), proto.ErrNoAuth)
	su.authOK("digest", "super:wrong")
	su.fails(proto.OpGetData, pathWatch("/mine", false), proto.ErrNoAuth)
	su.authOK("digest", "super:letmein")
	su.ok(proto.OpGetData, pathWatch("/mine", false))
	su.ok(proto.OpGetData, pathWatch("/none", false))
	su.ok(proto.OpSetData, setDataBody("/mine", b("su"), -1))
	su.ok(proto.OpCreate, createBody("/mine/su", nil, openACL, 0))
	su.ok(proto.OpDelete, deleteBody("/mine/kid", -1))
	// Super sees unredacted ACLs.
	got := dec[proto.GetACLResponse](t, su.ok(proto.OpGetACL, pathOnly("/mine")).Body)
	if len(got.ACL) != 1 || got.ACL[0].ID != digestID("owner:pw") {
		t.Fatalf("super getACL %+v", got.ACL)
	}
	su.ok(proto.OpSetACL, setACLBody("/none", openACL, -1))
	// whoAmI lists ip, super and the digest identity.
	who := dec[proto.WhoAmIResponse](t, su.ok(proto.OpWhoAmI, nil).Body)
	seen := map[proto.ClientInfo]bool{}
	for _, ci := range who.ClientInfo {
		seen[ci] = true
	}
	for _, ci := range []proto.ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}, {AuthScheme: "super", User: ""}, {AuthScheme: "digest", User: "super"}} {
		if !seen[ci] {
			t.Fatalf("whoAmI %+v lacks %+v", who.ClientInfo, ci)
		}
	}
	// super is not an ACL scheme.
	su.fails(proto.OpCreate, createBody("/s", nil, []proto.ACL{{Perms: proto.PermAll, Scheme: "super", ID: ""}}, 0), proto.ErrInvalidACL)
	// Without a configured super digest, "super:..." is an ordinary user.
	s2 := start(t)
	c := dial(t, s2.Addr)
	c.ok(proto.OpCreate, createBody("/none", nil, worldACL(0), 0))
	c.authOK("digest", "super:letmein")
	c.fails(proto.OpGetData, pathWatch("/none", false), proto.ErrNoAuth)
}

// whoAmI lists the connection's identities (in no particular order:
// ZooKeeper keeps them in a set), duplicates collapsed.
func TestWhoAmI(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.authOK("digest", "alice:pw")
	c.authOK("digest", "alice:pw")
	c.authOK("digest", "bob:pw")
	who := dec[proto.WhoAmIResponse](t, c.ok(proto.OpWhoAmI, nil).Body)
	want := map[proto.ClientInfo]bool{{AuthScheme: "ip", User: "127.0.0.1"}: true, {AuthScheme: "digest", User: "alice"}: true, {AuthScheme: "digest", User: "bob"}: true}
	if len(who.ClientInfo) != len(want) {
		t.Fatalf("whoAmI %+v, want %v", who.ClientInfo, want)
	}
	for _, ci := range who.ClientInfo {
		if !want[ci] {
			t.Fatalf("whoAmI %+v, want %v", who.ClientInfo, want)
		}
	}
	// Another connection of the same session starts over with its own.
	c2, err := dialAs(t, s.Addr, c.SessionID, c.Passwd)
	if err != nil {
		t.Fatal(err)
	}
	who = dec[proto.WhoAmIResponse](t, c2.ok(proto.OpWhoAmI, nil).Body)
	if len(who.ClientInfo) != 1 || who.ClientInfo[0].AuthScheme != "ip" {
		t.Fatalf("whoAmI on a new connection of the session %+v", who.ClientInfo)
	}
}

// The auth reply echoes the request's xid: Java and C send -4, but
// go-zookeeper sends AuthPackets with ordinary positive xids and waits for
// that xid. ZooKeeper answers {xid, 0, err}.
func TestAuthEchoesXid(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	for _, xid := range []int32{7, 1 << 20} {
		if err := c.Send(xid, proto.OpAuth, authBody("digest", "a:b")); err != nil {
			t.Fatal(err)
		}
		rep, err := c.Read(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Hdr.Xid != xid || rep.Hdr.Err != 0 || rep.Hdr.Zxid != 0 || len(rep.Body) != 0 {
			t.Fatalf("auth with xid %d answered %+v, want {%d, 0, 0}", xid, rep.Hdr, xid)
		}
	}
	// go-zookeeper's AddAuth relies on it.
	g, _ := connect(t, s.Addr)
	if err := addAuth(t, g, "digest", "u:p"); err != nil {
		t.Fatalf("AddAuth: %v", err)
	}
}

// addAuth is go-zk's AddAuth with a deadline (against a server that never
// answers it, AddAuth blocks until the session ends).
func addAuth(t testing.TB, g *zk.Conn, scheme, auth string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- g.AddAuth(scheme, []byte(auth)) }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("go-zk AddAuth(%s) got no answer within 5s", scheme)
	}
	return nil
}

// An auth packet with an unknown scheme answers AuthFailed with xid -4 and
// zxid 0, then the connection is closed.
func TestAuthFailed(t *testing.T) {
	s := start(t)
	for _, scheme := range []string{"nope", "sasl", "super", "world"} {
		c := dial(t, s.Addr)
		rep := c.auth(scheme, "x")
		if rep.Hdr.Xid != proto.XidAuth || proto.Err(rep.Hdr.Err) != proto.ErrAuthFailed || rep.Hdr.Zxid != 0 || len(rep.Body) != 0 {
			t.Fatalf("auth %q: reply %+v body %x, want {-4, 0, AuthFailed}", scheme, rep.Hdr, rep.Body)
		}
		if !c.closedWithin(5 * time.Second) {
			t.Fatalf("auth %q: connection left open after AuthFailed", scheme)
		}
	}
	// A good auth answers {-4, 0, 0}.
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/z", nil, openACL, 0))
	rep := c.auth("digest", "u:p")
	if rep.Hdr.Zxid != 0 || rep.Hdr.Err != 0 {
		t.Fatalf("auth reply %+v", rep.Hdr)
	}
	// go-zookeeper reports the failure as ErrAuthFailed.
	g, _ := connect(t, s.Addr)
	if err := addAuth(t, g, "nope", "x"); !errors.Is(err, zk.ErrAuthFailed) {
		t.Fatalf("go-zk AddAuth with a bad scheme: %v", err)
	}
}
