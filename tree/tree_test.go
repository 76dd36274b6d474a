package tree

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/zen-coord/zen/proto"
)

const sess1 int64 = 0x0100000000000001

func TestNewSystemNodes(t *testing.T) {
	tr := New()
	// As `stat` shows them on a fresh ZooKeeper 3.8.0.
	want := map[string]proto.Stat{
		"/":                 {Cversion: -1, NumChildren: 1},
		"/zookeeper":        {Cversion: -2, NumChildren: 2},
		"/zookeeper/quota":  {},
		"/zookeeper/config": {Aversion: -1},
	}
	for path, ws := range want {
		data, null, st, err := tr.GetData(path, nil, nil)
		if err != proto.ErrOk || null || data == nil || len(data) != 0 {
			t.Errorf("%s: data %v null %v err %v, want empty non-null", path, data, null, err)
		}
		if st != ws {
			t.Errorf("%s: stat %+v, want %+v", path, st, ws)
		}
		acl, _, _ := tr.GetACL(path)
		wantACL := proto.OpenACL
		if path == "/zookeeper/config" {
			wantACL = proto.ReadACL
		}
		if !slices.Equal(acl, wantACL) {
			t.Errorf("%s: acl %v, want %v", path, acl, wantACL)
		}
	}
	eqStrings(t, "children of /", children(t, tr, "/"), []string{"zookeeper"})
	eqStrings(t, "children of /zookeeper", children(t, tr, "/zookeeper"), []string{"config", "quota"})
	if got := tr.NodeCount(); got != 5 {
		t.Errorf("NodeCount = %d, want 5", got)
	}
	if got := tr.ApproxDataSize(); got != 44 {
		t.Errorf("ApproxDataSize = %d, want 44", got)
	}
	if tr.LastZxid() != 0 || tr.EphemeralCount() != 0 || len(tr.Sessions()) != 0 {
		t.Errorf("fresh tree: zxid %d ephemerals %d sessions %v", tr.LastZxid(), tr.EphemeralCount(), tr.Sessions())
	}
	if n, err := tr.GetAllChildrenNumber("/", nil); err != proto.ErrOk || n != 3 {
		t.Errorf("GetAllChildrenNumber(/) = %d, %v; want 3", n, err)
	}
}

func TestCreateStat(t *testing.T) {
	tr := New()
	r := mustApply(t, tr, createE(0x100000001, "/a", "hello", 0))
	if r.Err != proto.ErrOk || r.Path != "/a" || r.Hdr.Zxid != 0x100000001 {
		t.Fatalf("result %+v", r)
	}
	want := proto.Stat{Czxid: 0x100000001, Mzxid: 0x100000001, Pzxid: 0x100000001,
		Ctime: 1000 + 0x100000001, Mtime: 1000 + 0x100000001, DataLength: 5}
	if r.Stat != want {
		t.Errorf("create result stat %+v, want %+v", r.Stat, want)
	}
	if st := mustStat(t, tr, "/a"); st != want {
		t.Errorf("stat /a %+v, want %+v", st, want)
	}
	// Parent: cversion +1 (from -1 to 0), pzxid, numChildren; mzxid and
	// version unchanged.
	root := mustStat(t, tr, "/")
	if root.Cversion != 0 || root.NumChildren != 2 || root.Pzxid != 0x100000001 || root.Mzxid != 0 || root.Version != 0 {
		t.Errorf("root after create: %+v", root)
	}
	if tr.LastZxid() != 0x100000001 {
		t.Errorf("LastZxid %#x", tr.LastZxid())
	}
	if tr.NodeCount() != 6 || tr.ApproxDataSize() != 44+2+5 {
		t.Errorf("NodeCount %d ApproxDataSize %d", tr.NodeCount(), tr.ApproxDataSize())
	}
	data, null, _, _ := tr.GetData("/a", nil, nil)
	if string(data) != "hello" || null {
		t.Errorf("data %q null %v", data, null)
	}
}

func TestCreateCopiesData(t *testing.T) {
	tr := New()
	e := createE(1, "/a", "hello", 0)
	mustApply(t, tr, e)
	// Scribble over the entry: the node must hold its own copy.
	for i := range e {
		e[i] = 'x'
	}
	data, _, _, _ := tr.GetData("/a", nil, nil)
	if string(data) != "hello" || cap(data) != len(data) {
		t.Errorf("data %q cap %d", data, cap(data))
	}
}

func TestNullVersusEmptyData(t *testing.T) {
	tr := New()
	mustApply(t, tr, entry(proto.TxnCreate, 1, 1, &proto.CreateTxn{Path: "/null", DataNull: true, ACL: proto.OpenACL}))
	mustApply(t, tr, createE(2, "/empty", "", 0))
	for _, c := range []struct {
		path string
		null bool
	}{{"/null", true}, {"/empty", false}} {
		data, null, st, err := tr.GetData(c.path, nil, nil)
		if err != proto.ErrOk || null != c.null || len(data) != 0 || st.DataLength != 0 || (data == nil) != c.null {
			t.Errorf("%s: data %v null %v len %d", c.path, data, null, st.DataLength)
		}
	}
	mustApply(t, tr, entry(proto.TxnSetData, 3, 1, &proto.SetDataTxn{Path: "/empty", DataNull: true, Version: 1}))
	mustApply(t, tr, setDataE(4, "/null", "", 1))
	if _, null, _, _ := tr.GetData("/empty", nil, nil); !null {
		t.Error("/empty: setData(null) did not make data null")
	}
	if data, null, _, _ := tr.GetData("/null", nil, nil); null || data == nil {
		t.Error("/null: setData(empty) left data null")
	}
}

func TestDeleteStat(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/p", "", 0))
	mustApply(t, tr, createE(2, "/p/a", "", 0))
	mustApply(t, tr, createE(3, "/p/b", "", 0))
	r := mustApply(t, tr, deleteE(4, "/p/a"))
	if r.Err != proto.ErrOk {
		t.Fatalf("delete: %v", r.Err)
	}
	if _, err := tr.Exists("/p/a", nil, nil); err != proto.ErrNoNode {
		t.Errorf("/p/a still exists: %v", err)
	}
	p := mustStat(t, tr, "/p")
	// 2 creations, 1 deletion: cversion 3 = 2*2-1.
	if p.Cversion != 3 || p.NumChildren != 1 || p.Pzxid != 4 || p.Mzxid != 1 {
		t.Errorf("parent after delete: %+v", p)
	}
	ni, _ := tr.Lookup("/p")
	if ni.ChildCreates != 2 {
		t.Errorf("ChildCreates %d after delete, want 2 (deletes never decrement)", ni.ChildCreates)
	}
	eqStrings(t, "children", children(t, tr, "/p"), []string{"b"})
	mustApply(t, tr, deleteE(5, "/p/b"))
	if tr.lookupLocked("/p").children != nil {
		t.Error("childless node still carries a children map")
	}
	if tr.NodeCount() != 6 || tr.ApproxDataSize() != 44+2 {
		t.Errorf("NodeCount %d ApproxDataSize %d", tr.NodeCount(), tr.ApproxDataSize())
	}
}

func TestSetDataStat(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/a", "x", 0))
	r := mustApply(t, tr, setDataE(7, "/a", "longer", 1))
	want := proto.Stat{Czxid: 1, Mzxid: 7, Pzxid: 1, Ctime: 1001, Mtime: 1007, Version: 1, DataLength: 6}
	if r.Stat != want {
		t.Errorf("setData stat %+v, want %+v", r.Stat, want)
	}
	// The txn carries the new version; apply stores it as is.
	mustApply(t, tr, setDataE(8, "/a", "y", 0))
	if st := mustStat(t, tr, "/a"); st.Version != 0 || st.Mzxid != 8 {
		t.Errorf("stat %+v", st)
	}
	if tr.ApproxDataSize() != 44+2+1 {
		t.Errorf("ApproxDataSize %d", tr.ApproxDataSize())
	}
	if tr.LastZxid() != 8 {
		t.Errorf("LastZxid %d", tr.LastZxid())
	}
}

func TestSetACLStatAndInterning(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/a", "", 0))
	mustApply(t, tr, createE(2, "/b", "", 0))
	acl := []proto.ACL{{Perms: proto.PermRead, Scheme: "ip", ID: "10.0.0.1"}}
	r := mustApply(t, tr, setACLE(3, "/a", acl, 1))
	if r.Stat.Aversion != 1 || r.Stat.Mzxid != 1 || r.Stat.Version != 0 {
		t.Errorf("setACL stat %+v", r.Stat)
	}
	mustApply(t, tr, setACLE(4, "/b", slices.Clone(acl), 1))
	a, _, _ := tr.GetACL("/a")
	b, _, _ := tr.GetACL("/b")
	if !slices.Equal(a, acl) || &a[0] != &b[0] {
		t.Errorf("equal ACLs not shared: %v %v", a, b)
	}
	root, _, _ := tr.GetACL("/")
	if &root[0] == &a[0] {
		t.Error("different ACLs shared")
	}
	// world:anyone ALL is used by /, /zookeeper, /zookeeper/quota; the ip
	// list by /a and /b; READ by /zookeeper/config.
	if tr.acls.n != 3 {
		t.Errorf("%d interned lists, want 3", tr.acls.n)
	}
	mustApply(t, tr, setACLE(5, "/a", proto.OpenACL, 2))
	mustApply(t, tr, deleteE(6, "/b"))
	if tr.acls.n != 2 {
		t.Errorf("%d interned lists after last user went, want 2", tr.acls.n)
	}
	// SetACL fires nothing and changes no data stat.
	if st := mustStat(t, tr, "/a"); st.Aversion != 2 || st.Mzxid != 1 {
		t.Errorf("stat %+v", st)
	}
}

func TestSequenceCounterViaChildCreates(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/q", "", 0))
	zxid := int64(2)
	seq := func() string {
		ni, ok := tr.Lookup("/q")
		if !ok {
			t.Fatal("no /q")
		}
		return fmt.Sprintf("/q/n-%010d", ni.ChildCreates)
	}
	var made []string
	for i := 0; i < 3; i++ {
		p := seq()
		made = append(made, p)
		mustApply(t, tr, createE(zxid, p, "", 0))
		zxid++
	}
	// A non-sequential create also bumps the counter; deletes do not undo.
	mustApply(t, tr, createE(zxid, "/q/plain", "", 0))
	zxid++
	mustApply(t, tr, deleteE(zxid, made[0]))
	zxid++
	p := seq()
	if p != "/q/n-0000000004" {
		t.Errorf("next sequential name %s", p)
	}
	// Within one multi, successive creates see each other's increments.
	ni, _ := tr.Lookup("/q")
	m := mustApply(t, tr, multiE(zxid,
		sub(proto.TxnCreate, &proto.CreateTxn{Path: fmt.Sprintf("/q/n-%010d", ni.ChildCreates), ACL: proto.OpenACL}),
		sub(proto.TxnCreate, &proto.CreateTxn{Path: fmt.Sprintf("/q/n-%010d", ni.ChildCreates+1), ACL: proto.OpenACL}),
	))
	if m.Multi[0].Path != "/q/n-0000000004" || m.Multi[1].Path != "/q/n-0000000005" {
		t.Errorf("multi paths %+v", m.Multi)
	}
	ni, _ = tr.Lookup("/q")
	if ni.ChildCreates != 6 || ni.Stat.NumChildren != 5 || ni.Stat.Cversion != 7 {
		t.Errorf("after multi: ChildCreates %d stat %+v", ni.ChildCreates, ni.Stat)
	}
}

func TestChildCreatesWraps(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/w", "", 0))
	tr.lookupLocked("/w").childCreates = 0x7fffffff
	mustApply(t, tr, createE(2, "/w/x", "", 0))
	ni, _ := tr.Lookup("/w")
	if ni.ChildCreates != -0x80000000 {
		t.Errorf("ChildCreates %d, want int32 wrap", ni.ChildCreates)
	}
	// 2*(-2^31) - 1 in int32 arithmetic, as Java computes it.
	if ni.Stat.Cversion != -1 {
		t.Errorf("cversion %d", ni.Stat.Cversion)
	}
}

func TestOwnerMasking(t *testing.T) {
	tr := New()
	ttl := proto.OwnerTTLMask | 5000
	mustApply(t, tr, sessionE(1, sess1, 30000))
	mustApply(t, tr, createE(2, "/eph", "", sess1))
	mustApply(t, tr, createE(3, "/cont", "", proto.OwnerContainer))
	mustApply(t, tr, createE(4, "/ttl", "", ttl))
	mustApply(t, tr, createE(5, "/pers", "", 0))
	for _, c := range []struct {
		path          string
		client, owner int64
	}{{"/eph", sess1, sess1}, {"/cont", 0, proto.OwnerContainer}, {"/ttl", 0, ttl}, {"/pers", 0, 0}} {
		ni, _ := tr.Lookup(c.path)
		st := mustStat(t, tr, c.path)
		if st.EphemeralOwner != c.client || ni.Stat.EphemeralOwner != c.client || ni.Owner != c.owner {
			t.Errorf("%s: client owner %#x (lookup %#x), raw %#x; want %#x, %#x",
				c.path, st.EphemeralOwner, ni.Stat.EphemeralOwner, ni.Owner, c.client, c.owner)
		}
	}
	if tr.EphemeralCount() != 1 {
		t.Errorf("EphemeralCount %d", tr.EphemeralCount())
	}
}

func TestReapCandidates(t *testing.T) {
	tr := New()
	ttl := proto.OwnerTTLMask | 100
	mustApply(t, tr, createE(1, "/unused", "", proto.OwnerContainer))
	mustApply(t, tr, createE(2, "/used", "", proto.OwnerContainer))
	mustApply(t, tr, createE(3, "/used/x", "", 0))
	mustApply(t, tr, createE(4, "/busy", "", proto.OwnerContainer))
	mustApply(t, tr, createE(5, "/busy/x", "", 0))
	mustApply(t, tr, createE(6, "/ttl", "", ttl)) // mtime 1006
	mustApply(t, tr, createE(7, "/ttlkids", "", ttl))
	mustApply(t, tr, createE(8, "/ttlkids/x", "", 0))
	mustApply(t, tr, deleteE(9, "/used/x"))

	eqStrings(t, "at 1106", tr.ReapCandidates(1106, 0), []string{"/used"})
	eqStrings(t, "at 1107", tr.ReapCandidates(1107, 0), []string{"/ttl", "/used"})
	eqStrings(t, "limit 1", tr.ReapCandidates(1107, 1), []string{"/ttl"})
	// setData moves mtime and so postpones TTL expiry.
	mustApply(t, tr, setDataE(10, "/ttl", "v", 1))
	eqStrings(t, "after setData", tr.ReapCandidates(1107, 0), []string{"/used"})
	mustApply(t, tr, deleteE(11, "/used"))
	eqStrings(t, "after reaping", tr.ReapCandidates(1107, 0), nil)
	eqStrings(t, "later", tr.ReapCandidates(5000, 0), []string{"/ttl"})
}

func TestSessionsAndEphemerals(t *testing.T) {
	tr := New()
	s2 := sess1 + 1
	mustApply(t, tr, sessionE(1, s2, 4000))
	mustApply(t, tr, sessionE(2, sess1, 30000))
	if to, ok := tr.Session(sess1); !ok || to != 30000 {
		t.Errorf("Session = %d, %v", to, ok)
	}
	if got := tr.Sessions(); !slices.Equal(got, []SessionInfo{{sess1, 30000}, {s2, 4000}}) {
		t.Errorf("Sessions %v", got)
	}
	mustApply(t, tr, createE(3, "/app", "", 0))
	mustApply(t, tr, createE(4, "/app/lock-1", "", sess1))
	mustApply(t, tr, createE(5, "/app/lock-2", "", sess1))
	mustApply(t, tr, createE(6, "/other", "", sess1))
	mustApply(t, tr, createE(7, "/s2", "", s2))
	eqStrings(t, "all", tr.SessionEphemerals(sess1), []string{"/app/lock-1", "/app/lock-2", "/other"})
	eqStrings(t, "prefix /app", tr.Ephemerals(sess1, "/app"), []string{"/app/lock-1", "/app/lock-2"})
	eqStrings(t, "string prefix /app/lock-", tr.Ephemerals(sess1, "/app/lock-"), []string{"/app/lock-1", "/app/lock-2"})
	eqStrings(t, "prefix /", tr.Ephemerals(sess1, "/"), tr.SessionEphemerals(sess1))
	eqStrings(t, "blank prefix", tr.Ephemerals(sess1, "  "), tr.SessionEphemerals(sess1))
	if tr.EphemeralCount() != 4 {
		t.Errorf("EphemeralCount %d", tr.EphemeralCount())
	}

	// closeSession lists only one path; the others it still owns go too.
	log := &evlog{}
	w := newRec("w", log)
	tr.Exists("/other", nil, w)
	tr.GetChildren("/app", nil, w, nil)
	mustApply(t, tr, closeE(8, sess1, "/app/lock-2"))
	if _, ok := tr.Session(sess1); ok {
		t.Error("session survived close")
	}
	for _, p := range []string{"/app/lock-1", "/app/lock-2", "/other"} {
		if _, err := tr.Exists(p, nil, nil); err != proto.ErrNoNode {
			t.Errorf("%s survived close: %v", p, err)
		}
	}
	eqStrings(t, "events", strs(log.take()), []string{
		"w:4:/app:8", // lock-2 (listed) first; the child watch is one-shot
		"w:2:/other:8",
	})
	if tr.EphemeralCount() != 1 || len(tr.SessionEphemerals(sess1)) != 0 {
		t.Errorf("EphemeralCount %d", tr.EphemeralCount())
	}
	app := mustStat(t, tr, "/app")
	if app.Pzxid != 8 || app.NumChildren != 0 || app.Cversion != 4 {
		t.Errorf("/app after close %+v", app)
	}
	if got := tr.Sessions(); !slices.Equal(got, []SessionInfo{{s2, 4000}}) {
		t.Errorf("Sessions %v", got)
	}
}

func TestErrorCheckAndMulti(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/a", "", 0))
	d := tr.Digest()
	r := mustApply(t, tr, errorE(2, proto.ErrNodeExists))
	if r.Err != proto.ErrNodeExists || tr.Digest() != d || tr.LastZxid() != 2 {
		t.Errorf("error txn: %+v, changed %v, zxid %d", r, tr.Digest() != d, tr.LastZxid())
	}
	// A failed multi: every sub-txn is an error; nothing changes.
	r = mustApply(t, tr, multiE(3,
		sub(proto.TxnError, &proto.ErrorTxn{Err: proto.ErrOk}),
		sub(proto.TxnError, &proto.ErrorTxn{Err: proto.ErrBadVersion}),
		sub(proto.TxnError, &proto.ErrorTxn{Err: proto.ErrRuntimeInconsistency}),
	))
	if r.Err != proto.ErrOk || len(r.Multi) != 3 || r.Multi[1].Err != proto.ErrBadVersion ||
		r.Multi[2].Type != proto.TxnError || tr.Digest() != d {
		t.Errorf("failed multi %+v", r)
	}
	// A successful multi: one zxid for everything, sub-ops see each other.
	r = mustApply(t, tr, multiE(4,
		sub(proto.TxnCheck, &proto.CheckTxn{Path: "/a", Version: 0}),
		sub(proto.TxnCreate, &proto.CreateTxn{Path: "/m", Data: []byte("1"), ACL: proto.OpenACL}),
		sub(proto.TxnCreate, &proto.CreateTxn{Path: "/m/c", ACL: proto.OpenACL}),
		sub(proto.TxnSetData, &proto.SetDataTxn{Path: "/m", Data: []byte("22"), Version: 1}),
		sub(proto.TxnDelete, &proto.DeleteTxn{Path: "/a"}),
	))
	types := []proto.OpCode{proto.TxnCheck, proto.TxnCreate, proto.TxnCreate, proto.TxnSetData, proto.TxnDelete}
	for i, o := range r.Multi {
		if o.Type != types[i] || o.Err != proto.ErrOk {
			t.Errorf("op %d: %+v", i, o)
		}
	}
	if r.Multi[1].Path != "/m" || r.Multi[2].Path != "/m/c" || r.Multi[3].Stat.Version != 1 || r.Multi[3].Stat.DataLength != 2 {
		t.Errorf("multi results %+v", r.Multi)
	}
	m := mustStat(t, tr, "/m")
	if m.Czxid != 4 || m.Mzxid != 4 || m.Pzxid != 4 || m.Version != 1 || m.NumChildren != 1 {
		t.Errorf("/m %+v", m)
	}
	root := mustStat(t, tr, "/")
	if root.Pzxid != 4 || root.NumChildren != 2 {
		t.Errorf("/ %+v", root)
	}
}

func TestApplyRejectsUndecodable(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/a", "", 0))
	d := tr.Digest()
	good := multiE(2,
		sub(proto.TxnCreate, &proto.CreateTxn{Path: "/b", ACL: proto.OpenACL}),
		sub(proto.TxnDelete, &proto.DeleteTxn{Path: "/a"}),
	)
	bad := [][]byte{
		nil,
		good[:10],
		good[:len(good)-3],
		entry(proto.OpCode(77), 2, 1, nil),
		multiE(2, sub(proto.TxnCreateSession, &proto.CreateSessionTxn{Timeout: 1})),
		multiE(2, proto.SubTxn{Type: proto.TxnCreate, Body: []byte{0, 0}}),
	}
	for i, e := range bad {
		if _, err := tr.Apply(e); err == nil {
			t.Errorf("entry %d: no error", i)
		}
	}
	if tr.Digest() != d || tr.LastZxid() != 1 {
		t.Error("a rejected entry changed the tree")
	}
	mustApply(t, tr, good)
}

func TestGetAllChildrenNumber(t *testing.T) {
	tr := New()
	for i, p := range []string{"/a", "/a/b", "/a/b/c", "/a/d", "/ab"} {
		mustApply(t, tr, createE(int64(i+1), p, "", 0))
	}
	for path, want := range map[string]int32{"/": 8, "/a": 3, "/a/b": 1, "/a/b/c": 0, "/ab": 0, "/zookeeper": 2} {
		if n, err := tr.GetAllChildrenNumber(path, nil); err != proto.ErrOk || n != want {
			t.Errorf("%s: %d, %v; want %d", path, n, err, want)
		}
	}
	if _, err := tr.GetAllChildrenNumber("/nope", nil); err != proto.ErrNoNode {
		t.Errorf("missing: %v", err)
	}
}

func TestReadPermissions(t *testing.T) {
	tr := New()
	mustApply(t, tr, entry(proto.TxnCreate, 1, 1, &proto.CreateTxn{Path: "/secret", Data: []byte("s"), ACL: digestACL}))
	mustApply(t, tr, createE(2, "/secret/x", "", 0))
	log := &evlog{}
	w := newRec("w", log)
	var c denyDigest
	if _, err := tr.Exists("/secret", c, w); err != proto.ErrNoAuth {
		t.Errorf("Exists: %v", err)
	}
	if _, _, _, err := tr.GetData("/secret", c, w); err != proto.ErrNoAuth {
		t.Errorf("GetData: %v", err)
	}
	if _, _, err := tr.GetChildren("/secret", c, w, nil); err != proto.ErrNoAuth {
		t.Errorf("GetChildren: %v", err)
	}
	if _, err := tr.GetAllChildrenNumber("/secret", c); err != proto.ErrNoAuth {
		t.Errorf("GetAllChildrenNumber: %v", err)
	}
	if _, _, _, err := tr.GetData("/secret/x", c, nil); err != proto.ErrOk {
		t.Errorf("GetData child: %v", err)
	}
	if _, _, n := tr.WatchStats(); n != 0 {
		t.Errorf("%d watches registered despite NoAuth", n)
	}
	// A denied read of a missing node is NoNode; exists still watches it.
	if _, err := tr.Exists("/secret/none", c, w); err != proto.ErrNoNode {
		t.Errorf("Exists missing: %v", err)
	}
	if !tr.CheckWatches("/secret/none", w, proto.WatcherData) {
		t.Error("exists on a missing node registered no watch")
	}
}

func TestSplitPath(t *testing.T) {
	for _, c := range []struct{ in, parent, name string }{
		{"/a", "/", "a"}, {"/a/b", "/a", "b"}, {"/a/b/", "/a/b", ""}, {"/", "", ""}, {"x", "", ""},
	} {
		p, n, ok := splitPath(c.in)
		if p != c.parent || n != c.name || ok != (c.parent != "") {
			t.Errorf("splitPath(%q) = %q %q %v", c.in, p, n, ok)
		}
	}
}

func TestStripeIndexBytesMatchesString(t *testing.T) {
	tr := New()
	for _, p := range []string{"/", "/a", "/zookeeper/config", "/a/b/c/d/e/f"} {
		if tr.stripeIndex(p) != tr.stripeIndexBytes([]byte(p)) {
			t.Errorf("%s: string and bytes stripes differ", p)
		}
	}
}

func TestDigestSensitivity(t *testing.T) {
	build := func(mut func(*Tree)) uint64 {
		tr := New()
		mustApply(t, tr, createE(1, "/a", "x", 0))
		mustApply(t, tr, sessionE(2, sess1, 100))
		if mut != nil {
			mut(tr)
		}
		return tr.Digest()
	}
	base := build(nil)
	if build(nil) != base {
		t.Fatal("digest not deterministic")
	}
	muts := map[string]func(*Tree){
		"data":    func(tr *Tree) { tr.lookupLocked("/a").data = []byte("y") },
		"null":    func(tr *Tree) { tr.lookupLocked("/a").null = true },
		"version": func(tr *Tree) { tr.lookupLocked("/a").version++ },
		"creates": func(tr *Tree) { tr.lookupLocked("/a").childCreates++ },
		"owner":   func(tr *Tree) { tr.lookupLocked("/a").owner = proto.OwnerContainer },
		"last":    func(tr *Tree) { tr.lookupLocked("/a").lastZxid++ },
		"acl":     func(tr *Tree) { tr.lookupLocked("/a").acl = tr.acls.intern(proto.ReadACL) },
		"session": func(tr *Tree) { tr.sessions[sess1] = session{timeout: 101, lastZxid: 2} },
		"node":    func(tr *Tree) { mustApply(t, tr, createE(3, "/b", "", 0)) },
	}
	for name, m := range muts {
		if build(m) == base {
			t.Errorf("digest ignores %s", name)
		}
	}
}

func TestDataIsSharedNotCopiedOnRead(t *testing.T) {
	tr := New()
	mustApply(t, tr, createE(1, "/a", "abc", 0))
	d1, _, _, _ := tr.GetData("/a", nil, nil)
	d2, _, _, _ := tr.GetData("/a", nil, nil)
	if &d1[0] != &d2[0] {
		t.Error("reads returned different copies")
	}
	mustApply(t, tr, setDataE(2, "/a", "xyz", 1))
	if !bytes.Equal(d1, []byte("abc")) {
		t.Errorf("setData modified a slice a reader holds: %q", d1)
	}
}
