package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/engine"
	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// The suite targets an in-process standalone zen. ZEN_E2E_TARGET picks
// another server under test:
//
//	zookeeper           a real standalone Apache ZooKeeper 3.8.0 (one JVM
//	                    per test, slow): how the expectations were checked
//	ensemble-leader     an in-process zen ensemble of 3 voters; the tests
//	ensemble-follower   talk to its leader, to a follower, or (3 voters
//	ensemble-observer   plus 1 observer) to the observer
//	zookeeper-ensemble-leader, -follower, -observer
//	                    the same against a real ZooKeeper 3.8.0 ensemble
//	                    (3 or 4 JVMs per test): the oracle for how an
//	                    ensemble member answers
//
// Tests of zen-only surfaces (the metrics endpoint, in-process restarts)
// skip themselves against ZooKeeper.
func targetEnv() string { return os.Getenv("ZEN_E2E_TARGET") }

// againstZK reports whether the server under test is Apache ZooKeeper.
func againstZK() bool {
	return targetEnv() == "zookeeper" || strings.HasPrefix(targetEnv(), "zookeeper-ensemble-")
}

// ensembleRole is the role of the ensemble member under test ("leader",
// "follower", "observer"), or "" for a standalone server.
func ensembleRole() string {
	if r, ok := strings.CutPrefix(targetEnv(), "zookeeper-ensemble-"); ok {
		return r
	}
	if r, ok := strings.CutPrefix(targetEnv(), "ensemble-"); ok {
		return r
	}
	return ""
}

// wantMode is srvr's Mode line (and mntr's zk_server_state) for the
// server under test.
func wantMode() string {
	if r := ensembleRole(); r != "" {
		return r
	}
	return "standalone"
}

func init() {
	switch targetEnv() {
	case "", "zookeeper", "ensemble-leader", "ensemble-follower", "ensemble-observer",
		"zookeeper-ensemble-leader", "zookeeper-ensemble-follower", "zookeeper-ensemble-observer":
	default:
		panic("unknown ZEN_E2E_TARGET " + strconv.Quote(targetEnv()))
	}
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// opts are the server settings a test needs; zero values mean the
// fixture defaults (tickTime 200 ms, every 4lw enabled, no connection
// limit).
type opts struct {
	ExtendedTypes          bool
	ContainerInterval      time.Duration
	SuperDigest            string
	MaxClientCnxns         int
	GlobalOutstandingLimit int
	MaxBuffer              int
	MinSessionTimeout      time.Duration
	MaxSessionTimeout      time.Duration
	FourLetterWords        []string // nil: all
	MetricsAddr            string
	ReconfigEnabled        bool
}

// target is a running server under test.
type target struct {
	Addr string
	// Zen is the zen server under test (the chosen member of an
	// ensemble); nil against ZooKeeper.
	Zen *engine.Server
	// MetricsAddr is the Prometheus endpoint of the server under test
	// (opts.MetricsAddr; each ensemble member gets its own).
	MetricsAddr string
	ZK          *ztest.Proc // nil against zen
	// restart closes the server under test and starts it again on its
	// data dir and client address (zen only).
	restart func(t testing.TB) *target
}

func (o opts) zenConfig(cfg *engine.Config) {
	if o.MinSessionTimeout > 0 || o.MaxSessionTimeout > 0 {
		// Config.Finish derives min/max from tickTime unless they came
		// from zoo.cfg keys, so go through the parser for them.
		var lines []string
		if o.MinSessionTimeout > 0 {
			lines = append(lines, fmt.Sprintf("minSessionTimeout=%d", o.MinSessionTimeout.Milliseconds()))
		}
		if o.MaxSessionTimeout > 0 {
			lines = append(lines, fmt.Sprintf("maxSessionTimeout=%d", o.MaxSessionTimeout.Milliseconds()))
		}
		p, err := engine.ParseConfig(strings.NewReader(strings.Join(lines, "\n") + "\n"))
		if err != nil {
			panic(err)
		}
		p.TickTime, p.DataDir, p.ClientAddr = cfg.TickTime, cfg.DataDir, cfg.ClientAddr
		p.MaxClientCnxns, p.FourLetterWords = cfg.MaxClientCnxns, cfg.FourLetterWords
		p.Servers, p.PeerObserver = cfg.Servers, cfg.PeerObserver
		*cfg = p
	}
	if o.ExtendedTypes {
		cfg.ExtendedTypes = true
	}
	if o.ContainerInterval > 0 {
		cfg.ContainerInterval = o.ContainerInterval
	}
	if o.SuperDigest != "" {
		cfg.SuperDigest = o.SuperDigest
	}
	if o.MaxClientCnxns > 0 {
		cfg.MaxClientCnxns = o.MaxClientCnxns
	}
	if o.GlobalOutstandingLimit > 0 {
		cfg.GlobalOutstandingLimit = o.GlobalOutstandingLimit
	}
	if o.MaxBuffer > 0 {
		cfg.MaxBuffer = o.MaxBuffer
	}
	if o.FourLetterWords != nil {
		cfg.FourLetterWords = map[string]bool{"srvr": true}
		for _, w := range o.FourLetterWords {
			cfg.FourLetterWords[w] = true
		}
	}
	if o.MetricsAddr != "" {
		cfg.MetricsAddr = o.MetricsAddr
	}
	if o.ReconfigEnabled {
		cfg.ReconfigEnabled = true
	}
}

func (o opts) zkConfig() (jvm, cfg []string) {
	if o.ExtendedTypes {
		cfg = append(cfg, "extendedTypesEnabled=true")
	}
	if o.ContainerInterval > 0 {
		jvm = append(jvm, fmt.Sprintf("znode.container.checkIntervalMs=%d", o.ContainerInterval.Milliseconds()))
	}
	if o.SuperDigest != "" {
		cfg = append(cfg, "DigestAuthenticationProvider.superDigest="+o.SuperDigest)
	}
	if o.MaxClientCnxns > 0 {
		cfg = append(cfg, fmt.Sprintf("maxClientCnxns=%d", o.MaxClientCnxns))
	}
	if o.GlobalOutstandingLimit > 0 {
		cfg = append(cfg, fmt.Sprintf("globalOutstandingLimit=%d", o.GlobalOutstandingLimit))
	}
	if o.MaxBuffer > 0 {
		jvm = append(jvm, fmt.Sprintf("jute.maxbuffer=%d", o.MaxBuffer))
	}
	if o.MinSessionTimeout > 0 {
		cfg = append(cfg, fmt.Sprintf("minSessionTimeout=%d", o.MinSessionTimeout.Milliseconds()))
	}
	if o.MaxSessionTimeout > 0 {
		cfg = append(cfg, fmt.Sprintf("maxSessionTimeout=%d", o.MaxSessionTimeout.Milliseconds()))
	}
	if o.ReconfigEnabled {
		cfg = append(cfg, "reconfigEnabled=true")
	}
	if o.FourLetterWords != nil {
		cfg = append(cfg, "4lw.commands.whitelist="+strings.Join(append([]string{"srvr"}, o.FourLetterWords...), ","))
	}
	return jvm, cfg
}

// serve starts the server under test.
func serve(t testing.TB, o opts) *target {
	t.Helper()
	role := ensembleRole()
	if againstZK() {
		if o.MetricsAddr != "" {
			t.Skip("zen-only feature")
		}
		jvm, cfg := o.zkConfig()
		if role != "" {
			observers := 0
			if role == "observer" {
				observers = 1
			}
			for _, p := range ztest.StartZooKeeperEnsemble(t, 3, observers, jvm, cfg...) {
				out, err := ztest.FourLetter(p.Addr, "srvr")
				if err == nil && strings.Contains(out, "\nMode: "+role+"\n") {
					return &target{Addr: p.Addr, ZK: p}
				}
			}
			t.Fatalf("no ZooKeeper ensemble member is a %s", role)
		}
		p := ztest.StartZooKeeperOpts(t, jvm, cfg...)
		return &target{Addr: p.Addr, ZK: p}
	}
	if role != "" {
		return serveEnsemble(t, o, role)
	}
	return serveStandalone(t, o, t.TempDir(), "")
}

func serveStandalone(t testing.TB, o opts, dir, addr string) *target {
	t.Helper()
	s := ztest.StartServerIn(t, dir, func(cfg *engine.Config) {
		o.zenConfig(cfg)
		if addr != "" {
			cfg.ClientAddr = addr
		}
	})
	return &target{Addr: s.Addr(), Zen: s.Server, MetricsAddr: s.MetricsAddr(),
		restart: func(t testing.TB) *target {
			t.Helper()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return serveStandalone(t, o, dir, s.Addr())
		}}
}

// serveEnsemble starts 3 voters (and an observer for role "observer")
// with o applied to every member, and targets the member of that role.
func serveEnsemble(t testing.TB, o opts, role string) *target {
	t.Helper()
	observers := 0
	if role == "observer" {
		observers = 1
	}
	ms := ztest.StartEnsemble(t, ztest.EnsembleSpec{Voters: 3, Observers: observers, Mod: func(cfg *engine.Config) {
		o.zenConfig(cfg)
		// Roomy limits (as StartZooKeeperEnsemble's): a busy machine must
		// not make a member drop out of the quorum mid-test.
		cfg.InitLimit, cfg.SyncLimit = 50, 25
		if o.MetricsAddr != "" {
			// One endpoint per member; the test reads the chosen one's.
			cfg.MetricsAddr = fmt.Sprintf("127.0.0.1:%d", ztest.FreePort(t))
		}
	}})
	for _, m := range ms {
		if m.Mode() == role {
			return memberTarget(m)
		}
	}
	t.Fatalf("no ensemble member is a %s", role)
	return nil
}

func memberTarget(m *ztest.Member) *target {
	return &target{Addr: m.Addr(), Zen: m.Server, MetricsAddr: m.MetricsAddr(),
		restart: func(t testing.TB) *target {
			t.Helper()
			// The member comes back on the same data dir and client
			// address; the rest of the ensemble runs on.
			addr := m.Addr()
			m.Stop()
			m.Cfg.ClientAddr = addr
			m.Start()
			if !m.WaitServing(30 * time.Second) {
				t.Fatalf("member %d did not serve again after its restart", m.ID)
			}
			return memberTarget(m)
		}}
}

// start is serve with default options, returning what the older tests use.
func start(t testing.TB) *target { return serve(t, opts{}) }

// zenOnly skips a test when the suite runs against ZooKeeper.
func zenOnly(t testing.TB) {
	if againstZK() {
		t.Skip("zen-only")
	}
}

// connect opens a go-zookeeper session to addr and waits until it is
// connected.
func connect(t testing.TB, addr string, options ...func(*zk.Conn)) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	return connectTimeout(t, addr, 4*time.Second, options...)
}

func connectTimeout(t testing.TB, addr string, timeout time.Duration, options ...func(*zk.Conn)) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, timeout, zk.WithLogger(nopLogger{}), func(c *zk.Conn) {
		for _, o := range options {
			o(c)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(10 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("no session with %s (state %v)", addr, c.State())
		}
	}
	return c, ev
}

// waitEvent waits for one event on a go-zk watch channel.
func waitEvent(t testing.TB, ch <-chan zk.Event) zk.Event {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event within 5s")
	}
	return zk.Event{}
}

// noEvent asserts that nothing arrives on ch for d.
func noEvent(t testing.TB, ch <-chan zk.Event, d time.Duration) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(d):
	}
}

// ---------------------------------------------------------------------------
// Raw protocol client

// rc is a raw protocol session for one test: it numbers requests, reads
// until the matching reply and keeps the notifications that arrive on the
// way (in arrival order, with their position relative to replies).
type rc struct {
	*ztest.Raw
	t      testing.TB
	xid    int32
	events []event
	// log is every frame read, in order: replies ("r<xid>") and
	// notifications ("e<type>:<path>").
	log []string
	// pinging is set by keepAlive; ping replies are then skipped.
	pinging bool
}

// keepAlive pings the session every 100 ms until the test ends, so a raw
// connection that waits a long time for events keeps its session.
func (c *rc) keepAlive() {
	c.pinging = true
	done := make(chan struct{})
	c.t.Cleanup(func() { close(done) })
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if c.Send(proto.XidPing, proto.OpPing, nil) != nil {
					return
				}
			}
		}
	}()
}

type event struct {
	Zxid int64
	Type proto.EventType
	Stat int32
	Path string
}

// eventZxid reports whether a notification's header zxid is right for a
// txn at zxid z: ZooKeeper 3.8.0 sends -1 in every notification header
// (3.9 sends the txn's zxid, as PROTOCOL.md describes; 3.8.0 wins).
func eventZxid(e event, z int64) bool { return e.Zxid == -1 }

func (e event) String() string { return fmt.Sprintf("%d:%s@%d", e.Type, e.Path, e.Zxid) }

func dial(t testing.TB, addr string) *rc {
	t.Helper()
	r, err := ztest.DialRaw(addr, 10000)
	if err != nil {
		t.Fatalf("raw dial %s: %v", addr, err)
	}
	if r.SessionID == 0 || r.Timeout == 0 {
		t.Fatalf("raw dial: refused session %+v", r.Resp)
	}
	t.Cleanup(func() { r.Close() })
	return &rc{Raw: r, t: t}
}

// dialAs opens a raw connection reattaching to an existing session.
func dialAs(t testing.TB, addr string, id int64, passwd []byte) (*rc, error) {
	r, err := ztest.DialRawSession(addr, 10000, id, passwd, true)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { r.Close() })
	return &rc{Raw: r, t: t}, nil
}

func (c *rc) next() int32 {
	c.xid++
	return c.xid
}

// readOne reads one frame; a notification is recorded and returned with
// ok=false.
func (c *rc) readOne(timeout time.Duration) (ztest.Reply, bool, error) {
	rep, err := c.Read(timeout)
	for err == nil && rep.Hdr.Xid == proto.XidPing && c.pinging {
		rep, err = c.Read(timeout) // a keepAlive ping's reply
	}
	if err != nil {
		return rep, false, err
	}
	if rep.Hdr.Xid == proto.XidNotification {
		var ev proto.WatcherEvent
		rd := proto.NewReader(rep.Body)
		ev.Decode(&rd)
		if rd.Err() != nil || rd.Remaining() != 0 {
			c.t.Fatalf("bad notification body %x: %v", rep.Body, rd.Err())
		}
		if rep.Hdr.Err != 0 {
			c.t.Fatalf("notification with err %d", rep.Hdr.Err)
		}
		e := event{Zxid: rep.Hdr.Zxid, Type: ev.Type, Stat: ev.State, Path: string(ev.Path)}
		c.events = append(c.events, e)
		c.log = append(c.log, fmt.Sprintf("e%d:%s", e.Type, e.Path))
		return rep, false, nil
	}
	c.log = append(c.log, fmt.Sprintf("r%d", rep.Hdr.Xid))
	return rep, true, nil
}

// call sends a request and returns its reply (notifications read before it
// are recorded in c.events).
func (c *rc) call(op proto.OpCode, body []byte) ztest.Reply {
	c.t.Helper()
	xid := c.next()
	if err := c.Send(xid, op, body); err != nil {
		c.t.Fatalf("send %v: %v", op, err)
	}
	return c.await(xid, op)
}

func (c *rc) await(xid int32, op proto.OpCode) ztest.Reply {
	c.t.Helper()
	for {
		rep, isReply, err := c.readOne(5 * time.Second)
		if err != nil {
			c.t.Fatalf("%v (xid %d): reading reply: %v", op, xid, err)
		}
		if !isReply {
			continue
		}
		if rep.Hdr.Xid != xid {
			c.t.Fatalf("%v: reply xid %d, want %d", op, rep.Hdr.Xid, xid)
		}
		return rep
	}
}

// ok calls and requires err 0.
func (c *rc) ok(op proto.OpCode, body []byte) ztest.Reply {
	c.t.Helper()
	rep := c.call(op, body)
	if rep.Hdr.Err != 0 {
		c.t.Fatalf("%v: err %v, want Ok", op, proto.Err(rep.Hdr.Err))
	}
	return rep
}

// fails calls and requires the given error and a header-only reply.
func (c *rc) fails(op proto.OpCode, body []byte, want proto.Err) ztest.Reply {
	c.t.Helper()
	rep := c.call(op, body)
	if proto.Err(rep.Hdr.Err) != want {
		c.t.Fatalf("%v: err %v, want %v", op, proto.Err(rep.Hdr.Err), want)
	}
	if len(rep.Body) != 0 {
		c.t.Fatalf("%v: error reply has a %d-byte body %x", op, len(rep.Body), rep.Body)
	}
	return rep
}

// auth sends an AuthPacket (xid -4) and returns its reply.
func (c *rc) auth(scheme, id string) ztest.Reply {
	c.t.Helper()
	if err := c.Send(proto.XidAuth, proto.OpAuth, authBody(scheme, id)); err != nil {
		c.t.Fatalf("send auth: %v", err)
	}
	return c.await(proto.XidAuth, proto.OpAuth)
}

// authOK authenticates and requires success.
func (c *rc) authOK(scheme, id string) {
	c.t.Helper()
	rep := c.auth(scheme, id)
	if rep.Hdr.Err != 0 || len(rep.Body) != 0 {
		c.t.Fatalf("auth %s: err %v body %x", scheme, proto.Err(rep.Hdr.Err), rep.Body)
	}
}

// drainEvents reads notifications for d (no replies expected).
func (c *rc) drainEvents(d time.Duration) []event {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		_, isReply, err := c.readOne(left)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			c.t.Fatalf("reading events: %v", err)
		}
		if isReply {
			c.t.Fatalf("unexpected reply while waiting for events: %v", c.log)
		}
	}
	ev := c.events
	c.events = nil
	return ev
}

// waitEvents reads until n notifications are buffered (5 s deadline) and
// returns and clears them.
func (c *rc) waitEvents(n int) []event {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(c.events) < n {
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("got %d events %v, want %d", len(c.events), c.events, n)
		}
		_, isReply, err := c.readOne(left)
		if err != nil {
			c.t.Fatalf("waiting for %d events (have %v): %v", n, c.events, err)
		}
		if isReply {
			c.t.Fatalf("unexpected reply while waiting for events: %v", c.log)
		}
	}
	ev := c.events
	c.events = nil
	return ev
}

// takeEvents returns and clears the buffered notifications.
func (c *rc) takeEvents() []event {
	ev := c.events
	c.events = nil
	return ev
}

// closedWithin reports whether the server closed the connection within d
// (any frames read before the close are recorded).
func (c *rc) closedWithin(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		_, _, err := c.readOne(left)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return false
			}
			return true
		}
	}
}

// ---------------------------------------------------------------------------
// Request bodies

func b(s string) []byte { return []byte(s) }

func createBody(path string, data []byte, acl []proto.ACL, flags int32) []byte {
	q := proto.CreateRequest{Path: b(path), Data: data, DataNull: data == nil, ACL: acl, Flags: flags}
	return q.Append(nil)
}

func createTTLBody(path string, data []byte, acl []proto.ACL, flags int32, ttl int64) []byte {
	q := proto.CreateTTLRequest{Path: b(path), Data: data, DataNull: data == nil, ACL: acl, Flags: flags, TTL: ttl}
	return q.Append(nil)
}

func deleteBody(path string, version int32) []byte {
	q := proto.DeleteRequest{Path: b(path), Version: version}
	return q.Append(nil)
}

func pathWatch(path string, watch bool) []byte {
	q := proto.PathWatchRequest{Path: b(path), Watch: watch}
	return q.Append(nil)
}

func pathOnly(path string) []byte {
	q := proto.PathRequest{Path: b(path)}
	return q.Append(nil)
}

func setDataBody(path string, data []byte, version int32) []byte {
	q := proto.SetDataRequest{Path: b(path), Data: data, DataNull: data == nil, Version: version}
	return q.Append(nil)
}

func setACLBody(path string, acl []proto.ACL, version int32) []byte {
	q := proto.SetACLRequest{Path: b(path), ACL: acl, Version: version}
	return q.Append(nil)
}

func watchesBody(path string, typ int32) []byte {
	q := proto.WatchesRequest{Path: b(path), Type: typ}
	return q.Append(nil)
}

func addWatchBody(path string, mode int32) []byte {
	q := proto.AddWatchRequest{Path: b(path), Mode: mode}
	return q.Append(nil)
}

func authBody(scheme, auth string) []byte {
	q := proto.AuthPacket{Scheme: b(scheme), Auth: b(auth)}
	return q.Append(nil)
}

func bs(paths ...string) [][]byte {
	out := make([][]byte, len(paths))
	for i, p := range paths {
		out[i] = b(p)
	}
	return out
}

var (
	openACL = proto.OpenACL
	readACL = proto.ReadACL
)

func worldACL(perms int32) []proto.ACL {
	return []proto.ACL{{Perms: perms, Scheme: "world", ID: "anyone"}}
}

// ---------------------------------------------------------------------------
// Reply decoding: decode a record and require that it used the whole body.

type record[T any] interface {
	*T
	proto.Record
}

func dec[T any, P record[T]](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	rd := proto.NewReader(body)
	P(&v).Decode(&rd)
	if rd.Err() != nil {
		t.Fatalf("decoding %T from %x: %v", v, body, rd.Err())
	}
	if rd.Remaining() != 0 {
		t.Fatalf("decoding %T: %d trailing bytes in %x", v, rd.Remaining(), body)
	}
	return v
}

func decStat(t testing.TB, body []byte) proto.Stat {
	t.Helper()
	return dec[proto.StatResponse](t, body).Stat
}

func decMulti(t testing.TB, body []byte) []proto.MultiResult {
	t.Helper()
	rd := proto.NewReader(body)
	res, err := proto.DecodeMultiResponse(&rd, nil)
	if err != nil {
		t.Fatalf("decoding MultiResponse %x: %v", body, err)
	}
	if rd.Remaining() != 0 {
		t.Fatalf("MultiResponse: %d trailing bytes", rd.Remaining())
	}
	return res
}

func names(v [][]byte) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = string(x)
	}
	slices.Sort(out)
	return out
}

// ---------------------------------------------------------------------------
// Misc

// fourLetter runs a 4lw and fails the test on I/O errors.
func fourLetter(t testing.TB, addr, cmd string) string {
	t.Helper()
	out, err := ztest.FourLetter(addr, cmd)
	if err != nil && !errors.Is(err, io.EOF) {
		// A reset after the full answer is fine; a failure to connect is not.
		var ne *net.OpError
		if !errors.As(err, &ne) || out == "" {
			t.Fatalf("4lw %s: %v", cmd, err)
		}
	}
	return out
}

// lastZxid asks the server for its last processed zxid (srvr's Zxid line).
func lastZxid(t testing.TB, addr string) int64 {
	t.Helper()
	out := fourLetter(t, addr, "srvr")
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "Zxid: 0x"); ok {
			z, err := strconv.ParseInt(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("srvr Zxid line %q: %v", l, err)
			}
			return z
		}
	}
	t.Fatalf("srvr has no Zxid line:\n%s", out)
	return 0
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func itoa(v int32) string { return strconv.Itoa(int(v)) }

func eqStrings(a, b []string) bool { return slices.Equal(a, b) }
