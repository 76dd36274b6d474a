package proto

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func frame(payload []byte) []byte {
	b, start := BeginFrame(nil)
	b = append(b, payload...)
	return EndFrame(b, start)
}

func TestSplitFrame(t *testing.T) {
	const max = 100
	cases := []struct {
		name    string
		in      []byte
		payload []byte
		n       int
		err     error
	}{
		{"empty input", nil, nil, 0, nil},
		{"1 byte", []byte{0}, nil, 0, nil},
		{"3 bytes", []byte{0, 0, 0}, nil, 0, nil},
		{"zero-length frame", []byte{0, 0, 0, 0}, []byte{}, 4, nil},
		{"complete", frame([]byte("abc")), []byte("abc"), 7, nil},
		{"complete plus next", append(frame([]byte("abc")), 0, 0), []byte("abc"), 7, nil},
		{"incomplete", frame([]byte("abc"))[:6], nil, 0, nil},
		{"prefix only", []byte{0, 0, 0, 9}, nil, 0, nil},
		{"exactly max", frame(make([]byte, max)), make([]byte, max), 4 + max, nil},
		{"max+1 decided from the prefix", []byte{0, 0, 0, max + 1}, nil, 0, ErrFrameLength},
		{"negative", []byte{0xff, 0xff, 0xff, 0xfe, 1, 2}, nil, 0, ErrFrameLength},
		{"-1", []byte{0xff, 0xff, 0xff, 0xff}, nil, 0, ErrFrameLength},
		{"min int32", []byte{0x80, 0, 0, 0}, nil, 0, ErrFrameLength},
		{"max int32", []byte{0x7f, 0xff, 0xff, 0xff}, nil, 0, ErrFrameLength},
		// A 4-letter word read as a length ("ruok" = 0x72756f6b) is oversized.
		{"four-letter word", []byte("ruok"), nil, 0, ErrFrameLength},
	}
	for _, c := range cases {
		payload, n, err := SplitFrame(c.in, max)
		if !errors.Is(err, c.err) || n != c.n || !bytes.Equal(payload, c.payload) || (payload == nil) != (c.payload == nil) {
			t.Errorf("%s: got (%x, %d, %v), want (%x, %d, %v)", c.name, payload, n, err, c.payload, c.n, c.err)
		}
		if payload != nil && cap(payload) != len(payload) {
			t.Errorf("%s: payload capacity %d not clipped to %d", c.name, cap(payload), len(payload))
		}
	}
}

// TestSplitFrameByteAtATime feeds a stream of frames one byte at a time, as
// a slow or fragmenting peer would, and requires every frame back intact.
func TestSplitFrameByteAtATime(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var stream []byte
	var want [][]byte
	for i := 0; i < 50; i++ {
		p := make([]byte, rng.IntN(300))
		for j := range p {
			p[j] = byte(rng.Uint32())
		}
		want = append(want, p)
		stream = append(stream, frame(p)...)
	}
	var got [][]byte
	var buf []byte
	for _, c := range stream {
		buf = append(buf, c)
		for {
			p, n, err := SplitFrame(buf, DefaultMaxBuffer)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			got = append(got, append([]byte(nil), p...))
			buf = buf[n:]
		}
	}
	if len(buf) != 0 || len(got) != len(want) {
		t.Fatalf("got %d frames, %d bytes left; want %d frames", len(got), len(buf), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d differs", i)
		}
	}
}

func TestRequestHeader(t *testing.T) {
	payload := AppendRequestHeader(nil, 0x01020304, OpGetData)
	payload = (&GetDataRequest{Path: bs("/a"), Watch: true}).Append(payload)
	if !bytes.Equal(payload[:8], []byte{1, 2, 3, 4, 0, 0, 0, 4}) {
		t.Fatalf("header %x", payload[:8])
	}
	h, body, err := DecodeRequestHeader(payload)
	if err != nil || h != (RequestHeader{Xid: 0x01020304, Type: OpGetData}) || !bytes.Equal(body, payload[8:]) {
		t.Fatalf("got %+v %x %v", h, body, err)
	}
	// Ping and closeSession have no body.
	h, body, err = DecodeRequestHeader(AppendRequestHeader(nil, XidPing, OpPing))
	if err != nil || h.Xid != XidPing || h.Type != OpPing || len(body) != 0 {
		t.Fatalf("ping: %+v %x %v", h, body, err)
	}
	for n := 0; n < RequestHeaderSize; n++ {
		if _, _, err := DecodeRequestHeader(payload[:n]); !errors.Is(err, ErrShort) {
			t.Errorf("%d-byte header: err %v", n, err)
		}
	}
}

func TestReplyHeader(t *testing.T) {
	st := sampleStat
	payload := AppendReplyHeader(nil, 7, 0x500000003, ErrOk)
	payload = AppendStatResponse(payload, &st)
	h, body, err := DecodeReplyHeader(payload)
	if err != nil || h != (ReplyHeader{Xid: 7, Zxid: 0x500000003, Err: ErrOk}) || len(body) != StatSize {
		t.Fatalf("got %+v %d %v", h, len(body), err)
	}
	// Error replies are the header alone.
	h, body, err = DecodeReplyHeader(AppendReplyHeader(nil, 8, 9, ErrNoNode))
	if err != nil || h.Err != ErrNoNode || len(body) != 0 {
		t.Fatalf("error reply: %+v %x %v", h, body, err)
	}
	if _, _, err := DecodeReplyHeader(payload[:ReplyHeaderSize-1]); !errors.Is(err, ErrShort) {
		t.Fatalf("short reply header: %v", err)
	}
}
