package proto

import (
	"reflect"
	"testing"
)

// getDataFrame is a complete getData request frame as a client sends it.
func getDataFrame(path string) []byte {
	b, start := BeginFrame(nil)
	b = AppendRequestHeader(b, 42, OpGetData)
	b = (&GetDataRequest{Path: bs(path), Watch: true}).Append(b)
	return EndFrame(b, start)
}

// TestGetDataZeroAlloc is the read hot path: split the frame, decode header
// and GetDataRequest, append the framed reply into a pre-sized buffer.
func TestGetDataZeroAlloc(t *testing.T) {
	in := getDataFrame("/app/config/key")
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i)
	}
	st := sampleStat
	out := make([]byte, 0, 1024)
	var q GetDataRequest
	allocs := testing.AllocsPerRun(1000, func() {
		payload, n, err := SplitFrame(in, DefaultMaxBuffer)
		if err != nil || n != len(in) {
			t.Fatal("split")
		}
		h, body, err := DecodeRequestHeader(payload)
		if err != nil || h.Type != OpGetData {
			t.Fatal("header")
		}
		r := NewReader(body)
		q.Decode(&r)
		if r.Err() != nil || !q.Watch || string(q.Path) != "/app/config/key" {
			t.Fatal("decode")
		}
		b, start := BeginFrame(out[:0])
		b = AppendReplyHeader(b, h.Xid, 0x100000005, ErrOk)
		b = AppendGetDataResponse(b, data, false, &st)
		out = EndFrame(b, start)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per request, want 0", allocs)
	}
	// The reply is what a client expects.
	payload, _, err := SplitFrame(out, DefaultMaxBuffer)
	if err != nil {
		t.Fatal(err)
	}
	h, body, _ := DecodeReplyHeader(payload)
	p := decodeAll(t, &GetDataResponse{}, body).(*GetDataResponse)
	if h.Xid != 42 || h.Zxid != 0x100000005 || string(p.Data) != string(data) || p.Stat != st {
		t.Fatalf("reply %+v %+v", h, p)
	}
}

// hasVector reports whether a record type has a vector field, the only
// thing decoding is allowed to allocate for.
func hasVector(rec Record) bool {
	typ := reflect.TypeOf(rec).Elem()
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i).Type
		if f.Kind() == reflect.Slice && f.Elem().Kind() != reflect.Uint8 {
			return true
		}
	}
	return false
}

// TestRecordAllocs: every record without a vector decodes with no
// allocation (ClientInfo excepted: its user name is a string), and every
// record encodes into a buffer with room without allocating.
func TestRecordAllocs(t *testing.T) {
	for _, rec := range sampleRecords() {
		enc := rec.Append(nil)
		out := newLike(rec)
		var r Reader
		decodeAllocs := testing.AllocsPerRun(100, func() {
			r = NewReader(enc)
			out.Decode(&r)
		})
		if r.Err() != nil {
			t.Fatalf("%T: %v", rec, r.Err())
		}
		if _, isInfo := rec.(*ClientInfo); !hasVector(rec) && !isInfo && decodeAllocs != 0 {
			t.Errorf("%T: %v allocations to decode", rec, decodeAllocs)
		}
		buf := make([]byte, 0, len(enc))
		encodeAllocs := testing.AllocsPerRun(100, func() { buf = rec.Append(buf[:0]) })
		if encodeAllocs != 0 {
			t.Errorf("%T: %v allocations to encode", rec, encodeAllocs)
		}
	}
}

// TestMultiAllocs: decoding a multi into a reused slice allocates only the
// ACL vectors of its creates.
func TestMultiAllocs(t *testing.T) {
	ops := []MultiOp{
		{Type: OpSetData, Path: bs("/a"), Data: bs("x"), Version: 1},
		{Type: OpCheck, Path: bs("/b"), Version: 2},
		{Type: OpDelete, Path: bs("/c"), Version: -1},
		{Type: OpCreate, Path: bs("/d"), ACL: OpenACL},
		{Type: OpCreate2, Path: bs("/e"), ACL: OpenACL},
	}
	for _, c := range []struct {
		ops  []MultiOp
		want float64
	}{{ops[:3], 0}, {ops, 2}} {
		enc := AppendMulti(nil, c.ops)
		dst := make([]MultiOp, 0, 8)
		var r Reader
		allocs := testing.AllocsPerRun(100, func() {
			r = NewReader(enc)
			var err error
			if dst, err = DecodeMulti(&r, false, dst); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != c.want {
			t.Errorf("%d ops: %v allocations, want %v", len(c.ops), allocs, c.want)
		}
	}
}

func TestAppendNotificationZeroAlloc(t *testing.T) {
	buf := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendNotification(buf[:0], 0x100000009, EventNodeDeleted, "/some/watched/path")
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
}
