package e2e

// multi (14) and multiRead (22), PROTOCOL.md §9.

import (
	"errors"
	"testing"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

func multiBody(ops ...proto.MultiOp) []byte { return proto.AppendMulti(nil, ops) }

// All ops apply under one zxid and each sees the earlier ones. Result
// types: ZooKeeper 3.8.0 rebuilds each create op from its flags
// (Op.create), so a create or create2 with a plain mode answers as create
// (path only) and container or TTL modes answer as create2 (path and stat).
// PROTOCOL.md says the request type is mirrored; real 3.8.0 wins.
func TestMultiSuccess(t *testing.T) {
	s := serve(t, opts{ExtendedTypes: true})
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/old", b("o"), openACL, 0))
	c.ok(proto.OpCreate, createBody("/gone", nil, openACL, 0))
	lo := nowMs()
	rep := c.ok(proto.OpMulti, multiBody(
		proto.MultiOp{Type: proto.OpCreate, Path: b("/m"), Data: b("m"), ACL: openACL},
		proto.MultiOp{Type: proto.OpCreate2, Path: b("/m/c2"), Data: b("cc"), ACL: openACL, Flags: proto.FlagEphemeral},
		proto.MultiOp{Type: proto.OpCreateContainer, Path: b("/m/box"), ACL: openACL, Flags: proto.FlagContainer},
		proto.MultiOp{Type: proto.OpCreateTTL, Path: b("/m/ttl"), ACL: openACL, Flags: proto.FlagPersistentWithTTL, TTL: 100000},
		proto.MultiOp{Type: proto.OpSetData, Path: b("/m"), Data: b("mm"), Version: 0},
		proto.MultiOp{Type: proto.OpCheck, Path: b("/m"), Version: 1},
		proto.MultiOp{Type: proto.OpSetData, Path: b("/old"), DataNull: true, Version: -1},
		proto.MultiOp{Type: proto.OpDelete, Path: b("/gone"), Version: 0},
		proto.MultiOp{Type: proto.OpCheck, Path: b("/old"), Version: -1},
	))
	hi := nowMs()
	z := rep.Hdr.Zxid
	res := decMulti(t, rep.Body)
	wantTypes := []proto.OpCode{proto.OpCreate, proto.OpCreate, proto.OpCreate2, proto.OpCreate2,
		proto.OpSetData, proto.OpCheck, proto.OpSetData, proto.OpDelete, proto.OpCheck}
	if len(res) != len(wantTypes) {
		t.Fatalf("%d results, want %d: %+v", len(res), len(wantTypes), res)
	}
	for i, w := range wantTypes {
		if res[i].Type != w || res[i].Err != 0 {
			t.Fatalf("result %d: type %v err %v, want %v", i, res[i].Type, res[i].Err, w)
		}
	}
	if string(res[0].Path) != "/m" || string(res[1].Path) != "/m/c2" || string(res[2].Path) != "/m/box" || string(res[3].Path) != "/m/ttl" {
		t.Fatalf("create paths %q %q %q %q", res[0].Path, res[1].Path, res[2].Path, res[3].Path)
	}
	if st := c.stat("/m/c2"); st.EphemeralOwner != c.SessionID || st.Czxid != z {
		t.Fatalf("/m/c2 stat %+v", st)
	}
	freshStat(t, res[2].Stat, z, lo, hi, 0, 0)
	freshStat(t, res[3].Stat, z, lo, hi, 0, 0)
	if st := res[4].Stat; st.Version != 1 || st.Mzxid != z || st.Czxid != z || st.DataLength != 2 || st.NumChildren != 3 || st.Pzxid != z {
		t.Fatalf("setData result stat %+v", st)
	}
	if st := res[6].Stat; st.Version != 1 || st.Mzxid != z || st.DataLength != 0 {
		t.Fatalf("setData(null) result stat %+v", st)
	}
	// One zxid for everything: the multi is one txn.
	if lz := lastZxid(t, s.Addr); lz != z {
		t.Fatalf("last zxid %#x, multi reply zxid %#x", lz, z)
	}
	for _, p := range []string{"/m", "/m/c2", "/m/box", "/m/ttl"} {
		if st := c.stat(p); st.Czxid != z {
			t.Fatalf("%s czxid %#x, want %#x", p, st.Czxid, z)
		}
	}
	if st := c.stat("/"); st.Pzxid != z {
		t.Fatalf("root pzxid %#x, want %#x", st.Pzxid, z)
	}
	c.fails(proto.OpExists, pathWatch("/gone", false), proto.ErrNoNode)
	got := dec[proto.GetDataResponse](t, c.ok(proto.OpGetData, pathWatch("/old", false)).Body)
	if !got.DataNull {
		t.Fatalf("/old data %q, want null", got.Data)
	}
}

// On failure nothing is applied; every result is an error result: Ok before
// the failing op, its code at it, RuntimeInconsistency after it; the header
// err is 0 and the failed multi still consumes one zxid.
func TestMultiFailureShape(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/x", b("x"), openACL, 0))
	w.ok(proto.OpGetData, pathWatch("/x", true))
	w.fails(proto.OpExists, pathWatch("/a", true), proto.ErrNoNode)
	before := c.stat("/x")
	root := c.stat("/")
	z0 := lastZxid(t, s.Addr)
	rep := c.call(proto.OpMulti, multiBody(
		proto.MultiOp{Type: proto.OpCreate, Path: b("/a"), ACL: openACL},
		proto.MultiOp{Type: proto.OpSetData, Path: b("/x"), Data: b("y"), Version: 0},
		proto.MultiOp{Type: proto.OpCheck, Path: b("/x"), Version: 0}, // fails: /x is at version 1 now
		proto.MultiOp{Type: proto.OpDelete, Path: b("/x"), Version: -1},
		proto.MultiOp{Type: proto.OpCreate2, Path: b("/b"), ACL: openACL},
	))
	if rep.Hdr.Err != 0 {
		t.Fatalf("failed multi header err %v, want 0", proto.Err(rep.Hdr.Err))
	}
	if rep.Hdr.Zxid != z0+1 {
		t.Fatalf("failed multi zxid %#x, want %#x", rep.Hdr.Zxid, z0+1)
	}
	res := decMulti(t, rep.Body)
	want := []proto.Err{0, 0, proto.ErrBadVersion, proto.ErrRuntimeInconsistency, proto.ErrRuntimeInconsistency}
	if len(res) != len(want) {
		t.Fatalf("results %+v", res)
	}
	for i := range want {
		if res[i].Type != proto.OpError || res[i].Err != want[i] {
			t.Fatalf("result %d = type %v err %v, want error result %v", i, res[i].Type, res[i].Err, want[i])
		}
	}
	c.fails(proto.OpExists, pathWatch("/a", false), proto.ErrNoNode)
	c.fails(proto.OpExists, pathWatch("/b", false), proto.ErrNoNode)
	if st := c.stat("/x"); st != before {
		t.Fatalf("/x changed by a failed multi: %+v -> %+v", before, st)
	}
	if st := c.stat("/"); st != root {
		t.Fatalf("/ changed by a failed multi: %+v -> %+v", root, st)
	}
	if evs := w.drainEvents(200e6); len(evs) != 0 {
		t.Fatalf("failed multi fired watches: %v", evs)
	}
	// The raw bytes of an error result: header {-1, false, err} + ErrorResponse{err}.
	rep = c.call(proto.OpMulti, multiBody(proto.MultiOp{Type: proto.OpDelete, Path: b("/none"), Version: -1}))
	wantBody := proto.AppendMultiError(nil, proto.ErrNoNode)
	wantBody = proto.AppendMultiEnd(wantBody)
	if string(rep.Body) != string(wantBody) {
		t.Fatalf("failed multi body %x, want %x", rep.Body, wantBody)
	}
}

// Failures of every kind surface in the per-op results.
func TestMultiFailureKinds(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/ro", nil, readACL, 0))
	c.ok(proto.OpCreate, createBody("/e", nil, openACL, proto.FlagEphemeral))
	cases := []struct {
		name string
		ops  []proto.MultiOp
		want []proto.Err
	}{
		{"NoNode on check", []proto.MultiOp{{Type: proto.OpCheck, Path: b("/missing"), Version: -1}}, []proto.Err{proto.ErrNoNode}},
		{"NoAuth on setData", []proto.MultiOp{{Type: proto.OpSetData, Path: b("/ro"), Version: -1}}, []proto.Err{proto.ErrNoAuth}},
		{"NoAuth on create under read-only", []proto.MultiOp{{Type: proto.OpCreate, Path: b("/ro/x"), ACL: openACL}}, []proto.Err{proto.ErrNoAuth}},
		{"NodeExists on the second create of one path", []proto.MultiOp{
			{Type: proto.OpCreate, Path: b("/d"), ACL: openACL},
			{Type: proto.OpCreate, Path: b("/d"), ACL: openACL},
		}, []proto.Err{0, proto.ErrNodeExists}},
		{"NotEmpty on a child made earlier in the multi", []proto.MultiOp{
			{Type: proto.OpCreate, Path: b("/p"), ACL: openACL},
			{Type: proto.OpCreate, Path: b("/p/k"), ACL: openACL},
			{Type: proto.OpDelete, Path: b("/p"), Version: -1},
		}, []proto.Err{0, 0, proto.ErrNotEmpty}},
		{"NoNode after an earlier delete", []proto.MultiOp{
			{Type: proto.OpCreate, Path: b("/q"), ACL: openACL},
			{Type: proto.OpDelete, Path: b("/q"), Version: 0},
			{Type: proto.OpSetData, Path: b("/q"), Version: -1},
		}, []proto.Err{0, 0, proto.ErrNoNode}},
		{"NoChildrenForEphemerals", []proto.MultiOp{{Type: proto.OpCreate, Path: b("/e/x"), ACL: openACL}, {Type: proto.OpCheck, Path: b("/"), Version: -1}},
			[]proto.Err{proto.ErrNoChildrenForEphemerals, proto.ErrRuntimeInconsistency}},
		{"bad create flags are a per-op BadArguments, not MarshallingError", []proto.MultiOp{
			{Type: proto.OpCheck, Path: b("/"), Version: -1},
			{Type: proto.OpCreate, Path: b("/t"), ACL: openACL, Flags: 9},
			{Type: proto.OpCheck, Path: b("/"), Version: -1},
		}, []proto.Err{0, proto.ErrBadArguments, proto.ErrRuntimeInconsistency}},
		{"InvalidACL", []proto.MultiOp{{Type: proto.OpCreate, Path: b("/i"), ACL: []proto.ACL{}}}, []proto.Err{proto.ErrInvalidACL}},
		{"check of a missing node", []proto.MultiOp{{Type: proto.OpCheck, Path: b("/ok"), Version: -1}}, []proto.Err{proto.ErrNoNode}},
		{"BadArguments on delete /", []proto.MultiOp{{Type: proto.OpDelete, Path: b("/"), Version: -1}}, []proto.Err{proto.ErrBadArguments}},
		{"BadArguments on check of an invalid path", []proto.MultiOp{{Type: proto.OpCheck, Path: b("/a/"), Version: -1}}, []proto.Err{proto.ErrBadArguments}},
		{"check needs READ", []proto.MultiOp{{Type: proto.OpCheck, Path: b("/ro"), Version: 0}}, []proto.Err{0}},
	}
	c.ok(proto.OpCreate, createBody("/noread", nil, worldACL(proto.PermWrite), 0))
	cases = append(cases, struct {
		name string
		ops  []proto.MultiOp
		want []proto.Err
	}{"NoAuth on check without READ", []proto.MultiOp{{Type: proto.OpCheck, Path: b("/noread"), Version: 0}}, []proto.Err{proto.ErrNoAuth}})
	for _, tc := range cases {
		rep := c.call(proto.OpMulti, multiBody(tc.ops...))
		if rep.Hdr.Err != 0 {
			t.Errorf("%s: header err %v", tc.name, proto.Err(rep.Hdr.Err))
			continue
		}
		res := decMulti(t, rep.Body)
		if len(res) != len(tc.want) {
			t.Errorf("%s: results %+v", tc.name, res)
			continue
		}
		failed := false
		for _, e := range tc.want {
			failed = failed || e != 0
		}
		for i, e := range tc.want {
			wantType := proto.OpError
			if !failed {
				wantType = tc.ops[i].Type
			}
			if res[i].Type != wantType || res[i].Err != e {
				t.Errorf("%s: result %d = %v/%v, want %v/%v", tc.name, i, res[i].Type, res[i].Err, wantType, e)
			}
		}
	}
	for _, p := range []string{"/d", "/p", "/q", "/i", "/t"} {
		c.fails(proto.OpExists, pathWatch(p, false), proto.ErrNoNode)
	}
}

func TestMultiEmpty(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	rep := c.ok(proto.OpMulti, multiBody())
	if string(rep.Body) != string(proto.AppendMultiEnd(nil)) {
		t.Fatalf("empty multi body %x, want just the terminator", rep.Body)
	}
	rep = c.ok(proto.OpMultiRead, multiBody())
	if string(rep.Body) != string(proto.AppendMultiEnd(nil)) {
		t.Fatalf("empty multiRead body %x, want just the terminator", rep.Body)
	}
}

// Watches fire per sub-op, in op order, before the multi's reply, on the
// writer's own connection and on others.
func TestMultiWatchesBeforeReply(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/x", nil, openACL, 0))
	for _, cl := range []*rc{c, w} {
		cl.fails(proto.OpExists, pathWatch("/a", true), proto.ErrNoNode)
		cl.ok(proto.OpGetData, pathWatch("/x", true))
		cl.ok(proto.OpGetChildren, pathWatch("/", true))
	}
	c.log = nil
	rep := c.ok(proto.OpMulti, multiBody(
		proto.MultiOp{Type: proto.OpCreate, Path: b("/a"), ACL: openACL},
		proto.MultiOp{Type: proto.OpSetData, Path: b("/x"), Data: b("1"), Version: -1},
	))
	want := []string{"e1:/a", "e4:/", "e3:/x", "r" + itoa(rep.Hdr.Xid)}
	if !eqStrings(c.log, want) {
		t.Fatalf("writer saw %q, want %q", c.log, want)
	}
	evs := w.waitEvents(3)
	if evs[0].Type != proto.EventNodeCreated || evs[0].Path != "/a" ||
		evs[1].Type != proto.EventNodeChildrenChanged || evs[1].Path != "/" ||
		evs[2].Type != proto.EventNodeDataChanged || evs[2].Path != "/x" {
		t.Fatalf("other connection saw %v", evs)
	}
	for _, e := range evs {
		if !eventZxid(e, rep.Hdr.Zxid) {
			t.Fatalf("event %v, multi zxid %#x", e, rep.Hdr.Zxid)
		}
	}
}

// Unparsable multi records answer MarshallingError in the header and the
// connection stays usable. The error reply has no body, except for a
// multiRead holding a write op, which ZooKeeper 3.8.0 decodes and then
// rejects while building the response: that reply carries an empty
// MultiResponse (just the terminator).
func TestMultiMalformed(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	read := proto.AppendMultiHeader(nil, proto.OpGetData, false, -1)
	read = append(read, pathWatch("/", false)...)
	read = proto.AppendMultiEnd(read)
	unknown := proto.AppendMultiHeader(nil, 99, false, -1)
	unknown = append(unknown, pathOnly("/")...)
	unknown = proto.AppendMultiEnd(unknown)
	full := multiBody(proto.MultiOp{Type: proto.OpCreate, Path: b("/t"), ACL: openACL})
	write := multiBody(proto.MultiOp{Type: proto.OpCheck, Path: b("/"), Version: -1})
	cases := []struct {
		name string
		op   proto.OpCode
		body []byte
	}{
		{"read op in multi", proto.OpMulti, read},
		{"unknown op in multi", proto.OpMulti, unknown},
		{"truncated record", proto.OpMulti, full[:len(full)-5]},
		{"no terminator", proto.OpMulti, full[:len(full)-proto.MultiHeaderSize]},
		{"write op in multiRead", proto.OpMultiRead, write},
		{"unknown op in multiRead", proto.OpMultiRead, unknown},
	}
	for _, tc := range cases {
		rep := c.call(tc.op, tc.body)
		var wantBody []byte
		if tc.name == "write op in multiRead" {
			wantBody = proto.AppendMultiEnd(nil)
		}
		if proto.Err(rep.Hdr.Err) != proto.ErrMarshallingError || string(rep.Body) != string(wantBody) {
			t.Errorf("%s: err %v body %x, want MarshallingError, body %x", tc.name, proto.Err(rep.Hdr.Err), rep.Body, wantBody)
		}
	}
	c.fails(proto.OpExists, pathWatch("/t", false), proto.ErrNoNode)
	c.ok(proto.OpCreate, createBody("/t", nil, openACL, 0))
}

// multiRead runs each read independently; failures are error results and
// the rest still return data; watch flags are ignored.
func TestMultiRead(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/r", b("data"), openACL, 0))
	c.ok(proto.OpCreate, createBody("/r/k1", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/r/k2", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/secret", b("s"), worldACL(proto.PermWrite), 0))
	c.ok(proto.OpCreate, createBody("/null", nil, openACL, 0))
	rep := c.ok(proto.OpMultiRead, multiBody(
		proto.MultiOp{Type: proto.OpGetData, Path: b("/r"), Watch: true},
		proto.MultiOp{Type: proto.OpGetChildren, Path: b("/r"), Watch: true},
		proto.MultiOp{Type: proto.OpGetData, Path: b("/missing")},
		proto.MultiOp{Type: proto.OpGetData, Path: b("/secret")},
		proto.MultiOp{Type: proto.OpGetChildren, Path: b("/missing"), Watch: true},
		proto.MultiOp{Type: proto.OpGetData, Path: b("/null")},
	))
	res := decMulti(t, rep.Body)
	if len(res) != 6 {
		t.Fatalf("results %+v", res)
	}
	if res[0].Type != proto.OpGetData || string(res[0].Data) != "data" || res[0].DataNull || res[0].Stat != c.stat("/r") {
		t.Fatalf("getData result %+v", res[0])
	}
	if res[1].Type != proto.OpGetChildren || !eqStrings(names(res[1].Children), []string{"k1", "k2"}) {
		t.Fatalf("getChildren result %+v", res[1])
	}
	for i, e := range map[int]proto.Err{2: proto.ErrNoNode, 3: proto.ErrNoAuth, 4: proto.ErrNoNode} {
		if res[i].Type != proto.OpError || res[i].Err != e {
			t.Fatalf("result %d = %v/%v, want error %v", i, res[i].Type, res[i].Err, e)
		}
	}
	if res[5].Type != proto.OpGetData || !res[5].DataNull {
		t.Fatalf("null data result %+v", res[5])
	}
	// No watches were registered.
	c.ok(proto.OpSetData, setDataBody("/r", b("new"), -1))
	c.ok(proto.OpCreate, createBody("/r/k3", nil, openACL, 0))
	c.ok(proto.OpCreate, createBody("/missing", nil, openACL, 0))
	if evs := c.drainEvents(200e6); len(evs) != 0 {
		t.Fatalf("multiRead registered watches: %v", evs)
	}
	// multiRead is not a txn.
	z := lastZxid(t, s.Addr)
	rep = c.ok(proto.OpMultiRead, multiBody(proto.MultiOp{Type: proto.OpGetData, Path: b("/r")}))
	if rep.Hdr.Zxid != z || lastZxid(t, s.Addr) != z {
		t.Fatalf("multiRead moved the zxid")
	}
}

func TestMultiThroughGoZK(t *testing.T) {
	s := start(t)
	c, _ := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	res, err := c.Multi(
		&zk.CreateRequest{Path: "/m", Data: []byte("x"), Acl: acl},
		&zk.CreateRequest{Path: "/m/s-", Acl: acl, Flags: zk.FlagSequence},
		&zk.SetDataRequest{Path: "/m", Data: []byte("y"), Version: 0},
		&zk.CheckVersionRequest{Path: "/m", Version: 1},
		&zk.DeleteRequest{Path: "/m/s-0000000000", Version: 0},
	)
	if err != nil || len(res) != 5 {
		t.Fatalf("multi: %+v %v", res, err)
	}
	if res[0].String != "/m" || res[1].String != "/m/s-0000000000" || res[2].Stat == nil || res[2].Stat.Version != 1 {
		t.Fatalf("results %+v", res)
	}
	for i, r := range res {
		if r.Error != nil {
			t.Fatalf("result %d error %v", i, r.Error)
		}
	}
	res, err = c.Multi(
		&zk.SetDataRequest{Path: "/m", Data: []byte("z"), Version: 1},
		&zk.DeleteRequest{Path: "/m", Version: -1},
		&zk.CreateRequest{Path: "/n", Acl: acl},
	)
	if err != nil || len(res) != 3 || res[0].Stat.Version != 2 {
		t.Fatalf("second multi: %+v %v", res, err)
	}
	if ok, _, _ := c.Exists("/n"); !ok {
		t.Fatal("/n missing after a successful multi")
	}
	_, err = c.Multi(
		&zk.CreateRequest{Path: "/o", Acl: acl},
		&zk.CheckVersionRequest{Path: "/n", Version: 3},
	)
	if !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("failing multi: %v", err)
	}
	if ok, _, _ := c.Exists("/o"); ok {
		t.Fatal("failed multi left /o behind")
	}
}
