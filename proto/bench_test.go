package proto

import "testing"

// Benchmarks of the hot paths. Run with
//
//	go test -run='^$' -bench=. -benchmem ./proto

func BenchmarkDecodeGetDataRequest(b *testing.B) {
	in := getDataFrame("/app/service/config/leader")
	var q GetDataRequest
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		payload, _, err := SplitFrame(in, DefaultMaxBuffer)
		if err != nil {
			b.Fatal(err)
		}
		h, body, err := DecodeRequestHeader(payload)
		if err != nil || h.Type != OpGetData {
			b.Fatal("header")
		}
		r := NewReader(body)
		q.Decode(&r)
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

func BenchmarkAppendGetDataResponse(b *testing.B) {
	for _, size := range []int{0, 128, 1024} {
		b.Run(byteSize(size), func(b *testing.B) {
			data := make([]byte, size)
			st := sampleStat
			buf := make([]byte, 0, 4+ReplyHeaderSize+4+size+StatSize)
			b.SetBytes(int64(cap(buf)))
			b.ReportAllocs()
			for b.Loop() {
				out, start := BeginFrame(buf[:0])
				out = AppendReplyHeader(out, 42, 0x100000005, ErrOk)
				out = AppendGetDataResponse(out, data, false, &st)
				buf = EndFrame(out, start)
			}
		})
	}
}

func BenchmarkDecodeSetDataRequest(b *testing.B) {
	for _, size := range []int{128, 1024} {
		b.Run(byteSize(size), func(b *testing.B) {
			in, start := BeginFrame(nil)
			in = AppendRequestHeader(in, 7, OpSetData)
			in = (&SetDataRequest{Path: bs("/app/service/config/leader"), Data: make([]byte, size), Version: -1}).Append(in)
			in = EndFrame(in, start)
			var q SetDataRequest
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				payload, _, err := SplitFrame(in, DefaultMaxBuffer)
				if err != nil {
					b.Fatal(err)
				}
				_, body, err := DecodeRequestHeader(payload)
				if err != nil {
					b.Fatal(err)
				}
				r := NewReader(body)
				q.Decode(&r)
				if r.Err() != nil {
					b.Fatal(r.Err())
				}
			}
		})
	}
}

func BenchmarkDecodeMulti(b *testing.B) {
	noCreates := []MultiOp{
		{Type: OpCheck, Path: bs("/lock/leader"), Version: 3},
		{Type: OpSetData, Path: bs("/app/state"), Data: make([]byte, 64), Version: -1},
		{Type: OpSetData, Path: bs("/app/epoch"), Data: make([]byte, 8), Version: 9},
		{Type: OpDelete, Path: bs("/queue/item0000000041"), Version: -1},
	}
	withCreates := append(append([]MultiOp(nil), noCreates...),
		MultiOp{Type: OpCreate, Path: bs("/queue/item"), Data: make([]byte, 64), ACL: OpenACL, Flags: FlagPersistentSequential},
		MultiOp{Type: OpCreate2, Path: bs("/locks/l-"), ACL: OpenACL, Flags: FlagEphemeralSequential},
	)
	for _, c := range []struct {
		name string
		ops  []MultiOp
	}{{"4ops-no-create", noCreates}, {"6ops-2-creates", withCreates}} {
		b.Run(c.name, func(b *testing.B) {
			in := AppendMulti(nil, c.ops)
			ops := make([]MultiOp, 0, 16)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				r := NewReader(in)
				var err error
				if ops, err = DecodeMulti(&r, false, ops); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendNotification(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendNotification(buf[:0], 0x100000009, EventNodeDataChanged, "/app/service/config/leader")
	}
}

func byteSize(n int) string {
	switch {
	case n >= 1024:
		return itoa(n/1024) + "KiB"
	default:
		return itoa(n) + "B"
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}
