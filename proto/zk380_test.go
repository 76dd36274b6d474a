package proto

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The testdata/zk380_*.txt transcripts are frames captured between real
// ZooKeeper 3.8.0 clients/servers (see the header of each file). Replaying
// them checks every decoder against bytes this package did not produce, and
// every encoder for byte-exact output.

type capturedFrame struct {
	conn    int
	client  bool // client → server
	payload []byte
	line    int
}

func loadTranscript(t *testing.T, name string) []capturedFrame {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capturedFrame
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		fields := strings.Fields(s)
		if len(fields) != 3 || (fields[1] != "C" && fields[1] != "S") {
			t.Fatalf("%s:%d: malformed line", name, line)
		}
		conn, err := strconv.Atoi(fields[0])
		if err != nil {
			t.Fatalf("%s:%d: %v", name, line, err)
		}
		p, err := hex.DecodeString(fields[2])
		if err != nil {
			t.Fatalf("%s:%d: %v", name, line, err)
		}
		out = append(out, capturedFrame{conn: conn, client: fields[1] == "C", payload: p, line: line})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// connState tracks one captured connection.
type connState struct {
	connect   *ConnectRequest
	connected bool
	ops       map[int32]OpCode    // xid → opcode of the pending request
	multis    map[int32][]MultiOp // xid → decoded multi ops
	multiErr  map[int32]error     // xid → DecodeMulti error
}

// transcriptCoverage collects what the transcripts exercised.
type transcriptCoverage struct {
	requests, replies map[OpCode]bool
	notifications     int
	nullData          bool
	emptyData         bool
}

func TestZK380Transcripts(t *testing.T) {
	cov := transcriptCoverage{requests: map[OpCode]bool{}, replies: map[OpCode]bool{}}
	for _, name := range []string{"zk380_zkcli.txt", "zk380_java_multi.txt", "zk380_zen_probe.txt"} {
		t.Run(name, func(t *testing.T) { replayTranscript(t, name, &cov) })
	}
	// Guard against a transcript silently losing content.
	for _, op := range []OpCode{OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL, OpDelete, OpExists,
		OpGetData, OpSetData, OpGetACL, OpSetACL, OpGetChildren, OpGetChildren2, OpSync, OpMulti,
		OpMultiRead, OpRemoveWatches, OpAuth, OpGetEphemerals, OpGetAllChildrenNumber, OpAddWatch,
		OpWhoAmI, OpPing, OpCloseSession} {
		if !cov.requests[op] || !cov.replies[op] {
			t.Errorf("transcripts do not cover %v (request %v, reply %v)", op, cov.requests[op], cov.replies[op])
		}
	}
	if cov.notifications == 0 || !cov.nullData || !cov.emptyData {
		t.Errorf("coverage: %d notifications, null data %v, empty data %v", cov.notifications, cov.nullData, cov.emptyData)
	}
}

func replayTranscript(t *testing.T, name string, cov *transcriptCoverage) {
	conns := map[int]*connState{}
	for _, f := range loadTranscript(t, name) {
		cs := conns[f.conn]
		if cs == nil {
			cs = &connState{ops: map[int32]OpCode{}, multis: map[int32][]MultiOp{}, multiErr: map[int32]error{}}
			conns[f.conn] = cs
		}
		where := name + ":" + strconv.Itoa(f.line)
		switch {
		case f.client && cs.connect == nil:
			cs.connect = checkRoundTrip(t, &ConnectRequest{}, f.payload).(*ConnectRequest)
			if len(cs.connect.Passwd) != PasswdLen {
				t.Errorf("%s: passwd %d bytes", where, len(cs.connect.Passwd))
			}
		case !f.client && !cs.connected:
			cs.connected = true
			p := checkRoundTrip(t, &ConnectResponse{}, f.payload).(*ConnectResponse)
			// ZK mirrors the request's optional readOnly byte.
			if p.HasReadOnly != cs.connect.HasReadOnly || len(f.payload) != 36+boolInt(p.HasReadOnly) {
				t.Errorf("%s: response readOnly presence %v (%d bytes) for request with %v",
					where, p.HasReadOnly, len(f.payload), cs.connect.HasReadOnly)
			}
			if p.SessionID == 0 || p.Timeout <= 0 || len(p.Passwd) != PasswdLen {
				t.Errorf("%s: connect response %+v", where, p)
			}
		case f.client:
			replayRequest(t, where, cs, f.payload, cov)
		default:
			replayReply(t, where, cs, f.payload, cov)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func replayRequest(t *testing.T, where string, cs *connState, payload []byte, cov *transcriptCoverage) {
	h, body, err := DecodeRequestHeader(payload)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if re := h.Append(nil); !bytes.Equal(re, payload[:RequestHeaderSize]) {
		t.Fatalf("%s: header re-encodes as %x", where, re)
	}
	cov.requests[h.Type] = true
	cs.ops[h.Xid] = h.Type
	switch h.Type {
	case OpPing, OpCloseSession, OpWhoAmI:
		if len(body) != 0 {
			t.Errorf("%s: %v with a %d-byte body", where, h.Type, len(body))
		}
	case OpMulti, OpMultiRead:
		r := NewReader(body)
		ops, err := DecodeMulti(&r, h.Type == OpMultiRead, nil)
		cs.multiErr[h.Xid] = err
		if err == nil || errors.Is(err, ErrCreateFlags) {
			cs.multis[h.Xid] = ops
			if re := AppendMulti(nil, ops); !bytes.Equal(re, body) {
				t.Errorf("%s: multi re-encodes as\n%x\nwant\n%x", where, re, body)
			}
		}
	default:
		rec := requestRecord(h.Type)
		if rec == nil {
			t.Fatalf("%s: no record for request %v", where, h.Type)
		}
		checkRoundTrip(t, rec, body)
	}
}

func replayReply(t *testing.T, where string, cs *connState, payload []byte, cov *transcriptCoverage) {
	h, body, err := DecodeReplyHeader(payload)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if re := h.Append(nil); !bytes.Equal(re, payload[:ReplyHeaderSize]) {
		t.Fatalf("%s: header re-encodes as %x", where, re)
	}
	if h.Xid == XidNotification {
		cov.notifications++
		ev := checkRoundTrip(t, &WatcherEvent{}, body).(*WatcherEvent)
		if ev.State != StateSyncConnected || h.Err != ErrOk {
			t.Errorf("%s: notification %+v %+v", where, h, ev)
		}
		want := frame(payload)
		if got := AppendNotification(nil, h.Zxid, ev.Type, string(ev.Path)); !bytes.Equal(got, want) {
			t.Errorf("%s: AppendNotification gives %x, ZK sent %x", where, got, want)
		}
		return
	}
	op, ok := cs.ops[h.Xid]
	if !ok {
		t.Fatalf("%s: reply to unknown xid %d", where, h.Xid)
	}
	delete(cs.ops, h.Xid)
	cov.replies[op] = true

	if op == OpMulti || op == OpMultiRead {
		checkMultiReply(t, where, op, h, body, cs.multis[h.Xid], cs.multiErr[h.Xid])
		return
	}
	if h.Err != ErrOk {
		if len(body) != 0 {
			t.Errorf("%s: %v error %v with a %d-byte body", where, op, h.Err, len(body))
		}
		return
	}
	rec := responseRecord(op)
	if rec == nil {
		if len(body) != 0 {
			t.Errorf("%s: %v reply has an unexpected %d-byte body", where, op, len(body))
		}
		return
	}
	got := checkRoundTrip(t, rec, body)
	if d, ok := got.(*GetDataResponse); ok {
		cov.nullData = cov.nullData || d.DataNull
		cov.emptyData = cov.emptyData || (!d.DataNull && len(d.Data) == 0)
	}
}

// checkMultiReply compares a captured multi reply with what DecodeMulti made
// of the request: ZK answered MarshallingError exactly when DecodeMulti
// rejected the record, and ZK's results line up with the decoded ops.
func checkMultiReply(t *testing.T, where string, op OpCode, h ReplyHeader, body []byte, ops []MultiOp, decErr error) {
	rejected := decErr != nil && !errors.Is(decErr, ErrCreateFlags)
	if rejected != (h.Err == ErrMarshallingError) {
		t.Errorf("%s: DecodeMulti error %v but ZK answered %v", where, decErr, h.Err)
		return
	}
	if h.Err != ErrOk {
		// ZK 3.8.0 sends a multiRead's MarshallingError with an empty
		// MultiResponse after the header; a multi's has no body.
		if op == OpMultiRead {
			r := NewReader(body)
			if res, err := DecodeMultiResponse(&r, nil); err != nil || len(res) != 0 || r.Remaining() != 0 {
				t.Errorf("%s: multiRead error body %x", where, body)
			}
		} else if len(body) != 0 {
			t.Errorf("%s: multi error with a body", where)
		}
		return
	}
	r := NewReader(body)
	res, err := DecodeMultiResponse(&r, nil)
	if err != nil || r.Remaining() != 0 {
		t.Fatalf("%s: %v, %d bytes left", where, err, r.Remaining())
	}
	if re := AppendMultiResponse(nil, res); !bytes.Equal(re, body) {
		t.Errorf("%s: multi response re-encodes as\n%x\nwant\n%x", where, re, body)
	}
	if len(res) != len(ops) {
		t.Fatalf("%s: %d results for %d ops", where, len(res), len(ops))
	}
	failed := false
	for i := range res {
		if res[i].Type == OpError && res[i].Err != ErrOk {
			failed = true
		}
		if errors.Is(decErr, ErrCreateFlags) && ops[i].isCreate() && !ValidCreateFlags(ops[i].Flags) &&
			(res[i].Type != OpError || res[i].Err != ErrBadArguments) {
			t.Errorf("%s: op %d with flags %d got result %+v, want BadArguments", where, i, ops[i].Flags, res[i])
		}
		if res[i].Type == OpError {
			continue
		}
		// Result types ZK 3.8.0 uses for successful ops: create2 inside a
		// multi is answered as create (path only); createContainer and
		// createTTL as create2 (path and stat).
		want := ops[i].Type
		switch want {
		case OpCreate2:
			want = OpCreate
		case OpCreateContainer, OpCreateTTL:
			want = OpCreate2
		}
		if res[i].Type != want {
			t.Errorf("%s: op %d (%v) answered with result type %v, want %v", where, i, ops[i].Type, res[i].Type, want)
		}
	}
	if op == OpMulti && failed {
		for i := range res {
			if res[i].Type != OpError {
				t.Errorf("%s: failed multi has a non-error result %d: %+v", where, i, res[i])
			}
		}
	}
}
