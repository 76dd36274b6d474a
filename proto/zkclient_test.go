package proto

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// These tests run a real client, go-zookeeper/zk v1.0.4, against a scripted
// in-process server built from this package: the server decodes the frames
// the client produced and answers with this package's encoders, and the
// test checks what the client made of the answers.

const exchangeTimeout = 10 * time.Second

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

type clientRequest struct {
	hdr  RequestHeader
	body []byte
}

// fakeZK accepts one connection, answers the handshake and pings itself and
// hands every other request to the test.
type fakeZK struct {
	ln       net.Listener
	connects chan []byte // raw ConnectRequest payloads
	reqs     chan clientRequest
	wmu      sync.Mutex
	conn     net.Conn
	zxid     int64
}

func startFakeZK(t *testing.T) *fakeZK {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeZK{ln: ln, connects: make(chan []byte, 1), reqs: make(chan clientRequest, 16), zxid: 0x100000000}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serve()
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wmu.Lock()
		if s.conn != nil {
			s.conn.Close()
		}
		s.wmu.Unlock()
		<-done
	})
	return s
}

func (s *fakeZK) serve() {
	c, err := s.ln.Accept()
	if err != nil {
		return
	}
	s.wmu.Lock()
	s.conn = c
	s.wmu.Unlock()
	var buf []byte
	chunk := make([]byte, 4096)
	connected := false
	for {
		payload, n, err := SplitFrame(buf, DefaultMaxBuffer)
		if err != nil {
			c.Close()
			return
		}
		if n == 0 {
			m, err := c.Read(chunk)
			if err != nil {
				return
			}
			buf = append(buf, chunk[:m]...)
			continue
		}
		payload = append([]byte(nil), payload...)
		buf = buf[n:]
		if !connected {
			connected = true
			s.connects <- payload
			r := NewReader(payload)
			var q ConnectRequest
			q.Decode(&r)
			resp := ConnectResponse{Timeout: 10000, SessionID: 0x1000002d7db0042,
				Passwd: bytes.Repeat([]byte{0x5a}, PasswdLen), HasReadOnly: q.HasReadOnly}
			b, start := BeginFrame(nil)
			s.write(EndFrame(resp.Append(b), start))
			continue
		}
		h, body, err := DecodeRequestHeader(payload)
		if err != nil {
			c.Close()
			return
		}
		if h.Xid == XidPing {
			s.reply(XidPing, ErrOk, nil)
			continue
		}
		s.reqs <- clientRequest{h, body}
	}
}

func (s *fakeZK) write(b []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.conn.Write(b)
}

// reply sends ReplyHeader{xid, zxid, err} followed by body.
func (s *fakeZK) reply(xid int32, err Err, body []byte) {
	b, start := BeginFrame(nil)
	b = AppendReplyHeader(b, xid, s.zxid, err)
	b = append(b, body...)
	s.write(EndFrame(b, start))
}

// exchange runs call (a client operation) in a goroutine, expects exactly one
// request of type op from it, lets answer inspect the request body and
// produce the reply, and waits for call to return.
func (s *fakeZK) exchange(t *testing.T, op OpCode, call func(), answer func(body []byte) (Err, []byte)) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		call()
	}()
	var req clientRequest
	select {
	case req = <-s.reqs:
	case <-time.After(exchangeTimeout):
		t.Fatalf("no %v request from the client", op)
	}
	if req.hdr.Type != op {
		t.Fatalf("client sent %v, want %v", req.hdr.Type, op)
	}
	s.zxid++
	errCode, body := answer(req.body)
	s.reply(req.hdr.Xid, errCode, body)
	select {
	case <-done:
	case <-time.After(exchangeTimeout):
		t.Fatalf("client call for %v did not return", op)
	}
}

func zkStat(s *Stat) zk.Stat {
	return zk.Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version,
		Cversion: s.Cversion, Aversion: s.Aversion, EphemeralOwner: s.EphemeralOwner,
		DataLength: s.DataLength, NumChildren: s.NumChildren, Pzxid: s.Pzxid}
}

func checkStat(t *testing.T, got *zk.Stat, want *Stat) {
	t.Helper()
	if got == nil || *got != zkStat(want) {
		t.Fatalf("client stat %+v, want %+v", got, *want)
	}
}

// decodeBody decodes a request body into rec, requiring it to be exact.
func decodeBody[T Record](t *testing.T, rec T, body []byte) T {
	t.Helper()
	r := NewReader(body)
	rec.Decode(&r)
	if r.Err() != nil || r.Remaining() != 0 {
		t.Fatalf("%T: %v, %d bytes left of %x", rec, r.Err(), r.Remaining(), body)
	}
	return rec
}

func TestGoZookeeperClient(t *testing.T) {
	srv := startFakeZK(t)
	conn, events, err := zk.Connect([]string{srv.ln.Addr().String()}, 10*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// The handshake: go-zookeeper sends the 44-byte form without readOnly.
	var raw []byte
	select {
	case raw = <-srv.connects:
	case <-time.After(exchangeTimeout):
		t.Fatal("no ConnectRequest")
	}
	cr := decodeBody(t, &ConnectRequest{}, raw)
	if len(raw) != 44 || cr.HasReadOnly || cr.ProtocolVersion != 0 || cr.LastZxidSeen != 0 ||
		cr.Timeout != 10000 || cr.SessionID != 0 || !bytes.Equal(cr.Passwd, make([]byte, PasswdLen)) {
		t.Fatalf("ConnectRequest %d bytes: %+v", len(raw), cr)
	}
	waitState(t, events, zk.StateHasSession)
	if got := conn.SessionID(); got != 0x1000002d7db0042 {
		t.Fatalf("client session id %#x", got)
	}

	st := sampleStat

	t.Run("getData", func(t *testing.T) {
		var data []byte
		var zst *zk.Stat
		var err error
		srv.exchange(t, OpGetData, func() { data, zst, err = conn.Get("/a/b") }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &GetDataRequest{}, body)
			if string(q.Path) != "/a/b" || q.Watch {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendGetDataResponse(nil, bs("hello"), false, &st)
		})
		if err != nil || string(data) != "hello" {
			t.Fatalf("Get: %q %v", data, err)
		}
		checkStat(t, zst, &st)
	})

	t.Run("getData null", func(t *testing.T) {
		var data []byte
		var err error
		srv.exchange(t, OpGetData, func() { data, _, err = conn.Get("/null") }, func(body []byte) (Err, []byte) {
			return ErrOk, AppendGetDataResponse(nil, nil, true, &st)
		})
		if err != nil || data != nil {
			t.Fatalf("Get of null data: %v %v", data, err)
		}
	})

	t.Run("getData watch and notification", func(t *testing.T) {
		var ch <-chan zk.Event
		var err error
		srv.exchange(t, OpGetData, func() { _, _, ch, err = conn.GetW("/w") }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &GetDataRequest{}, body)
			if string(q.Path) != "/w" || !q.Watch {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendGetDataResponse(nil, []byte{}, false, &st)
		})
		if err != nil {
			t.Fatal(err)
		}
		srv.write(AppendNotification(nil, srv.zxid, EventNodeDataChanged, "/w"))
		select {
		case ev := <-ch:
			if ev.Type != zk.EventNodeDataChanged || ev.Path != "/w" || ev.Err != nil {
				t.Fatalf("event %+v", ev)
			}
		case <-time.After(exchangeTimeout):
			t.Fatal("no watch event")
		}
	})

	t.Run("create", func(t *testing.T) {
		var path string
		var err error
		srv.exchange(t, OpCreate, func() {
			path, err = conn.Create("/a/seq-", bs("d"), zk.FlagEphemeralSequential, zk.WorldACL(zk.PermAll))
		}, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &CreateRequest{}, body)
			if string(q.Path) != "/a/seq-" || string(q.Data) != "d" || q.DataNull || q.Flags != FlagEphemeralSequential ||
				!sameValue(q.ACL, OpenACL) {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendCreateResponse(nil, "/a/seq-0000000007")
		})
		if err != nil || path != "/a/seq-0000000007" {
			t.Fatalf("Create: %q %v", path, err)
		}
	})

	t.Run("create nil data", func(t *testing.T) {
		srv.exchange(t, OpCreate, func() { conn.Create("/n", nil, 0, zk.WorldACL(zk.PermRead)) }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &CreateRequest{}, body)
			if !q.DataNull || !sameValue(q.ACL, ReadACL) {
				t.Errorf("request %+v", q)
			}
			return ErrNodeExists, nil
		})
	})

	t.Run("createContainer", func(t *testing.T) {
		var path string
		var err error
		srv.exchange(t, OpCreateContainer, func() {
			path, err = conn.CreateContainer("/c", nil, zk.FlagContainer, zk.WorldACL(zk.PermAll))
		}, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &CreateRequest{}, body)
			if string(q.Path) != "/c" || q.Flags != FlagContainer {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendCreate2Response(nil, "/c", &st)
		})
		if err != nil || path != "/c" {
			t.Fatalf("CreateContainer: %q %v", path, err)
		}
	})

	t.Run("createTTL", func(t *testing.T) {
		var path string
		var err error
		srv.exchange(t, OpCreateTTL, func() {
			path, err = conn.CreateTTL("/t", bs("x"), zk.FlagTTL, zk.WorldACL(zk.PermAll), 5*time.Second)
		}, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &CreateTTLRequest{}, body)
			if string(q.Path) != "/t" || q.Flags != FlagPersistentWithTTL || q.TTL != 5000 {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendCreate2Response(nil, "/t", &st)
		})
		if err != nil || path != "/t" {
			t.Fatalf("CreateTTL: %q %v", path, err)
		}
	})

	t.Run("setData", func(t *testing.T) {
		var zst *zk.Stat
		var err error
		srv.exchange(t, OpSetData, func() { zst, err = conn.Set("/a", bs("v2"), 5) }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &SetDataRequest{}, body)
			if string(q.Path) != "/a" || string(q.Data) != "v2" || q.Version != 5 {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendStatResponse(nil, &st)
		})
		if err != nil {
			t.Fatal(err)
		}
		checkStat(t, zst, &st)
	})

	t.Run("delete", func(t *testing.T) {
		var err error
		srv.exchange(t, OpDelete, func() { err = conn.Delete("/a", 3) }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &DeleteRequest{}, body)
			if string(q.Path) != "/a" || q.Version != 3 {
				t.Errorf("request %+v", q)
			}
			return ErrBadVersion, nil
		})
		if !errors.Is(err, zk.ErrBadVersion) {
			t.Fatalf("Delete: %v", err)
		}
	})

	t.Run("exists missing", func(t *testing.T) {
		var ok bool
		var err error
		srv.exchange(t, OpExists, func() { ok, _, err = conn.Exists("/missing") }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &ExistsRequest{}, body)
			if string(q.Path) != "/missing" || q.Watch {
				t.Errorf("request %+v", q)
			}
			return ErrNoNode, nil
		})
		if ok || err != nil {
			t.Fatalf("Exists: %v %v", ok, err)
		}
	})

	t.Run("getChildren2", func(t *testing.T) {
		var names []string
		var zst *zk.Stat
		var err error
		srv.exchange(t, OpGetChildren2, func() { names, zst, err = conn.Children("/p") }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &GetChildren2Request{}, body)
			if string(q.Path) != "/p" {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendGetChildren2Response(nil, []string{"x", "y0000000001"}, &st)
		})
		if err != nil || len(names) != 2 || names[0] != "x" || names[1] != "y0000000001" {
			t.Fatalf("Children: %q %v", names, err)
		}
		checkStat(t, zst, &st)
	})

	t.Run("ACLs", func(t *testing.T) {
		digest := zk.DigestACL(zk.PermRead|zk.PermAdmin, "alice", "secret")
		var acl []zk.ACL
		var err error
		srv.exchange(t, OpGetACL, func() { acl, _, err = conn.GetACL("/p") }, func(body []byte) (Err, []byte) {
			if q := decodeBody(t, &GetACLRequest{}, body); string(q.Path) != "/p" {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendGetACLResponse(nil, sampleACL, &st)
		})
		if err != nil || len(acl) != len(sampleACL) {
			t.Fatalf("GetACL: %+v %v", acl, err)
		}
		for i := range acl {
			if acl[i].Perms != sampleACL[i].Perms || acl[i].Scheme != sampleACL[i].Scheme || acl[i].ID != sampleACL[i].ID {
				t.Fatalf("acl %d: %+v", i, acl[i])
			}
		}
		srv.exchange(t, OpSetACL, func() { _, err = conn.SetACL("/p", digest, 2) }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &SetACLRequest{}, body)
			if string(q.Path) != "/p" || q.Version != 2 || len(q.ACL) != 1 || q.ACL[0].Scheme != "digest" ||
				q.ACL[0].ID != digest[0].ID || q.ACL[0].Perms != PermRead|PermAdmin {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendStatResponse(nil, &st)
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("sync", func(t *testing.T) {
		var path string
		var err error
		srv.exchange(t, OpSync, func() { path, err = conn.Sync("/s") }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &SyncRequest{}, body)
			return ErrOk, AppendSyncResponse(nil, q.Path)
		})
		if err != nil || path != "/s" {
			t.Fatalf("Sync: %q %v", path, err)
		}
	})

	t.Run("auth", func(t *testing.T) {
		var err error
		srv.exchange(t, OpAuth, func() { err = conn.AddAuth("digest", bs("u:p")) }, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &AuthPacket{}, body)
			if q.Type != 0 || string(q.Scheme) != "digest" || string(q.Auth) != "u:p" {
				t.Errorf("request %+v", q)
			}
			return ErrOk, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reconfig", func(t *testing.T) {
		var zst *zk.Stat
		var err error
		srv.exchange(t, OpReconfig, func() {
			zst, err = conn.IncrementalReconfig([]string{"server.4=h:2888:3888;2181"}, nil, -1)
		}, func(body []byte) (Err, []byte) {
			q := decodeBody(t, &ReconfigRequest{}, body)
			// NewMembers was never set: go-zookeeper sends it as null.
			if string(q.JoiningServers) != "server.4=h:2888:3888;2181" || len(q.LeavingServers) != 0 ||
				q.NewMembers != nil || q.CurConfigID != -1 {
				t.Errorf("request %+v", q)
			}
			return ErrOk, AppendGetDataResponse(nil, bs("server.4=h:2888:3888;2181\nversion=100000000"), false, &st)
		})
		if err != nil {
			t.Fatal(err)
		}
		checkStat(t, zst, &st)
	})

	t.Run("multi", func(t *testing.T) {
		var res []zk.MultiResponse
		var err error
		srv.exchange(t, OpMulti, func() {
			res, err = conn.Multi(
				&zk.CreateRequest{Path: "/m", Data: bs("1"), Acl: zk.WorldACL(zk.PermAll), Flags: zk.FlagSequence},
				&zk.SetDataRequest{Path: "/m0000000001", Data: bs("2"), Version: 0},
				&zk.CheckVersionRequest{Path: "/m0000000001", Version: 1},
				&zk.DeleteRequest{Path: "/m0000000001", Version: -1},
			)
		}, func(body []byte) (Err, []byte) {
			r := NewReader(body)
			ops, err := DecodeMulti(&r, false, nil)
			want := []MultiOp{
				{Type: OpCreate, Path: bs("/m"), Data: bs("1"), ACL: OpenACL, Flags: FlagPersistentSequential},
				{Type: OpSetData, Path: bs("/m0000000001"), Data: bs("2"), Version: 0},
				{Type: OpCheck, Path: bs("/m0000000001"), Version: 1},
				{Type: OpDelete, Path: bs("/m0000000001"), Version: -1},
			}
			if err != nil || r.Remaining() != 0 || !sameValue(ops, want) {
				t.Errorf("DecodeMulti: %v %+v", err, ops)
			}
			return ErrOk, AppendMultiResponse(nil, []MultiResult{
				{Type: OpCreate, Path: bs("/m0000000001")},
				{Type: OpSetData, Stat: st},
				{Type: OpCheck},
				{Type: OpDelete},
			})
		})
		if err != nil || len(res) != 4 || res[0].String != "/m0000000001" {
			t.Fatalf("Multi: %+v %v", res, err)
		}
		checkStat(t, res[1].Stat, &st)
		for i := range res {
			if res[i].Error != nil {
				t.Fatalf("result %d: %v", i, res[i].Error)
			}
		}
	})

	t.Run("failed multi", func(t *testing.T) {
		var res []zk.MultiResponse
		var err error
		srv.exchange(t, OpMulti, func() {
			res, err = conn.Multi(
				&zk.CheckVersionRequest{Path: "/a", Version: -1},
				&zk.DeleteRequest{Path: "/missing", Version: -1},
				&zk.CheckVersionRequest{Path: "/a", Version: -1},
			)
		}, func(body []byte) (Err, []byte) {
			var b []byte
			b = AppendMultiError(b, ErrOk)
			b = AppendMultiError(b, ErrNoNode)
			b = AppendMultiError(b, ErrRuntimeInconsistency)
			return ErrOk, AppendMultiEnd(b)
		})
		if !errors.Is(err, zk.ErrNoNode) || len(res) != 3 || res[0].Error != nil ||
			!errors.Is(res[1].Error, zk.ErrNoNode) || res[2].Error == nil {
			t.Fatalf("Multi: %+v %v", res, err)
		}
	})

	t.Run("close", func(t *testing.T) {
		srv.exchange(t, OpCloseSession, conn.Close, func(body []byte) (Err, []byte) {
			if len(body) != 0 {
				t.Errorf("closeSession body %x", body)
			}
			return ErrOk, nil
		})
	})
}

func waitState(t *testing.T, events <-chan zk.Event, want zk.State) {
	t.Helper()
	deadline := time.After(exchangeTimeout)
	for {
		select {
		case ev := <-events:
			if ev.State == want {
				return
			}
		case <-deadline:
			t.Fatalf("client never reached %v", want)
		}
	}
}

// TestGoZookeeperClientRejectsExpired: a ConnectResponse with session id 0
// is how a server tells a client its session is gone.
func TestGoZookeeperClientRejectsExpired(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		p := make([]byte, int(hdr[3])|int(hdr[2])<<8)
		if _, err := io.ReadFull(c, p); err != nil {
			return
		}
		b, start := BeginFrame(nil)
		b = (&ConnectResponse{Passwd: make([]byte, PasswdLen)}).Append(b)
		c.Write(EndFrame(b, start))
		<-stop
	}()
	conn, events, err := zk.Connect([]string{ln.Addr().String()}, 10*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, events, zk.StateExpired)
	close(stop)
	conn.Close()
	ln.Close()
	<-served
}
