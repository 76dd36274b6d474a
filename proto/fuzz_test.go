package proto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// Fuzz targets. Decoding arbitrary bytes must never panic; whenever it
// succeeds, encoding the decoded value and decoding that again must give an
// equal value whose encoding is the same (Append is canonical).
//
//	go test -run='^$' -fuzz=FuzzDecodeRequest -fuzztime=20s ./proto

func FuzzSplitFrame(f *testing.F) {
	f.Add([]byte{}, uint32(DefaultMaxBuffer))
	f.Add([]byte{0, 0, 0}, uint32(10))
	f.Add([]byte{0, 0, 0, 0}, uint32(0))
	f.Add(frame([]byte("hello")), uint32(5))
	f.Add(frame([]byte("hello")), uint32(4))
	f.Add(frame([]byte("hello"))[:7], uint32(DefaultMaxBuffer))
	f.Add(append(frame([]byte("a")), frame([]byte("bc"))...), uint32(DefaultMaxBuffer))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint32(DefaultMaxBuffer))
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 1}, uint32(0xffffffff))
	f.Add([]byte("ruok"), uint32(DefaultMaxBuffer))
	f.Fuzz(func(t *testing.T, in []byte, max32 uint32) {
		max := int(max32)
		payload, n, err := SplitFrame(in, max)
		if len(in) < 4 {
			if payload != nil || n != 0 || err != nil {
				t.Fatalf("short input: %x %d %v", payload, n, err)
			}
			return
		}
		l := int64(int32(binary.BigEndian.Uint32(in)))
		switch {
		case l < 0 || l > int64(max):
			if !errors.Is(err, ErrFrameLength) || payload != nil || n != 0 {
				t.Fatalf("length %d max %d: %x %d %v", l, max, payload, n, err)
			}
		case l > int64(len(in)-4):
			if err != nil || payload != nil || n != 0 {
				t.Fatalf("incomplete: %x %d %v", payload, n, err)
			}
		default:
			if err != nil || n != 4+int(l) || !bytes.Equal(payload, in[4:n]) || cap(payload) != len(payload) {
				t.Fatalf("complete frame of %d: %x %d %v", l, payload, n, err)
			}
		}
	})
}

// fuzzRequestKinds are the request bodies FuzzDecodeRequest chooses from by
// its first argument: the ConnectRequest, every request record, and the two
// kinds of multi (nil entries, handled by decodeMultiRoundTrip).
var fuzzRequestKinds = []Record{
	&ConnectRequest{}, &CreateRequest{}, &CreateTTLRequest{}, &DeleteRequest{},
	&DeleteContainerRequest{}, &PathWatchRequest{}, &SetDataRequest{}, &PathRequest{},
	&SetACLRequest{}, &CheckVersionRequest{}, &ReconfigRequest{}, &WatchesRequest{},
	&AddWatchRequest{}, &AuthPacket{}, &GetSASLRequest{}, &GetEphemeralsRequest{},
	&SetWatches{}, &SetWatches2{}, &RequestHeader{}, nil, nil,
}

// fuzzResponseKinds are the response-side records FuzzDecodeResponse
// chooses from; the nil entry is a MultiResponse.
var fuzzResponseKinds = []Record{
	&ConnectResponse{}, &CreateResponse{}, &Create2Response{}, &StatResponse{},
	&GetDataResponse{}, &GetACLResponse{}, &GetChildrenResponse{}, &GetChildren2Response{},
	&GetAllChildrenNumberResponse{}, &GetEphemeralsResponse{}, &WhoAmIResponse{},
	&ErrorResponse{}, &SetSASLResponse{}, &WatcherEvent{}, &ReplyHeader{}, &MultiHeader{},
	&ClientInfo{}, nil,
}

func kindIndex(kinds []Record, rec Record) int {
	for i, k := range kinds {
		if k != nil && reflect.TypeOf(k) == reflect.TypeOf(rec) {
			return i
		}
	}
	return -1
}

func seedKinds(f *testing.F, kinds []Record) {
	for _, rec := range sampleRecords() {
		if i := kindIndex(kinds, rec); i >= 0 {
			f.Add(uint8(i), rec.Append(nil))
		}
	}
}

func FuzzDecodeRequest(f *testing.F) {
	seedKinds(f, fuzzRequestKinds)
	multi, multiRead := uint8(len(fuzzRequestKinds)-2), uint8(len(fuzzRequestKinds)-1)
	f.Add(multi, AppendMulti(nil, writeOps()))
	f.Add(multi, AppendMulti(nil, nil))
	f.Add(multi, AppendMulti(nil, []MultiOp{{Type: OpCreate, Path: bs("/f"), Flags: 7}}))
	f.Add(multiRead, AppendMulti(nil, readOps()))
	f.Fuzz(func(t *testing.T, kind uint8, in []byte) {
		i := int(kind) % len(fuzzRequestKinds)
		if fuzzRequestKinds[i] == nil {
			decodeMultiRoundTrip(t, i == int(multiRead), in)
			return
		}
		recordRoundTrip(t, fuzzRequestKinds[i], in)
	})
}

func FuzzDecodeResponse(f *testing.F) {
	seedKinds(f, fuzzResponseKinds)
	multi := uint8(len(fuzzResponseKinds) - 1)
	f.Add(multi, AppendMultiResponse(nil, sampleResults()))
	f.Add(multi, AppendMultiResponse(nil, nil))
	f.Fuzz(func(t *testing.T, kind uint8, in []byte) {
		i := int(kind) % len(fuzzResponseKinds)
		if fuzzResponseKinds[i] == nil {
			decodeMultiResponseRoundTrip(t, in)
			return
		}
		recordRoundTrip(t, fuzzResponseKinds[i], in)
	})
}

func recordRoundTrip(t *testing.T, kind Record, in []byte) {
	v1 := newLike(kind)
	r := NewReader(in)
	v1.Decode(&r)
	if r.Err() != nil {
		return
	}
	if r.Offset() > len(in) || r.Remaining() < 0 {
		t.Fatalf("%T: reader ran past the input", kind)
	}
	enc := v1.Append(nil)
	v2 := newLike(kind)
	r2 := NewReader(enc)
	v2.Decode(&r2)
	if r2.Err() != nil || r2.Remaining() != 0 {
		t.Fatalf("%T: re-decode of %x: %v, %d left", kind, enc, r2.Err(), r2.Remaining())
	}
	if !sameValue(v1, v2) {
		t.Fatalf("%T: %+v re-decoded as %+v", kind, v1, v2)
	}
	if enc2 := v2.Append(nil); !bytes.Equal(enc, enc2) {
		t.Fatalf("%T: encoding not stable: %x then %x", kind, enc, enc2)
	}
}

func decodeMultiRoundTrip(t *testing.T, read bool, in []byte) {
	r := NewReader(in)
	ops, err := DecodeMulti(&r, read, nil)
	if err != nil && !errors.Is(err, ErrCreateFlags) {
		if len(ops) != 0 || r.Err() == nil {
			t.Fatalf("failed decode returned %d ops, reader error %v", len(ops), r.Err())
		}
		return
	}
	enc := AppendMulti(nil, ops)
	r2 := NewReader(enc)
	ops2, err2 := DecodeMulti(&r2, read, nil)
	if !errors.Is(err2, err) || r2.Remaining() != 0 || !sameValue(ops, ops2) {
		t.Fatalf("multi %+v (%v) re-decoded as %+v (%v), %d left", ops, err, ops2, err2, r2.Remaining())
	}
	if enc2 := AppendMulti(nil, ops2); !bytes.Equal(enc, enc2) {
		t.Fatal("multi encoding not stable")
	}
}

func decodeMultiResponseRoundTrip(t *testing.T, in []byte) {
	r := NewReader(in)
	res, err := DecodeMultiResponse(&r, nil)
	if err != nil {
		if len(res) != 0 || r.Err() == nil {
			t.Fatalf("failed decode returned %d results, reader error %v", len(res), r.Err())
		}
		return
	}
	enc := AppendMultiResponse(nil, res)
	r2 := NewReader(enc)
	res2, err := DecodeMultiResponse(&r2, nil)
	if err != nil || r2.Remaining() != 0 || !sameValue(res, res2) {
		t.Fatalf("multi response %+v re-decoded as %+v (%v)", res, res2, err)
	}
	if enc2 := AppendMultiResponse(nil, res2); !bytes.Equal(enc, enc2) {
		t.Fatal("multi response encoding not stable")
	}
}
