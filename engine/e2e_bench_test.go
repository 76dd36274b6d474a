package engine_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// pipeline drives one raw connection with `depth` requests in flight and
// reads replies into a fixed buffer, so the client allocates nothing per
// request and allocs/op measures the server.
func pipeline(b *testing.B, addr string, op proto.OpCode, body []byte, depth int) {
	raw, err := ztest.DialRaw(addr, 30000)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	frame := ztest.Frame(append(proto.AppendRequestHeader(nil, 1, op), body...))
	batch := make([]byte, 0, len(frame)*depth)
	for i := 0; i < depth; i++ {
		batch = append(batch, frame...)
	}
	rd := bufio.NewReaderSize(raw.C, 1<<16)
	buf := make([]byte, 1<<16)
	raw.C.SetDeadline(time.Now().Add(10 * time.Minute))
	readOne := func() {
		if _, err := io.ReadFull(rd, buf[:4]); err != nil {
			b.Fatal(err)
		}
		n := binary.BigEndian.Uint32(buf[:4])
		if _, err := io.ReadFull(rd, buf[:n]); err != nil {
			b.Fatal(err)
		}
		if e := int32(binary.BigEndian.Uint32(buf[12:16])); e != 0 {
			b.Fatalf("error reply %d", e)
		}
	}
	// warm up
	raw.Write(batch)
	for i := 0; i < depth; i++ {
		readOne()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += depth {
		if _, err := raw.C.Write(batch); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < depth; i++ {
			readOne()
		}
	}
}

// BenchmarkGetDataLoop measures a getData served on the event loop over
// real TCP; allocs/op is the server's (the client allocates nothing).
func BenchmarkGetDataLoop(b *testing.B) {
	srv := ztest.StartServer(b, nil)
	c, _ := ztest.DialRaw(srv.Addr(), 30000)
	cr := proto.CreateRequest{Path: []byte("/k"), Data: make([]byte, 100), ACL: proto.OpenACL}
	if rep, _, err := c.Call(1, proto.OpCreate, cr.Append(nil)); err != nil || rep.Hdr.Err != 0 {
		b.Fatal(err, rep.Hdr.Err)
	}
	q := proto.PathWatchRequest{Path: []byte("/k")}
	pipeline(b, srv.Addr(), proto.OpGetData, q.Append(nil), 64)
}

// BenchmarkSetData measures a pipelined setData through the whole write
// path (prep, zab batch, fsync, apply, reply).
func BenchmarkSetData(b *testing.B) {
	srv := ztest.StartServer(b, nil)
	c, _ := ztest.DialRaw(srv.Addr(), 30000)
	cr := proto.CreateRequest{Path: []byte("/k"), Data: make([]byte, 100), ACL: proto.OpenACL}
	if rep, _, err := c.Call(1, proto.OpCreate, cr.Append(nil)); err != nil || rep.Hdr.Err != 0 {
		b.Fatal(err, rep.Hdr.Err)
	}
	q := proto.SetDataRequest{Path: []byte("/k"), Data: make([]byte, 100), Version: -1}
	pipeline(b, srv.Addr(), proto.OpSetData, q.Append(nil), 64)
}
