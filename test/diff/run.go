package diff

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zen-coord/zen/proto"
)

// Default timeouts of the runner.
const (
	replyTimeout   = 4 * time.Second  // waiting for a reply that should come
	defaultSession = 10000            // requested session timeout, ms
	waitEventLimit = 10 * time.Second // wait-event default
)

// Runner executes one scenario against one server and records a
// normalised transcript.
type Runner struct {
	Addr   string
	Prefix string // subtree of this scenario ("" = whole tree)
	// Base is the server's last zxid right before the scenario's first step:
	// zxids are printed as offsets from it.
	Base int64
	// Cleanup makes Finish close every session the scenario left open and
	// delete the scenario's subtree (for a server shared by many scenarios).
	Cleanup bool

	out      []string
	conns    map[string]*Conn
	order    []string
	names    map[int64]string // session id → name
	ids      map[string]int64 // name → session id
	passwds  map[int64][]byte
	gone     map[int64]bool // sessions closed by the scenario
	expired  bool           // a session may be expiring behind our back
	ctl      *Conn
	sideNote string
}

// Conn is one client TCP connection of a scenario.
type Conn struct {
	name        string
	c           net.Conn
	xid         int32
	established bool
	closed      bool
	sid         int64
	pending     []pend
}

type pend struct {
	xid int32
	op  proto.OpCode
	as  proto.OpCode // how to decode the body
}

// NewRunner connects the runner's control session to addr, creates the
// scenario's subtree (if prefix is not empty) and reads the base zxid.
func NewRunner(addr, prefix string, cleanup bool) (*Runner, error) {
	r := &Runner{Addr: addr, Prefix: prefix, Cleanup: cleanup,
		conns: map[string]*Conn{}, names: map[int64]string{}, ids: map[string]int64{}, passwds: map[int64][]byte{}, gone: map[int64]bool{}}
	ctl, err := r.dialSession(20000)
	if err != nil {
		return nil, fmt.Errorf("control session: %w", err)
	}
	r.ctl = ctl
	if err := r.ctlCall(proto.XidAuth, proto.OpAuth, (&proto.AuthPacket{Scheme: []byte("digest"), Auth: []byte("super:" + SuperPassword)}).Append(nil), nil); err != nil {
		return nil, fmt.Errorf("control auth: %w", err)
	}
	if prefix != "" {
		body := (&proto.CreateRequest{Path: []byte(prefix), ACL: proto.OpenACL}).Append(nil)
		if err := r.ctlCall(1, proto.OpCreate, body, nil); err != nil {
			return nil, fmt.Errorf("creating %s: %w", prefix, err)
		}
	}
	z, err := r.ctlZxid()
	if err != nil {
		return nil, err
	}
	r.Base = z
	return r, nil
}

// dialSession opens a control connection with a new session.
func (r *Runner) dialSession(timeout int32) (*Conn, error) {
	c, err := net.DialTimeout("tcp", r.Addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	cn := &Conn{name: "ctl", c: c}
	req := proto.ConnectRequest{Timeout: timeout, Passwd: make([]byte, 16), HasReadOnly: true}
	if _, err := c.Write(frame(req.Append(nil))); err != nil {
		c.Close()
		return nil, err
	}
	b, err := cn.readFrame(10 * time.Second)
	if err != nil {
		c.Close()
		return nil, err
	}
	var resp proto.ConnectResponse
	rd := proto.NewReader(b)
	resp.Decode(&rd)
	if rd.Err() != nil || resp.SessionID == 0 {
		c.Close()
		return nil, fmt.Errorf("bad connect response %x", b)
	}
	cn.sid = resp.SessionID
	cn.established = true
	return cn, nil
}

// ctlCall sends a request on the control connection and waits for its
// reply, skipping notifications. A non-nil body pointer receives the body.
func (r *Runner) ctlCall(xid int32, op proto.OpCode, body []byte, reply *[]byte) error {
	_, err := r.ctlCallHdr(xid, op, body, reply)
	return err
}

func (r *Runner) ctlCallHdr(xid int32, op proto.OpCode, body []byte, reply *[]byte) (proto.ReplyHeader, error) {
	b := proto.AppendRequestHeader(nil, xid, op)
	if _, err := r.ctl.c.Write(frame(append(b, body...))); err != nil {
		return proto.ReplyHeader{}, err
	}
	for {
		f, err := r.ctl.readFrame(10 * time.Second)
		if err != nil {
			return proto.ReplyHeader{}, err
		}
		h, rest, err := proto.DecodeReplyHeader(f)
		if err != nil {
			return h, err
		}
		if h.Xid != xid {
			continue
		}
		if h.Err != 0 {
			return h, h.Err
		}
		if reply != nil {
			*reply = rest
		}
		return h, nil
	}
}

// ctlZxid pings on the control connection and returns the reply's zxid.
func (r *Runner) ctlZxid() (int64, error) {
	h, err := r.ctlCallHdr(proto.XidPing, proto.OpPing, nil, nil)
	return h.Zxid, err
}

// Transcript returns the recorded lines.
func (r *Runner) Transcript() []string { return r.out }

func (r *Runner) logf(format string, a ...any) {
	r.out = append(r.out, fmt.Sprintf(format, a...))
}

// Run executes the steps, then drains every connection (Finish).
func (r *Runner) Run(steps []*Step) {
	for _, st := range steps {
		if st.Conn != "" {
			r.logf("%s %s", st.Conn, strings.Join(st.textParts(), " "))
		} else {
			r.logf("%s", strings.Join(st.textParts(), " "))
		}
		if err := r.step(st); err != nil {
			r.logf("  !! %v", err)
		}
	}
	r.finish()
}

func (r *Runner) step(st *Step) error {
	switch st.Cmd {
	case "note":
		return nil
	case "sleep":
		ms, err := intArg(st, 0)
		if err != nil {
			return err
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return nil
	case "settle":
		return r.settle()
	case "4lw":
		return r.fourLetter(st)
	case "connect", "dial":
		return r.connect(st)
	}
	cn := r.conns[st.Conn]
	if cn == nil {
		return fmt.Errorf("no connection %s", st.Conn)
	}
	switch st.Cmd {
	case "drop":
		cn.c.Close()
		cn.closed = true
		return nil
	case "events", "alive":
		r.barrier(cn)
		return nil
	case "await-close":
		limit := 2 * time.Second
		if t, ok := st.arg(0); ok {
			ms, err := strconv.Atoi(t.S)
			if err != nil {
				return err
			}
			limit = time.Duration(ms) * time.Millisecond
		}
		r.awaitClose(cn, limit)
		return nil
	case "wait-event":
		limit := waitEventLimit
		if t, ok := st.arg(0); ok {
			ms, err := strconv.Atoi(t.S)
			if err != nil {
				return err
			}
			limit = time.Duration(ms) * time.Millisecond
		}
		r.waitEvent(cn, limit)
		return nil
	case "frame":
		b, err := r.typedBytes(st.Args)
		if err != nil {
			return err
		}
		if st.hasFlagOpt("auto") {
			b = frame(b)
		}
		return r.sendFrame(cn, st, b)
	case "pipe":
		var buf []byte
		for _, sub := range st.Sub {
			q, err := r.build(cn, sub)
			if err != nil {
				return err
			}
			buf = append(buf, r.enqueue(cn, q)...)
		}
		if err := r.write(cn, buf); err != nil {
			return nil
		}
		r.readPending(cn, replyTimeout)
		return nil
	case "close":
		st2 := &Step{Cmd: "closesession", Opts: st.Opts}
		q, err := r.build(cn, st2)
		if err != nil {
			return err
		}
		if err := r.write(cn, r.enqueue(cn, q)); err != nil {
			return nil
		}
		r.readPending(cn, replyTimeout)
		return nil
	}
	q, err := r.build(cn, st)
	if err != nil {
		return err
	}
	if err := r.write(cn, r.enqueue(cn, q)); err != nil {
		return nil
	}
	if _, ok := st.opt("noreply"); ok || st.hasFlag("noreply") {
		return nil
	}
	r.readPending(cn, replyTimeout)
	return nil
}

func (s *Step) hasFlagOpt(w string) bool {
	_, ok := s.Opts[w]
	return ok || s.hasFlag(w)
}

func intArg(st *Step, i int) (int, error) {
	t, ok := st.arg(i)
	if !ok {
		return 0, fmt.Errorf("%s: missing argument %d", st.Cmd, i+1)
	}
	return strconv.Atoi(t.S)
}

// write sends b; a failure marks the connection closed and is recorded.
func (r *Runner) write(cn *Conn, b []byte) error {
	if cn.closed {
		r.logf("  <- closed (not sent)")
		cn.pending = nil
		return errors.New("closed")
	}
	cn.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := cn.c.Write(b); err != nil {
		// The server closed while we were writing (e.g. an oversized frame).
		r.logf("  <- closed")
		cn.closed = true
		cn.pending = nil
		return err
	}
	return nil
}

func frame(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

func (cn *Conn) readFrame(timeout time.Duration) ([]byte, error) {
	cn.c.SetReadDeadline(time.Now().Add(timeout))
	var l [4]byte
	if _, err := io.ReadFull(cn.c, l[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > 64<<20 {
		return nil, fmt.Errorf("frame length %d", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(cn.c, b)
	return b, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readOne reads one frame and records it. It returns the reply header (Xid
// -1 for notifications) or ok=false when the connection ended or timed out.
func (r *Runner) readOne(cn *Conn, timeout time.Duration) (proto.ReplyHeader, bool) {
	b, err := cn.readFrame(timeout)
	if err != nil {
		if isTimeout(err) {
			r.logf("  <- timeout (nothing within %v)", timeout)
		} else {
			r.logf("  <- closed")
			cn.closed = true
			cn.pending = nil
		}
		return proto.ReplyHeader{}, false
	}
	h, body, err := proto.DecodeReplyHeader(b)
	if err != nil {
		r.logf("  <- short frame %x", b)
		return proto.ReplyHeader{}, true
	}
	if h.Xid == proto.XidNotification {
		r.logf("  <- %s", r.fmtEvent(h, body))
		return h, true
	}
	var p pend
	found := false
	for i, q := range cn.pending {
		if q.xid == h.Xid {
			p, found = q, true
			cn.pending = append(cn.pending[:i:i], cn.pending[i+1:]...)
			break
		}
	}
	if !found {
		// A special xid answers the first pending request of its kind
		// whatever xid that request carried (ZooKeeper answers every ping
		// with -2, for example).
		if op, ok := specialXids[h.Xid]; ok {
			for i, q := range cn.pending {
				if q.op == op {
					p, found = q, true
					cn.pending = append(cn.pending[:i:i], cn.pending[i+1:]...)
					break
				}
			}
		}
	}
	if !found {
		r.logf("  <- unexpected reply xid=%d zx=%s err=%s body=%x", h.Xid, r.z(h.Zxid), fmtErr(h.Err), body)
		return h, true
	}
	if p.op == proto.OpCloseSession && h.Err == 0 {
		r.gone[cn.sid] = true
	}
	r.logf("  <- %s", r.fmtReply(p, h, body))
	return h, true
}

var specialXids = map[int32]proto.OpCode{
	proto.XidPing:       proto.OpPing,
	proto.XidAuth:       proto.OpAuth,
	proto.XidSetWatches: proto.OpSetWatches,
}

// readPending reads until every pending reply of cn arrived. After a
// timeout the requests still pending are given up on (a late reply is
// recorded as unexpected), so one unanswered request does not make every
// later step wait.
func (r *Runner) readPending(cn *Conn, timeout time.Duration) {
	for len(cn.pending) > 0 && !cn.closed {
		if _, ok := r.readOne(cn, timeout); !ok {
			cn.pending = nil
			return
		}
	}
}

// barrier pings and reads up to the ping reply: every notification queued
// before it is recorded, and a closed connection shows up as "closed".
func (r *Runner) barrier(cn *Conn) {
	if cn.closed {
		r.logf("  <- closed (not sent)")
		return
	}
	q := &request{xid: proto.XidPing, hasXid: true, op: proto.OpPing, as: proto.OpPing}
	if err := r.write(cn, r.enqueue(cn, q)); err != nil {
		return
	}
	r.readPending(cn, replyTimeout)
}

// awaitClose reads (recording any frames) until the server closes the
// connection or limit passes; nothing is sent.
func (r *Runner) awaitClose(cn *Conn, limit time.Duration) {
	if cn.closed {
		r.logf("  <- closed")
		return
	}
	deadline := time.Now().Add(limit)
	for !cn.closed {
		left := time.Until(deadline)
		if left <= 0 {
			r.logf("  <- still open after %v", limit)
			return
		}
		b, err := cn.readFrame(left)
		if err != nil {
			if isTimeout(err) {
				r.logf("  <- still open after %v", limit)
			} else {
				r.logf("  <- closed")
				cn.closed = true
				cn.pending = nil
			}
			return
		}
		h, body, err := proto.DecodeReplyHeader(b)
		if err != nil {
			r.logf("  <- short frame %x", b)
			continue
		}
		r.logf("  <- frame xid=%d zx=%s err=%s body=%x", h.Xid, r.z(h.Zxid), fmtErr(h.Err), body)
	}
}

// waitEvent reads frames until a notification arrives.
func (r *Runner) waitEvent(cn *Conn, limit time.Duration) {
	if cn.closed {
		r.logf("  <- closed")
		return
	}
	deadline := time.Now().Add(limit)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			r.logf("  <- no event within the limit")
			return
		}
		b, err := cn.readFrame(left)
		if err != nil {
			if isTimeout(err) {
				r.logf("  <- no event within the limit")
			} else {
				r.logf("  <- closed")
				cn.closed = true
			}
			return
		}
		h, body, err := proto.DecodeReplyHeader(b)
		if err != nil {
			r.logf("  <- short frame %x", b)
			continue
		}
		if h.Xid == proto.XidNotification {
			r.logf("  <- %s", r.fmtEvent(h, body))
			return
		}
		// A reply: match it as readOne would.
		var p pend
		found := false
		for i, q := range cn.pending {
			if q.xid == h.Xid {
				p, found = q, true
				cn.pending = append(cn.pending[:i:i], cn.pending[i+1:]...)
				break
			}
		}
		if found {
			r.logf("  <- %s", r.fmtReply(p, h, body))
		} else {
			r.logf("  <- unexpected reply xid=%d zx=%s err=%s", h.Xid, r.z(h.Zxid), fmtErr(h.Err))
		}
	}
}

// sendFrame writes raw bytes and records what comes back: frames until the
// expected number arrived (reply=N, default 1), the connection closes, or a
// short wait passes.
func (r *Runner) sendFrame(cn *Conn, st *Step, b []byte) error {
	want := 1
	if t, ok := st.opt("reply"); ok {
		if t.S == "none" {
			want = 0
		} else {
			n, err := strconv.Atoi(t.S)
			if err != nil {
				return err
			}
			want = n
		}
	}
	if err := r.write(cn, b); err != nil {
		return nil
	}
	for i := 0; i < want; i++ {
		f, err := cn.readFrame(replyTimeout)
		if err != nil {
			if isTimeout(err) {
				r.logf("  <- timeout (nothing within %v)", replyTimeout)
			} else {
				r.logf("  <- closed")
				cn.closed = true
			}
			return nil
		}
		if !cn.established {
			r.logf("  <- %s", r.fmtConnectResponse(cn, f))
			continue
		}
		h, body, err := proto.DecodeReplyHeader(f)
		if err != nil {
			r.logf("  <- short frame %x", f)
			continue
		}
		if h.Xid == proto.XidNotification {
			r.logf("  <- %s", r.fmtEvent(h, body))
			i--
			continue
		}
		r.logf("  <- frame xid=%d zx=%s err=%s body=%x", h.Xid, r.z(h.Zxid), fmtErr(h.Err), body)
	}
	return nil
}

// settle waits until the server's zxid stopped moving (something happened
// asynchronously, e.g. a session expiry).
func (r *Runner) settle() error {
	prev, err := r.ctlZxid()
	if err != nil {
		return err
	}
	stable := 0
	for i := 0; i < 100 && stable < 3; i++ {
		time.Sleep(100 * time.Millisecond)
		z, err := r.ctlZxid()
		if err != nil {
			return err
		}
		if z == prev {
			stable++
		} else {
			stable, prev = 0, z
		}
	}
	return nil
}

// connect opens a connection (dial) and, for "connect", performs the
// handshake, optionally followed by pipelined requests in the same write.
func (r *Runner) connect(st *Step) error {
	if old := r.conns[st.Conn]; old != nil {
		if !old.closed {
			return fmt.Errorf("%s is still open", st.Conn)
		}
	}
	c, err := net.DialTimeout("tcp", r.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	cn := &Conn{name: st.Conn, c: c}
	if r.conns[st.Conn] == nil {
		r.order = append(r.order, st.Conn)
	}
	r.conns[st.Conn] = cn
	if st.Cmd == "dial" {
		return nil
	}
	req := proto.ConnectRequest{Timeout: defaultSession, Passwd: make([]byte, 16), HasReadOnly: true}
	if t, ok := st.opt("timeout"); ok {
		n, err := strconv.Atoi(t.S)
		if err != nil {
			return err
		}
		req.Timeout = int32(n)
	}
	if t, ok := st.opt("proto"); ok {
		n, err := strconv.Atoi(t.S)
		if err != nil {
			return err
		}
		req.ProtocolVersion = int32(n)
	}
	if t, ok := st.opt("lastzxid"); ok {
		z, err := r.zxidArg(t.S)
		if err != nil {
			return err
		}
		req.LastZxidSeen = z
	}
	if t, ok := st.opt("session"); ok {
		id, ok := r.ids[t.S]
		if !ok {
			v, err := strconv.ParseInt(t.S, 0, 64)
			if err != nil {
				return fmt.Errorf("unknown session %q", t.S)
			}
			id = v
		}
		req.SessionID = id
		req.Passwd = append([]byte(nil), r.passwds[id]...)
		if len(req.Passwd) == 0 {
			req.Passwd = make([]byte, 16)
		}
	}
	if t, ok := st.opt("passwd"); ok {
		switch {
		case t.S == "ok":
		case t.S == "bad":
			for i := range req.Passwd {
				req.Passwd[i] ^= 0x5a
			}
		case t.S == "zero":
			req.Passwd = make([]byte, 16)
		case t.S == "short":
			req.Passwd = req.Passwd[:8]
		case t.S == "empty":
			req.Passwd = []byte{}
		case strings.HasPrefix(t.S, "x:"):
			b, err := parseHex(t.S[2:])
			if err != nil {
				return err
			}
			req.Passwd = b
		default:
			return fmt.Errorf("passwd=%s: want ok, bad, zero, short, empty or x:HEX", t.S)
		}
	}
	if st.hasFlag("noro") {
		req.HasReadOnly = false
	}
	if st.hasFlag("ro") {
		req.ReadOnly = true
	}
	buf := frame(req.Append(nil))
	var queued []*request
	for _, sub := range st.Sub {
		q, err := r.build(cn, sub)
		if err != nil {
			return err
		}
		queued = append(queued, q)
	}
	for _, q := range queued {
		buf = append(buf, r.enqueue(cn, q)...)
	}
	if err := r.write(cn, buf); err != nil {
		return nil
	}
	f, err := cn.readFrame(replyTimeout)
	if err != nil {
		if isTimeout(err) {
			r.logf("  <- timeout (no ConnectResponse)")
		} else {
			r.logf("  <- closed (no ConnectResponse)")
			cn.closed = true
			cn.pending = nil
		}
		return nil
	}
	r.logf("  <- %s", r.fmtConnectResponse(cn, f))
	r.readPending(cn, replyTimeout)
	return nil
}

// fmtConnectResponse decodes a ConnectResponse, names a new session after
// the connection and marks the connection established.
func (r *Runner) fmtConnectResponse(cn *Conn, f []byte) string {
	var resp proto.ConnectResponse
	rd := proto.NewReader(f)
	resp.Decode(&rd)
	if rd.Err() != nil {
		return fmt.Sprintf("undecodable ConnectResponse %x", f)
	}
	cn.established = true
	if resp.SessionID != 0 {
		if _, ok := r.names[resp.SessionID]; !ok {
			name := cn.name
			if _, taken := r.ids[name]; taken {
				name = fmt.Sprintf("%s#%d", cn.name, len(r.names)+1)
			}
			r.names[resp.SessionID] = name
			r.ids[name] = resp.SessionID
			r.passwds[resp.SessionID] = append([]byte(nil), resp.Passwd...)
		}
		cn.sid = resp.SessionID
	}
	pw := "zero"
	for _, b := range resp.Passwd {
		if b != 0 {
			pw = "set"
			break
		}
	}
	s := fmt.Sprintf("connected proto=%d timeout=%d session=%s passwd=%d/%s", resp.ProtocolVersion, resp.Timeout,
		r.sname(resp.SessionID), len(resp.Passwd), pw)
	if resp.HasReadOnly {
		s += fmt.Sprintf(" readOnly=%v", resp.ReadOnly)
	} else {
		s += " (no readOnly byte)"
	}
	if rd.Remaining() > 0 {
		s += fmt.Sprintf(" trailing=%x", f[rd.Offset():])
	}
	return s
}

// request is one encoded request ready to be framed.
type request struct {
	xid    int32
	hasXid bool
	op     proto.OpCode
	as     proto.OpCode
	body   []byte
}

// enqueue assigns the xid, remembers the pending reply and returns the frame.
func (r *Runner) enqueue(cn *Conn, q *request) []byte {
	if !q.hasXid {
		cn.xid++
		q.xid = cn.xid
	}
	cn.pending = append(cn.pending, pend{xid: q.xid, op: q.op, as: q.as})
	b := proto.AppendRequestHeader(nil, q.xid, q.op)
	return frame(append(b, q.body...))
}

// finish drains every connection and, on a shared server, removes what the
// scenario left behind.
func (r *Runner) finish() {
	for _, name := range r.order {
		cn := r.conns[name]
		r.logf("final %s", name)
		if cn.closed {
			r.logf("  <- closed")
			continue
		}
		r.barrier(cn)
	}
}

// Close ends the runner: on a shared server it closes every session the
// scenario created and deletes the subtree, then closes the control session.
func (r *Runner) Close() error {
	var firstErr error
	if r.Cleanup {
		for _, name := range r.order {
			cn := r.conns[name]
			if !cn.closed && cn.sid != 0 {
				cn.c.Write(frame(proto.AppendRequestHeader(nil, 0x7fff0000, proto.OpCloseSession)))
				for {
					f, err := cn.readFrame(5 * time.Second)
					if err != nil {
						break
					}
					if h, _, err := proto.DecodeReplyHeader(f); err == nil && h.Xid == 0x7fff0000 {
						r.gone[cn.sid] = true
						break
					}
				}
			}
			cn.c.Close()
		}
		// Sessions whose connection is gone: resume and close them.
		for id := range r.names {
			if r.gone[id] {
				continue
			}
			if r.closeSessionByID(id) {
				r.expired = true
			}
		}
		if r.expired {
			r.settle()
		}
		if r.Prefix != "" {
			if err := r.deleteTree(r.Prefix); err != nil {
				firstErr = err
			}
		}
	} else {
		for _, name := range r.order {
			r.conns[name].c.Close()
		}
	}
	if r.ctl != nil {
		r.ctlCall(1<<30, proto.OpCloseSession, nil, nil)
		r.ctl.c.Close()
	}
	return firstErr
}

// closeSessionByID resumes session id on a new connection and closes it.
// It reports whether the session was already gone (expired or closing).
func (r *Runner) closeSessionByID(id int64) (gone bool) {
	c, err := net.DialTimeout("tcp", r.Addr, 5*time.Second)
	if err != nil {
		return true
	}
	defer c.Close()
	cn := &Conn{c: c}
	req := proto.ConnectRequest{Timeout: 10000, SessionID: id, Passwd: r.passwds[id], HasReadOnly: true}
	if _, err := c.Write(frame(req.Append(nil))); err != nil {
		return true
	}
	f, err := cn.readFrame(5 * time.Second)
	if err != nil {
		return true
	}
	var resp proto.ConnectResponse
	rd := proto.NewReader(f)
	resp.Decode(&rd)
	if resp.SessionID == 0 || resp.Timeout <= 0 {
		return true
	}
	c.Write(frame(proto.AppendRequestHeader(nil, 1, proto.OpCloseSession)))
	for {
		f, err := cn.readFrame(5 * time.Second)
		if err != nil {
			return false
		}
		if h, _, err := proto.DecodeReplyHeader(f); err == nil && h.Xid == 1 {
			return false
		}
	}
}

// deleteTree deletes path and everything below it on the control session
// (which is authenticated as super).
func (r *Runner) deleteTree(path string) error {
	var body []byte
	err := r.ctlCall(2, proto.OpGetChildren, (&proto.GetChildrenRequest{Path: []byte(path)}).Append(nil), &body)
	if err == proto.ErrNoNode {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing %s: %w", path, err)
	}
	var resp proto.GetChildrenResponse
	rd := proto.NewReader(body)
	resp.Decode(&rd)
	names := make([]string, 0, len(resp.Children))
	for _, c := range resp.Children {
		names = append(names, string(c))
	}
	sort.Strings(names)
	for _, n := range names {
		if err := r.deleteTree(path + "/" + n); err != nil {
			return err
		}
	}
	err = r.ctlCall(3, proto.OpDelete, (&proto.DeleteRequest{Path: []byte(path), Version: -1}).Append(nil), nil)
	if err != nil && err != proto.ErrNoNode {
		return fmt.Errorf("deleting %s: %w", path, err)
	}
	return nil
}

// fourLetter runs a 4lw on a new connection and records its normalised
// answer.
func (r *Runner) fourLetter(st *Step) error {
	t, ok := st.arg(0)
	if !ok {
		return fmt.Errorf("4lw: missing command")
	}
	cmd := t.S
	if strings.HasPrefix(cmd, "x:") {
		b, err := parseHex(cmd[2:])
		if err != nil {
			return err
		}
		cmd = string(b)
	}
	mode := defaultMode(cmd)
	if m, ok := st.opt("mode"); ok {
		mode = m.S
	}
	out, err := FourLetter(r.Addr, cmd, 5*time.Second)
	if err != nil && !isReset(err) {
		r.logf("  !! %v", err)
	}
	for _, l := range r.norm4lw(cmd, mode, out) {
		r.logf("  | %s", l)
	}
	return nil
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "reset by peer") || errors.Is(err, io.EOF))
}
