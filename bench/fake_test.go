package bench

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/zen-coord/zen/proto"
)

// fakeConn is an in-memory server for unit tests: every request frame the
// client writes is answered at once with a success reply of the right
// shape, queued for Read. It allocates nothing in the steady state, so the
// client's hot loop can be measured for allocations.
type fakeConn struct {
	in       []byte // request bytes not yet parsed
	out      []byte // reply bytes not yet read
	outPos   int
	zxid     int64
	stat     proto.Stat
	data     []byte
	children [][]byte
	requests int
	onReq    func(h proto.RequestHeader, body []byte) // optional inspection
}

func newFakeConn() *fakeConn {
	f := &fakeConn{in: make([]byte, 0, 1<<16), out: make([]byte, 0, 1<<16), data: make([]byte, 100)}
	for i := 0; i < keysPerGroup; i++ {
		f.children = append(f.children, appendPadded([]byte("k"), i, 9))
	}
	f.stat.DataLength = int32(len(f.data))
	return f
}

func (f *fakeConn) Write(b []byte) (int, error) {
	f.in = append(f.in, b...)
	for {
		p, n, err := proto.SplitFrame(f.in, proto.DefaultMaxBuffer)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
		h, body, err := proto.DecodeRequestHeader(p)
		if err != nil {
			return 0, err
		}
		f.requests++
		if f.onReq != nil {
			f.onReq(h, body)
		}
		f.reply(h, body)
		f.in = f.in[:copy(f.in, f.in[n:])]
	}
	return len(b), nil
}

func (f *fakeConn) reply(h proto.RequestHeader, body []byte) {
	if f.outPos == len(f.out) {
		f.out, f.outPos = f.out[:0], 0
	}
	b, start := proto.BeginFrame(f.out)
	switch h.Type {
	case proto.OpPing:
		b = proto.AppendReplyHeader(b, proto.XidPing, f.zxid, proto.ErrOk)
	case proto.OpGetData:
		b = proto.AppendReplyHeader(b, h.Xid, f.zxid, proto.ErrOk)
		b = proto.AppendGetDataResponse(b, f.data, false, &f.stat)
	case proto.OpExists, proto.OpSetData:
		if h.Type == proto.OpSetData {
			f.zxid++
		}
		b = proto.AppendReplyHeader(b, h.Xid, f.zxid, proto.ErrOk)
		b = proto.AppendStat(b, &f.stat)
	case proto.OpGetChildren:
		b = proto.AppendReplyHeader(b, h.Xid, f.zxid, proto.ErrOk)
		b = proto.AppendBytesVector(b, f.children)
	case proto.OpCreate:
		f.zxid++
		r := proto.NewReader(body)
		b = proto.AppendReplyHeader(b, h.Xid, f.zxid, proto.ErrOk)
		b = proto.AppendBytes(b, r.Bytes())
	default: // delete, closeSession ...
		f.zxid++
		b = proto.AppendReplyHeader(b, h.Xid, f.zxid, proto.ErrOk)
	}
	f.out = proto.EndFrame(b, start)
}

func (f *fakeConn) Read(b []byte) (int, error) {
	if f.outPos == len(f.out) {
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(b, f.out[f.outPos:])
	f.outPos += n
	return n, nil
}

func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (f *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// offlineConfig is a valid config for sessions that never dial.
func offlineConfig(t testing.TB, workload string) *Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Servers = []string{"fake:1"}
	w, err := ParseWorkload(workload)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workload = w
	cfg.Keys = 100
	cfg.Clients = 1
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return &cfg
}

// offlineShared is the shared data of a run that never dials.
func offlineShared(cfg *Config) *shared {
	l := layout{root: cfg.Root, runID: "0000abcd"}
	return &shared{cfg: cfg, l: l, value: make([]byte, cfg.ValueSize),
		keys: keyPaths(l.kvDir(), cfg.Keys), groups: groupPaths(l.kvDir(), cfg.Keys)}
}

// offlineSession is session id of a run over nc, already measuring.
func offlineSession(cfg *Config, nc net.Conn, w worker, id int) *session {
	run := &runState{cfg: cfg, t0: time.Now()}
	run.phase.Store(phaseMeasure)
	c := &Conn{nc: nc, Addr: "fake", Timeout: 30 * time.Second,
		rbuf: make([]byte, initialReadBuffer), wbuf: make([]byte, 0, 4096)}
	s := newSession(id, 0, c, run, w, len(slotNames(cfg.Workload)), 1)
	s.enter(phaseMeasure)
	return s
}

// sent returns the request frames in the session's write buffer and
// empties it, forgetting what is outstanding (no replies will come).
func sent(t testing.TB, s *session) []proto.RequestHeader {
	t.Helper()
	var hs []proto.RequestHeader
	b := s.conn.wbuf
	for len(b) > 0 {
		p, n, err := proto.SplitFrame(b, proto.DefaultMaxBuffer)
		if err != nil || n == 0 {
			t.Fatalf("bad frame in write buffer: %v", err)
		}
		h, _, err := proto.DecodeRequestHeader(p)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
		b = b[n:]
	}
	s.conn.wbuf = s.conn.wbuf[:0]
	s.head, s.n = 0, 0
	return hs
}
