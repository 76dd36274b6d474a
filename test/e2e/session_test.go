package e2e

// Sessions and the handshake (PROTOCOL.md §2, §14).

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// handshake writes a ConnectRequest on a fresh TCP connection (plus any
// extra bytes in the same write) and returns the connection and the raw
// ConnectResponse payload (nil if the server closed without one).
func handshake(t testing.TB, addr string, req proto.ConnectRequest, extra []byte) (net.Conn, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if req.Passwd == nil {
		req.Passwd = make([]byte, 16)
	}
	if _, err := conn.Write(append(ztest.Frame(req.Append(nil)), extra...)); err != nil {
		t.Fatal(err)
	}
	p, err := readFrame(conn, 5*time.Second)
	if err != nil {
		return conn, nil
	}
	return conn, p
}

func readFrame(conn net.Conn, d time.Duration) ([]byte, error) {
	conn.SetReadDeadline(time.Now().Add(d))
	var l [4]byte
	if _, err := io.ReadFull(conn, l[:]); err != nil {
		return nil, err
	}
	p := make([]byte, binary.BigEndian.Uint32(l[:]))
	_, err := io.ReadFull(conn, p)
	return p, err
}

// closedNoData reports whether the peer closed conn without sending
// anything more within d.
func closedNoData(t testing.TB, conn net.Conn, d time.Duration) bool {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(d))
	var buf [64]byte
	n, err := conn.Read(buf[:])
	if n > 0 {
		t.Fatalf("unexpected bytes %x", buf[:n])
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return err != nil
}

func decConnect(t testing.TB, p []byte) proto.ConnectResponse {
	t.Helper()
	var r proto.ConnectResponse
	rd := proto.NewReader(p)
	r.Decode(&rd)
	if rd.Err() != nil || rd.Remaining() != 0 {
		t.Fatalf("ConnectResponse %x: %v", p, rd.Err())
	}
	return r
}

// The response has the trailing readOnly byte iff the request did.
func TestHandshakeReadOnlyByte(t *testing.T) {
	s := start(t)
	_, p := handshake(t, s.Addr, proto.ConnectRequest{Timeout: 3000, HasReadOnly: true}, nil)
	if len(p) != 37 {
		t.Fatalf("response to a 45-byte request: %d bytes, want 37", len(p))
	}
	r := decConnect(t, p)
	if !r.HasReadOnly || r.ReadOnly || r.ProtocolVersion != 0 || r.Timeout != 3000 || r.SessionID == 0 || len(r.Passwd) != 16 {
		t.Fatalf("response %+v", r)
	}
	_, p = handshake(t, s.Addr, proto.ConnectRequest{Timeout: 3000}, nil)
	if len(p) != 36 {
		t.Fatalf("response to a 44-byte request: %d bytes, want 36", len(p))
	}
	r2 := decConnect(t, p)
	if r2.HasReadOnly || r2.Timeout != 3000 || r2.SessionID == 0 || r2.SessionID == r.SessionID {
		t.Fatalf("response %+v", r2)
	}
	// A client asking for read-only mode gets a normal session (readOnly false).
	_, p = handshake(t, s.Addr, proto.ConnectRequest{Timeout: 3000, HasReadOnly: true, ReadOnly: true}, nil)
	if r3 := decConnect(t, p); !r3.HasReadOnly || r3.ReadOnly || r3.SessionID == 0 {
		t.Fatalf("readOnly request: %+v", r3)
	}
}

// A new session is a txn (it consumes a zxid), and the password lets any
// later connection resume it.
func TestSessionCreationIsATxn(t *testing.T) {
	s := start(t)
	dial(t, s.Addr) // the first txn fixes the epoch part of the zxid
	z := lastZxid(t, s.Addr)
	c := dial(t, s.Addr)
	if got := lastZxid(t, s.Addr); got != z+1 {
		t.Fatalf("last zxid %#x after a session creation, want %#x", got, z+1)
	}
	if len(c.Passwd) != 16 || bytes.Equal(c.Passwd, make([]byte, 16)) {
		t.Fatalf("password %x", c.Passwd)
	}
	c2 := dial(t, s.Addr)
	if c2.SessionID == c.SessionID {
		t.Fatal("two sessions share an id")
	}
}

func TestNegotiatedTimeoutClamping(t *testing.T) {
	check := func(t *testing.T, s *target, cases map[int32]int32) {
		for req, want := range cases {
			_, p := handshake(t, s.Addr, proto.ConnectRequest{Timeout: req, HasReadOnly: true}, nil)
			if r := decConnect(t, p); r.Timeout != want || r.SessionID == 0 {
				t.Errorf("requested %d ms: granted %d (session %#x), want %d", req, r.Timeout, r.SessionID, want)
			}
		}
	}
	t.Run("defaults", func(t *testing.T) {
		// tickTime 200: min 2*tick = 400, max 20*tick = 4000.
		s := start(t)
		check(t, s, map[int32]int32{1: 400, 399: 400, 400: 400, 1234: 1234, 4000: 4000, 4001: 4000, 1 << 30: 4000, 0: 400, -5: 400})
	})
	t.Run("configured", func(t *testing.T) {
		s := serve(t, opts{MinSessionTimeout: 1000 * time.Millisecond, MaxSessionTimeout: 3000 * time.Millisecond})
		check(t, s, map[int32]int32{10: 1000, 999: 1000, 2500: 2500, 3001: 3000, 60000: 3000})
		out := fourLetter(t, s.Addr, "conf")
		if !strings.Contains(out, "minSessionTimeout=1000\n") || !strings.Contains(out, "maxSessionTimeout=3000\n") {
			t.Errorf("conf does not show the timeouts:\n%s", out)
		}
	})
}

// On expiry the server deletes the session's ephemerals in one txn and
// closes its connection; a later reattach is refused.
func TestSessionExpiry(t *testing.T) {
	s := start(t)
	r, err := ztest.DialRaw(s.Addr, 400)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if r.Timeout != 400 {
		t.Fatalf("timeout %d", r.Timeout)
	}
	c := &rc{Raw: r, t: t}
	c.ok(proto.OpCreate, createBody("/e1", nil, openACL, proto.FlagEphemeral))
	c.ok(proto.OpCreate, createBody("/e2", nil, openACL, proto.FlagEphemeralSequential))
	z := c.ok(proto.OpCreate, createBody("/p", nil, openACL, 0)).Hdr.Zxid
	w := dial(t, s.Addr)
	w.ok(proto.OpExists, pathWatch("/e1", true))
	w.ok(proto.OpGetChildren, pathWatch("/", true))
	// The session's last activity is a ping once w watches (setting w up
	// may take longer than the timeout on a busy ensemble): its timeout
	// runs from the ping's reply.
	if err := c.Send(proto.XidPing, proto.OpPing, nil); err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Read(5 * time.Second); err != nil || rep.Hdr.Xid != proto.XidPing {
		t.Fatalf("ping reply %+v %v", rep.Hdr, err)
	}
	start := time.Now()
	// No pings: the session expires; its connection is closed by the server.
	if !c.closedWithin(5 * time.Second) {
		t.Fatal("the expired session's connection was not closed")
	}
	if e := time.Since(start); e < 300*time.Millisecond {
		t.Fatalf("expired after %v, before its 400 ms timeout", e)
	}
	// (the order of the two deletes inside the txn is unspecified)
	evs := sortEvents(w.waitEvents(2))
	if !evEq(evs, ev(proto.EventNodeDeleted, "/e1"), ev(proto.EventNodeChildrenChanged, "/")) {
		t.Fatalf("events %v", evs)
	}
	// Two txns since /p: w's session, then the one closeSession that
	// removed both ephemerals.
	if got := lastZxid(t, s.Addr); got != z+2 {
		t.Fatalf("last zxid %#x, want %#x (w's session, then one closeSession)", got, z+2)
	}
	kids := names(dec[proto.GetChildrenResponse](t, w.ok(proto.OpGetChildren, pathWatch("/", false)).Body).Children)
	if !eqStrings(kids, []string{"p", "zookeeper"}) {
		t.Fatalf("children after expiry %q", kids)
	}
	// Expired: reattaching is refused with the invalid-session response.
	conn, p := handshake(t, s.Addr, proto.ConnectRequest{Timeout: 400, SessionID: r.SessionID, Passwd: r.Passwd, HasReadOnly: true}, nil)
	if got := decConnect(t, p); got.Timeout != 0 || got.SessionID != 0 || !bytes.Equal(got.Passwd, make([]byte, 16)) || !got.HasReadOnly {
		t.Fatalf("reattach to an expired session: %+v", got)
	}
	if !closedNoData(t, conn, 5*time.Second) {
		t.Fatal("refused connection left open")
	}
}

// Pings keep a session alive well past its timeout.
func TestPingsKeepSessionAlive(t *testing.T) {
	s := start(t)
	r, err := ztest.DialRaw(s.Addr, 400)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	c := &rc{Raw: r, t: t}
	c.ok(proto.OpCreate, createBody("/e", nil, openACL, proto.FlagEphemeral))
	for i := 0; i < 12; i++ { // 1.2 s, three timeouts
		time.Sleep(100 * time.Millisecond)
		if err := r.Send(proto.XidPing, proto.OpPing, nil); err != nil {
			t.Fatal(err)
		}
		if rep, err := r.Read(2 * time.Second); err != nil || rep.Hdr.Xid != proto.XidPing {
			t.Fatalf("ping: %+v %v", rep, err)
		}
	}
	c.stat("/e")
}

// A session survives its connection: reattaching with id and password
// within the timeout keeps its ephemerals, and closes the old connection.
func TestSessionReattach(t *testing.T) {
	s := start(t)
	a := dial(t, s.Addr)
	a.ok(proto.OpCreate, createBody("/e", nil, openACL, proto.FlagEphemeral))
	b2, err := dialAs(t, s.Addr, a.SessionID, a.Passwd)
	if err != nil {
		t.Fatal(err)
	}
	if b2.Resp.SessionID != a.SessionID || !bytes.Equal(b2.Resp.Passwd, a.Passwd) || b2.Resp.Timeout != a.Timeout {
		t.Fatalf("reattach response %+v, session %#x", b2.Resp, a.SessionID)
	}
	if !a.closedWithin(5 * time.Second) {
		t.Fatal("the old connection was not closed on reattach")
	}
	st := b2.stat("/e")
	if st.EphemeralOwner != a.SessionID {
		t.Fatalf("ephemeral owner %#x", st.EphemeralOwner)
	}
	// The reattached connection owns the session: its ephemerals go with
	// its closeSession.
	b2.ok(proto.OpCreate, createBody("/e2", nil, openACL, proto.FlagEphemeral))
	b2.ok(proto.OpCloseSession, nil)
	w := dial(t, s.Addr)
	w.fails(proto.OpExists, pathWatch("/e", false), proto.ErrNoNode)
	w.fails(proto.OpExists, pathWatch("/e2", false), proto.ErrNoNode)
}

// A wrong password is refused with {timeout 0, id 0, zero password}, then
// the connection is closed. ZooKeeper closes the session's current
// connection before it checks the password, so the rightful connection is
// dropped as well; the session itself lives on.
func TestSessionWrongPassword(t *testing.T) {
	s := start(t)
	a := dial(t, s.Addr)
	a.ok(proto.OpCreate, createBody("/e", nil, openACL, proto.FlagEphemeral))
	bad := append([]byte(nil), a.Passwd...)
	bad[0] ^= 0xff
	for _, ro := range []bool{true, false} {
		conn, p := handshake(t, s.Addr, proto.ConnectRequest{Timeout: 4000, SessionID: a.SessionID, Passwd: bad, HasReadOnly: ro}, nil)
		want := 37
		if !ro {
			want = 36
		}
		if len(p) != want {
			t.Fatalf("refusal is %d bytes, want %d", len(p), want)
		}
		got := decConnect(t, p)
		if got.Timeout != 0 || got.SessionID != 0 || !bytes.Equal(got.Passwd, make([]byte, 16)) || got.ProtocolVersion != 0 {
			t.Fatalf("wrong password: %+v", got)
		}
		if !closedNoData(t, conn, 5*time.Second) {
			t.Fatal("refused connection left open")
		}
	}
	if !a.closedWithin(5 * time.Second) {
		t.Fatal("the session's connection survived a reattach attempt")
	}
	// The session is intact: the right password resumes it.
	a2, err := dialAs(t, s.Addr, a.SessionID, a.Passwd)
	if err != nil || a2.Resp.SessionID != a.SessionID {
		t.Fatalf("reattach with the right password: %+v %v", a2, err)
	}
	a2.stat("/e")
	// A short password and an unknown session id are refused the same way.
	_, p := handshake(t, s.Addr, proto.ConnectRequest{Timeout: 4000, SessionID: a.SessionID, Passwd: a.Passwd[:8], HasReadOnly: true}, nil)
	if got := decConnect(t, p); got.SessionID != 0 || got.Timeout != 0 {
		t.Fatalf("short password: %+v", got)
	}
	_, p = handshake(t, s.Addr, proto.ConnectRequest{Timeout: 4000, SessionID: a.SessionID + 1000, Passwd: a.Passwd, HasReadOnly: true}, nil)
	if got := decConnect(t, p); got.SessionID != 0 || got.Timeout != 0 {
		t.Fatalf("unknown session: %+v", got)
	}
}

// Requests written in the same TCP write as the ConnectRequest are served
// after the session is set up, in order.
func TestPipelinedBehindConnect(t *testing.T) {
	s := start(t)
	var extra []byte
	reqs := []struct {
		op   proto.OpCode
		body []byte
	}{
		{proto.OpCreate, createBody("/pl", b("1"), openACL, 0)},
		{proto.OpGetData, pathWatch("/pl", true)},
		{proto.OpSetData, setDataBody("/pl", b("2"), 0)},
		{proto.OpGetData, pathWatch("/pl", false)},
		{proto.OpCreate, createBody("/pl/e", nil, openACL, proto.FlagEphemeral)},
		{proto.OpGetChildren, pathWatch("/pl", false)},
		{proto.OpExists, pathWatch("/pl/missing", false)},
	}
	extra = append(extra, ztest.Frame(authBodyFrame("digest", "u:p"))...)
	for i, r := range reqs {
		extra = append(extra, ztest.Frame(append(proto.AppendRequestHeader(nil, int32(i+1), r.op), r.body...))...)
	}
	conn, p := handshake(t, s.Addr, proto.ConnectRequest{Timeout: 4000, HasReadOnly: true}, extra)
	resp := decConnect(t, p)
	if resp.SessionID == 0 {
		t.Fatalf("handshake %+v", resp)
	}
	c := &rc{Raw: &ztest.Raw{C: conn, SessionID: resp.SessionID}, t: t}
	if rep := c.await(proto.XidAuth, proto.OpAuth); rep.Hdr.Err != 0 {
		t.Fatalf("auth %v", proto.Err(rep.Hdr.Err))
	}
	var got []ztest.Reply
	for i := range reqs {
		got = append(got, c.await(int32(i+1), reqs[i].op))
	}
	if evs := c.takeEvents(); !evEq(evs, ev(proto.EventNodeDataChanged, "/pl")) {
		t.Fatalf("events %v", evs)
	}
	if d := dec[proto.GetDataResponse](t, got[1].Body); string(d.Data) != "1" {
		t.Fatalf("first getData %q", d.Data)
	}
	if d := dec[proto.GetDataResponse](t, got[3].Body); string(d.Data) != "2" || d.Stat.Version != 1 {
		t.Fatalf("second getData %q %+v", d.Data, d.Stat)
	}
	if kids := dec[proto.GetChildrenResponse](t, got[5].Body).Children; len(kids) != 1 || string(kids[0]) != "e" {
		t.Fatalf("children %q", kids)
	}
	if proto.Err(got[6].Hdr.Err) != proto.ErrNoNode {
		t.Fatalf("exists %v", proto.Err(got[6].Hdr.Err))
	}
	st := decStat(t, dialStat(t, s.Addr, "/pl/e"))
	if st.EphemeralOwner != resp.SessionID {
		t.Fatalf("owner %#x, session %#x", st.EphemeralOwner, resp.SessionID)
	}
	// The pipelined auth applied to the pipelined requests.
	who := dec[proto.WhoAmIResponse](t, c.ok(proto.OpWhoAmI, nil).Body)
	if len(who.ClientInfo) != 2 {
		t.Fatalf("whoAmI %+v", who)
	}
}

func authBodyFrame(scheme, auth string) []byte {
	return append(proto.AppendRequestHeader(nil, proto.XidAuth, proto.OpAuth), authBody(scheme, auth)...)
}

func dialStat(t testing.TB, addr, path string) []byte {
	c := dial(t, addr)
	return c.ok(proto.OpExists, pathWatch(path, false)).Body
}

// A client that has seen a zxid newer than the server's is closed without
// a reply (it should try another server); new sessions included.
func TestLastZxidSeenAhead(t *testing.T) {
	s := start(t)
	dial(t, s.Addr).ok(proto.OpCreate, createBody("/x", nil, openACL, 0))
	z := lastZxid(t, s.Addr)
	for _, id := range []int64{0, 0x1234} {
		conn, p := handshake(t, s.Addr, proto.ConnectRequest{Timeout: 4000, LastZxidSeen: z + 100, SessionID: id, HasReadOnly: true}, nil)
		if p != nil {
			t.Fatalf("session %#x: got a response %x", id, p)
		}
		if !closedNoData(t, conn, 2*time.Second) {
			t.Fatal("connection left open")
		}
	}
	// Equal to the server's is fine.
	_, p := handshake(t, s.Addr, proto.ConnectRequest{Timeout: 4000, LastZxidSeen: z, HasReadOnly: true}, nil)
	if r := decConnect(t, p); r.SessionID == 0 {
		t.Fatalf("lastZxidSeen == server zxid refused: %+v", r)
	}
	// No session was created for the refused attempts: only the last one.
	if got := lastZxid(t, s.Addr); got != z+1 {
		t.Fatalf("last zxid %#x, want %#x", got, z+1)
	}
}

// go-zookeeper sees an expired session as StateExpired when it comes back
// too late.
func TestGoZKSessionExpired(t *testing.T) {
	s := start(t)
	d := &gatedDialer{}
	var states []zk.State
	g, evs := connectTimeout(t, s.Addr, 400*time.Millisecond, zk.WithDialer(d.dial))
	if _, err := g.Create("/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	w, _ := connect(t, s.Addr)
	_, _, ch, err := w.ExistsW("/e")
	if err != nil {
		t.Fatal(err)
	}
	d.cut()
	if e := waitEvent(t, ch); e.Type != zk.EventNodeDeleted {
		t.Fatalf("ephemeral of a cut-off session: %+v", e)
	}
	d.release()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-evs:
			states = append(states, e.State)
			if e.State == zk.StateExpired {
				return
			}
		case <-deadline:
			t.Fatalf("no StateExpired; states %v", states)
		}
	}
}

// A session may be reattached, on the member that created it, the moment
// its ConnectResponse arrives (on an ensemble member, before the leader
// may have applied the session's creation itself).
func TestReattachRightAfterCreate(t *testing.T) {
	s := start(t)
	for i := 0; i < 30; i++ {
		a := dial(t, s.Addr)
		b2, err := dialAs(t, s.Addr, a.SessionID, a.Passwd)
		if err != nil {
			t.Fatal(err)
		}
		if b2.Resp.SessionID != a.SessionID || b2.Resp.Timeout == 0 {
			t.Fatalf("reattach %d right after the session's creation refused: %+v", i, b2.Resp)
		}
		b2.ok(proto.OpCloseSession, nil)
	}
}

// A reattach that asks for a shorter timeout gets it: once the new
// connection goes quiet, the session expires after the granted timeout,
// however recently the old connection was active. (A ZooKeeper 3.8.0
// ensemble mostly keeps the creation timeout, although its ConnectResponse
// granted the new one; zen does what a standalone ZooKeeper does.)
func TestReattachShorterTimeoutApplies(t *testing.T) {
	if againstZK() && ensembleRole() != "" {
		t.Skip("a ZooKeeper 3.8.0 ensemble keeps the creation timeout after a reattach (see above)")
	}
	s := serve(t, opts{MaxSessionTimeout: 20 * time.Second})
	const n = 20
	w := dial(t, s.Addr)
	w.keepAlive()
	w.ok(proto.OpAddWatch, addWatchBody("/", proto.AddWatchPersistentRecursive))
	var deleted []string
	for i := 0; i < n; i++ {
		p := "/e" + itoa(int32(i))
		r, err := ztest.DialRaw(s.Addr, 20000)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		a := &rc{Raw: r, t: t}
		if a.Timeout != 20000 {
			t.Fatalf("timeout %d", a.Timeout)
		}
		// Active on the old connection, then straight to a new one with
		// a 1 s timeout, then quiet.
		a.ok(proto.OpCreate, createBody(p, nil, openACL, proto.FlagEphemeral))
		r2, err := ztest.DialRawSession(s.Addr, 1000, a.SessionID, a.Passwd, true)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Resp.SessionID != a.SessionID || r2.Resp.Timeout != 1000 {
			t.Fatalf("reattach %+v", r2.Resp)
		}
		r2.Close()
		deleted = append(deleted, ev(proto.EventNodeDeleted, p))
	}
	// The old 20 s timeout would keep them well past this. (Sessions in
	// the same expiry bucket go in any order.)
	var got []event
	deadline := time.Now().Add(8 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		if _, isReply, err := w.readOne(time.Until(deadline)); err != nil || isReply {
			break
		}
		for _, e := range w.takeEvents() {
			if e.Type == proto.EventNodeDeleted {
				got = append(got, e)
			}
		}
	}
	slices.Sort(deleted)
	if got := sortEvents(got); !evEq(got, deleted...) {
		t.Fatalf("events %v, want %q", got, deleted)
	}
}
