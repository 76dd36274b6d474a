package e2e

// Unknown opcodes, malformed frames and bodies, and requests split across
// TCP writes.

import (
	"net"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

func reqFrame(xid int32, op proto.OpCode, body []byte) []byte {
	return ztest.Frame(append(proto.AppendRequestHeader(nil, xid, op), body...))
}

// An opcode that is not a valid top-level request answers Unimplemented
// (header only) and the connection is closed. (Whether a request pipelined
// behind it is still served is racy in ZooKeeper, so it is not checked.)
func TestUnknownOpcodes(t *testing.T) {
	s := start(t)
	for _, op := range []proto.OpCode{0, 10, 23, 99, 108, 1000, -1, -2, -100} {
		c := dial(t, s.Addr)
		c.ok(proto.OpCreate, createBody("/x"+itoa(int32(op+200)), nil, openACL, 0))
		stream := append(reqFrame(50, op, pathOnly("/x")), reqFrame(51, proto.OpExists, pathWatch("/", false))...)
		c.log = nil
		if err := c.Write(stream); err != nil {
			t.Fatal(err)
		}
		rep, err := c.Read(5 * time.Second)
		if err != nil {
			t.Fatalf("op %d: no reply: %v", op, err)
		}
		if rep.Hdr.Xid != 50 || proto.Err(rep.Hdr.Err) != proto.ErrUnimplemented || len(rep.Body) != 0 {
			t.Fatalf("op %d: reply %+v body %x, want {50, _, Unimplemented}", op, rep.Hdr, rep.Body)
		}
		if !c.closedWithin(5 * time.Second) {
			t.Fatalf("op %d: connection left open", op)
		}
	}
	// createSession (-10) is internal: the connection is closed.
	c := dial(t, s.Addr)
	if err := c.Send(50, proto.OpCreateSession, nil); err != nil {
		t.Fatal(err)
	}
	if !c.closedWithin(5 * time.Second) {
		t.Fatal("createSession from a client: connection left open")
	}
	// Other connections do not notice.
	dial(t, s.Addr).ok(proto.OpExists, pathWatch("/", false))
}

// check (13) on its own is decoded and checked like the check inside a
// multi; its failures answer normally and keep the connection. (ZooKeeper
// 3.8.0 sends no reply at all when a top-level check succeeds, so success
// is not asserted.)
func TestTopLevelCheck(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0))
	c.fails(proto.OpCheck, (&proto.CheckVersionRequest{Path: b("/p"), Version: 3}).Append(nil), proto.ErrBadVersion)
	c.fails(proto.OpCheck, (&proto.CheckVersionRequest{Path: b("/missing"), Version: -1}).Append(nil), proto.ErrNoNode)
	c.fails(proto.OpCheck, pathOnly("/p"), proto.ErrMarshallingError)
	c.ok(proto.OpExists, pathWatch("/p", false))
}

// deleteContainer (20) from a client: ZooKeeper 3.8.0 (Debian) answers
// BadArguments for every node and keeps the connection (PROTOCOL.md says it
// closes the connection; the real server does not).
func TestDeleteContainerFromClient(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0))
	c.ok(proto.OpCreateContainer, createBody("/c", nil, openACL, proto.FlagContainer))
	c.ok(proto.OpCreateContainer, createBody("/c2", nil, openACL, proto.FlagContainer))
	c.ok(proto.OpCreate, createBody("/c2/k", nil, openACL, 0))
	for _, p := range []string{"/c", "/c2", "/p", "/missing"} {
		q := proto.DeleteContainerRequest{Path: b(p)}
		c.fails(proto.OpDeleteContainer, q.Append(nil), proto.ErrBadArguments)
	}
	for _, p := range []string{"/c", "/c2", "/p", "/c2/k"} {
		c.stat(p)
	}
}

// SASL (102) on a server without SASL: an empty token gets Ok and a null
// token back, and the connection stays (ZooKeeper 3.8.0).
func TestSASLWithoutSASL(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	q := proto.GetSASLRequest{Token: []byte{}}
	rep := c.ok(proto.OpSASL, q.Append(nil))
	got := dec[proto.SetSASLResponse](t, rep.Body)
	if !got.TokenNull {
		t.Fatalf("SASL response token %x, want null", got.Token)
	}
	c.ok(proto.OpExists, pathWatch("/", false))
}

// ZooKeeper answers a ping with xid -2 whatever xid it came with.
func TestPingReplyXid(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	if err := c.Send(5, proto.OpPing, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := c.Read(5 * time.Second)
	if err != nil || rep.Hdr.Xid != proto.XidPing || rep.Hdr.Err != 0 {
		t.Fatalf("ping with xid 5 answered %+v (%v), want xid -2", rep.Hdr, err)
	}
}

// A body that does not decode answers MarshallingError (header only) and
// keeps the connection; for writes it is an error txn (one zxid); extra
// bytes after a complete record are ignored.
func TestMalformedBodies(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/p", b("x"), openACL, 0))
	cr := createBody("/q", nil, openACL, 0)
	cases := []struct {
		name  string
		op    proto.OpCode
		body  []byte
		write bool
	}{
		{"getData truncated", proto.OpGetData, []byte{0, 0}, false},
		{"getData negative string length", proto.OpGetData, []byte{0xff, 0xff, 0xff, 0xfb, 0}, false},
		{"getData huge string length", proto.OpGetData, []byte{0x7f, 0xff, 0xff, 0xfb, 0}, false},
		{"getData null path", proto.OpGetData, []byte{0xff, 0xff, 0xff, 0xff, 0}, false},
		{"getData no body", proto.OpGetData, nil, false},
		{"exists without the watch byte", proto.OpExists, pathOnly("/p"), false},
		{"getChildren2 no body", proto.OpGetChildren2, nil, false},
		{"sync no body", proto.OpSync, nil, false},
		{"getACL no body", proto.OpGetACL, nil, false},
		{"addWatch without mode", proto.OpAddWatch, pathOnly("/p"), false},
		{"checkWatches without type", proto.OpCheckWatches, pathOnly("/p"), false},
		{"setWatches truncated", proto.OpSetWatches, []byte{0, 0, 0}, false},
		{"getEphemerals no body", proto.OpGetEphemerals, nil, false},
		{"reconfig no body", proto.OpReconfig, nil, false},
		{"create without flags", proto.OpCreate, cr[:len(cr)-4], true},
		{"create with a huge ACL count", proto.OpCreate, append(proto.AppendString(nil, "/q"), 0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0), true},
		{"setData truncated", proto.OpSetData, setDataBody("/p", b("x"), -1)[:7], true},
		{"delete without version", proto.OpDelete, pathOnly("/p"), true},
		{"setACL truncated", proto.OpSetACL, setACLBody("/p", openACL, -1)[:10], true},
	}
	for _, tc := range cases {
		if tc.op == proto.OpReconfig && againstZK() && ensembleRole() != "" {
			// A ZooKeeper 3.8.0 ensemble's leader fails to parse it
			// past the point where a standalone server answers, and the
			// member drops the connection and stops taking sessions for
			// a while: a ZooKeeper bug, not asserted.
			continue
		}
		z := lastZxid(t, s.Addr)
		rep := c.call(tc.op, tc.body)
		if proto.Err(rep.Hdr.Err) != proto.ErrMarshallingError || len(rep.Body) != 0 {
			t.Errorf("%s: %v body %x, want MarshallingError", tc.name, proto.Err(rep.Hdr.Err), rep.Body)
			continue
		}
		want := z
		if tc.write {
			want = z + 1
		}
		if got := lastZxid(t, s.Addr); got != want {
			t.Errorf("%s: last zxid %#x, want %#x", tc.name, got, want)
		}
	}
	c.fails(proto.OpExists, pathWatch("/q", false), proto.ErrNoNode)
	got := dec[proto.GetDataResponse](t, c.ok(proto.OpGetData, append(pathWatch("/p", false), 1, 2, 3, 4, 5)).Body)
	if string(got.Data) != "x" {
		t.Fatalf("getData with trailing bytes: %q", got.Data)
	}
}

// Frames too short for a request header, an oversized or negative length,
// and a bad ConnectRequest close the connection without a reply; other
// clients are unaffected.
func TestBadFramesClose(t *testing.T) {
	s := start(t)
	bystander := dial(t, s.Addr)
	bystander.ok(proto.OpCreate, createBody("/b", nil, openACL, 0))
	cases := []struct {
		name string
		raw  []byte
	}{
		{"length 0", []byte{0, 0, 0, 0}},
		{"3-byte frame", ztest.Frame([]byte{0, 0, 1})},
		{"7-byte frame", ztest.Frame([]byte{0, 0, 0, 1, 0, 0, 0})},
		{"negative length", []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3}},
		{"length -100", []byte{0xff, 0xff, 0xff, 0x9c}},
		{"length jute.maxbuffer+1", []byte{0x00, 0x10, 0x00, 0x00, 1, 2, 3}},
		{"length 2^31-1", []byte{0x7f, 0xff, 0xff, 0xff}},
		{"truncated auth", ztest.Frame(append(proto.AppendRequestHeader(nil, proto.XidAuth, proto.OpAuth), 0, 0))},
	}
	for _, tc := range cases {
		c := dial(t, s.Addr)
		c.ok(proto.OpExists, pathWatch("/b", false))
		if err := c.Write(tc.raw); err != nil {
			t.Fatal(err)
		}
		if !c.closedWithin(5 * time.Second) {
			t.Errorf("%s: connection left open", tc.name)
		}
		if len(c.log) != 1 {
			t.Errorf("%s: frames after it %q", tc.name, c.log[1:])
		}
		bystander.ok(proto.OpExists, pathWatch("/b", false))
	}
	// Bad first frames.
	for _, raw := range [][]byte{
		ztest.Frame(make([]byte, 10)),                        // ConnectRequest too short
		{0x00, 0x10, 0x00, 0x00, 0, 0, 0, 0},                 // oversized ConnectRequest
		{0xff, 0xff, 0xff, 0xf0},                             // negative length
		ztest.Frame(append(make([]byte, 24), 0x7f, 0, 0, 0)), // password length 2^31
	} {
		conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write(raw)
		if !closedNoData(t, conn, 5*time.Second) {
			t.Errorf("bad ConnectRequest %x: connection left open", raw)
		}
	}
	bystander.ok(proto.OpExists, pathWatch("/b", false))
}

// With a small jute.maxbuffer, a frame one byte over is refused (closed),
// one at the limit is served.
func TestMaxBuffer(t *testing.T) {
	s := serve(t, opts{MaxBuffer: 4096})
	c := dial(t, s.Addr)
	other := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/d", nil, openACL, 0))
	// frame payload = 8 (header) + 4+2 (path) + 4+n (data) + 4 (version)
	fit := make([]byte, 4096-8-6-4-4)
	st := decStat(t, c.ok(proto.OpSetData, setDataBody("/d", fit, -1)).Body)
	if int(st.DataLength) != len(fit) {
		t.Fatalf("dataLength %d", st.DataLength)
	}
	if err := c.Send(99, proto.OpSetData, setDataBody("/d", make([]byte, len(fit)+1), -1)); err != nil {
		t.Fatal(err)
	}
	if !c.closedWithin(5 * time.Second) {
		t.Fatal("oversized frame: connection left open")
	}
	for _, l := range c.log {
		if l == "r99" {
			t.Fatal("oversized frame was answered")
		}
	}
	got := dec[proto.GetDataResponse](t, other.ok(proto.OpGetData, pathWatch("/d", false)).Body)
	if len(got.Data) != len(fit) {
		t.Fatalf("data length %d after the refused write", len(got.Data))
	}
}

// Every byte boundary: a frame written in two parts (with a pause between
// them) is decoded and answered like a frame written at once.
func TestSplitFrames(t *testing.T) {
	s := start(t)
	pause := 2 * time.Millisecond
	// The handshake.
	hs := ztest.Frame((&proto.ConnectRequest{Timeout: 4000, Passwd: make([]byte, 16), HasReadOnly: true}).Append(nil))
	for k := 1; k < len(hs); k++ {
		conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(hs[:k])
		time.Sleep(pause)
		conn.Write(hs[k:])
		p, err := readFrame(conn, 5*time.Second)
		if err != nil {
			t.Fatalf("handshake split at %d: %v", k, err)
		}
		if r := decConnect(t, p); r.SessionID == 0 || r.Timeout != 4000 {
			t.Fatalf("handshake split at %d: %+v", k, r)
		}
		// End the session so they do not pile up.
		conn.Write(reqFrame(1, proto.OpCloseSession, nil))
		readFrame(conn, 5*time.Second)
		conn.Close()
	}
	// Requests.
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/s", b("data"), openACL, 0))
	reqs := []struct {
		op   proto.OpCode
		body []byte
	}{
		{proto.OpCreate, createBody("/s/n-", b("v"), openACL, proto.FlagPersistentSequential)},
		{proto.OpGetData, pathWatch("/s", false)},
		{proto.OpSetData, setDataBody("/s", b("new data"), -1)},
		{proto.OpGetChildren2, pathWatch("/s", false)},
		{proto.OpMulti, multiBody(
			proto.MultiOp{Type: proto.OpCheck, Path: b("/s"), Version: -1},
			proto.MultiOp{Type: proto.OpCreate, Path: b("/s/m-"), ACL: openACL, Flags: proto.FlagPersistentSequential})},
		{proto.OpGetACL, pathOnly("/s")},
		{proto.OpSetWatches, (&proto.SetWatches{RelativeZxid: 1 << 40, DataWatches: bs("/s")}).Append(nil)},
	}
	xid := int32(1000)
	for _, r := range reqs {
		for k := 1; k < proto.FrameHeaderSize+proto.RequestHeaderSize+len(r.body); k++ {
			xid++
			f := reqFrame(xid, r.op, r.body)
			c.Write(f[:k])
			time.Sleep(pause)
			c.Write(f[k:])
			rep := c.await(xid, r.op)
			if rep.Hdr.Err != 0 {
				t.Fatalf("%v split at %d: %v", r.op, k, rep.Hdr.Err)
			}
		}
	}
	// Auth (xid -4) and ping (xid -2).
	for _, f := range [][]byte{reqFrame(proto.XidAuth, proto.OpAuth, authBody("digest", "u:p")), reqFrame(proto.XidPing, proto.OpPing, nil)} {
		for k := 1; k < len(f); k++ {
			c.Write(f[:k])
			time.Sleep(pause)
			c.Write(f[k:])
			rep, err := c.Read(5 * time.Second)
			if err != nil || rep.Hdr.Err != 0 {
				t.Fatalf("split at %d: %+v %v", k, rep.Hdr, err)
			}
		}
	}
	// Three frames as one stream split anywhere (a write may end inside
	// one frame and carry the start of the next).
	var stream []byte
	stream = append(stream, reqFrame(1, proto.OpExists, pathWatch("/s", false))...)
	stream = append(stream, reqFrame(2, proto.OpGetData, pathWatch("/s", false))...)
	stream = append(stream, reqFrame(3, proto.OpSync, pathOnly("/s"))...)
	for k := 1; k < len(stream); k++ {
		c.Write(stream[:k])
		time.Sleep(pause)
		c.Write(stream[k:])
		for x := int32(1); x <= 3; x++ {
			if rep := c.await(x, proto.OpExists); rep.Hdr.Err != 0 {
				t.Fatalf("stream split at %d: xid %d: %v", k, x, rep.Hdr.Err)
			}
		}
	}
	// A four-letter word split.
	for k := 1; k < 4; k++ {
		conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte("ruok")[:k])
		time.Sleep(pause)
		conn.Write([]byte("ruok")[k:])
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 16)
		n, _ := conn.Read(buf)
		conn.Close()
		if string(buf[:n]) != "imok" {
			t.Fatalf("ruok split at %d: %q", k, buf[:n])
		}
	}
	// The sequential creates went through once per split.
	n := dec[proto.GetAllChildrenNumberResponse](t, c.ok(proto.OpGetAllChildrenNumber, pathOnly("/s")).Body).TotalNumber
	want := 0
	for _, r := range reqs {
		if r.op == proto.OpCreate || r.op == proto.OpMulti {
			want += proto.FrameHeaderSize + proto.RequestHeaderSize + len(r.body) - 1
		}
	}
	if int(n) != want {
		t.Fatalf("%d children, want %d", n, want)
	}
}
