package ztest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/zen-coord/zen/proto"
)

// Raw is a bare protocol connection: it sends exactly the frames it is told
// to and returns every frame it reads, so tests can check byte-level
// behaviour (ordering, error codes, malformed input).
type Raw struct {
	C         net.Conn
	SessionID int64
	Passwd    []byte
	Timeout   int32
	Resp      proto.ConnectResponse
}

// Frame prefixes b with its length.
func Frame(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// DialRaw connects and completes a handshake for a new session.
func DialRaw(addr string, timeoutMs int32) (*Raw, error) {
	return DialRawSession(addr, timeoutMs, 0, nil, true)
}

// DialRawSession connects with the given session id/password.
func DialRawSession(addr string, timeoutMs int32, id int64, passwd []byte, readOnlyByte bool) (*Raw, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	req := proto.ConnectRequest{Timeout: timeoutMs, SessionID: id, Passwd: passwd, HasReadOnly: readOnlyByte}
	if _, err := c.Write(Frame(req.Append(nil))); err != nil {
		c.Close()
		return nil, err
	}
	r := &Raw{C: c}
	b, err := r.ReadFrame(5 * time.Second)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("reading ConnectResponse: %w", err)
	}
	rd := proto.NewReader(b)
	r.Resp.Decode(&rd)
	if rd.Err() != nil {
		c.Close()
		return nil, rd.Err()
	}
	r.SessionID, r.Passwd, r.Timeout = r.Resp.SessionID, append([]byte(nil), r.Resp.Passwd...), r.Resp.Timeout
	return r, nil
}

// Write sends raw bytes.
func (r *Raw) Write(b []byte) error {
	_, err := r.C.Write(b)
	return err
}

// Send sends one request frame.
func (r *Raw) Send(xid int32, op proto.OpCode, body []byte) error {
	b := proto.AppendRequestHeader(nil, xid, op)
	return r.Write(Frame(append(b, body...)))
}

// ReadFrame reads one frame payload.
func (r *Raw) ReadFrame(timeout time.Duration) ([]byte, error) {
	r.C.SetReadDeadline(time.Now().Add(timeout))
	var l [4]byte
	if _, err := io.ReadFull(r.C, l[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > 64<<20 {
		return nil, errors.New("frame too large")
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r.C, b)
	return b, err
}

// Reply is a decoded reply or notification.
type Reply struct {
	Hdr  proto.ReplyHeader
	Body []byte
}

// Read reads one reply frame and splits off its header.
func (r *Raw) Read(timeout time.Duration) (Reply, error) {
	b, err := r.ReadFrame(timeout)
	if err != nil {
		return Reply{}, err
	}
	h, body, err := proto.DecodeReplyHeader(b)
	return Reply{Hdr: h, Body: body}, err
}

// Call sends a request and reads frames until the reply with that xid,
// returning it and any notifications read before it.
func (r *Raw) Call(xid int32, op proto.OpCode, body []byte) (Reply, []Reply, error) {
	if err := r.Send(xid, op, body); err != nil {
		return Reply{}, nil, err
	}
	var events []Reply
	for {
		rep, err := r.Read(5 * time.Second)
		if err != nil {
			return Reply{}, events, err
		}
		if rep.Hdr.Xid == proto.XidNotification {
			events = append(events, rep)
			continue
		}
		if rep.Hdr.Xid != xid {
			return rep, events, fmt.Errorf("reply xid %d, want %d", rep.Hdr.Xid, xid)
		}
		return rep, events, nil
	}
}

// Closed reports whether the server closed the connection (reads EOF or a
// reset within timeout).
func (r *Raw) Closed(timeout time.Duration) bool {
	r.C.SetReadDeadline(time.Now().Add(timeout))
	var b [1]byte
	_, err := r.C.Read(b[:])
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true
}

// Close closes the TCP connection.
func (r *Raw) Close() error { return r.C.Close() }
