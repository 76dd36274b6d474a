package bench

import (
	"errors"
	"fmt"
	"math"
	"net"
	"time"

	"github.com/zen-coord/zen/proto"
)

// maxReplyFrame bounds a reply frame. Servers do not limit reply sizes
// (a getChildren of a big node can exceed jute.maxbuffer), so the client
// accepts far more than it ever sends.
const maxReplyFrame = 64 << 20

const initialReadBuffer = 64 << 10

// Conn is one client session over one TCP connection. It is not safe for
// concurrent use, except Wake, which any goroutine may call.
type Conn struct {
	nc        net.Conn
	Addr      string
	SessionID int64
	Timeout   time.Duration // negotiated session timeout
	rbuf      []byte
	rpos      int // start of unconsumed bytes in rbuf
	rend      int // end of valid bytes in rbuf
	wbuf      []byte
	xid       int32
	lastZxid  int64
}

// ErrSessionRefused is returned by Dial when the server answers the
// handshake with an invalid session (timeout 0).
var ErrSessionRefused = errors.New("bench: server refused the session")

// Dial connects to addr and establishes a new session asking for the given
// session timeout. The whole exchange is bounded by dialTimeout.
func Dial(addr string, dialTimeout, sessionTimeout time.Duration) (*Conn, error) {
	return dial(addr, dialTimeout, sessionTimeout, initialReadBuffer)
}

// dial is Dial with the initial read buffer size (small for connections
// that live for one request, like the sessions workload's).
func dial(addr string, dialTimeout, sessionTimeout time.Duration, rbufSize int) (*Conn, error) {
	deadline := time.Now().Add(dialTimeout)
	nc, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	c := &Conn{nc: nc, Addr: addr, rbuf: make([]byte, rbufSize), wbuf: make([]byte, 0, min(rbufSize, 4096))}
	nc.SetDeadline(deadline)
	req := proto.ConnectRequest{
		Timeout:     int32(sessionTimeout / time.Millisecond),
		Passwd:      make([]byte, proto.PasswdLen),
		HasReadOnly: true,
	}
	b, start := proto.BeginFrame(c.wbuf[:0])
	b = req.Append(b)
	c.wbuf = proto.EndFrame(b, start)
	if err := c.Flush(); err != nil {
		nc.Close()
		return nil, err
	}
	p, err := c.ReadFrame()
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake with %s: %w", addr, err)
	}
	var resp proto.ConnectResponse
	r := proto.NewReader(p)
	resp.Decode(&r)
	if r.Err() != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake with %s: %w", addr, r.Err())
	}
	if resp.Timeout <= 0 || resp.SessionID == 0 {
		nc.Close()
		return nil, ErrSessionRefused
	}
	c.SessionID = resp.SessionID
	c.Timeout = time.Duration(resp.Timeout) * time.Millisecond
	nc.SetDeadline(time.Time{})
	return c, nil
}

// NextXid returns a fresh request xid (positive, wrapping like Java's client).
func (c *Conn) NextXid() int32 {
	if c.xid == math.MaxInt32 {
		c.xid = 0
	}
	c.xid++
	return c.xid
}

// Begin starts a request frame in the write buffer and returns the buffer
// to append the record to; End closes the frame. Between them nothing else
// may be written.
func (c *Conn) Begin(xid int32, op proto.OpCode) ([]byte, int) {
	b, start := proto.BeginFrame(c.wbuf)
	return proto.AppendRequestHeader(b, xid, op), start
}

// End finishes the frame Begin started.
func (c *Conn) End(b []byte, start int) { c.wbuf = proto.EndFrame(b, start) }

// Buffered is the number of bytes waiting in the write buffer.
func (c *Conn) Buffered() int { return len(c.wbuf) }

// Flush writes the write buffer in one call.
func (c *Conn) Flush() error {
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	return err
}

// NextFrame returns the next complete frame already in the read buffer, or
// nil. The payload aliases the buffer: valid until the next read.
func (c *Conn) NextFrame() ([]byte, error) {
	p, n, err := proto.SplitFrame(c.rbuf[c.rpos:c.rend], maxReplyFrame)
	if err != nil || n == 0 {
		return nil, err
	}
	c.rpos += n
	return p, nil
}

// Fill reads once from the connection into the read buffer, making room
// first (compacting, or growing for a frame larger than the buffer). It
// keeps frames NextFrame handed out only until then.
func (c *Conn) Fill() error {
	if c.rpos == c.rend {
		c.rpos, c.rend = 0, 0
	} else if len(c.rbuf)-c.rend < 4096 || c.rpos > len(c.rbuf)/2 {
		c.rend = copy(c.rbuf, c.rbuf[c.rpos:c.rend])
		c.rpos = 0
	}
	if c.rend == len(c.rbuf) {
		need := 2 * len(c.rbuf)
		if c.rend >= proto.FrameHeaderSize {
			if _, _, err := proto.SplitFrame(c.rbuf[:c.rend], maxReplyFrame); err != nil {
				return err
			}
		}
		nb := make([]byte, need)
		copy(nb, c.rbuf[:c.rend])
		c.rbuf = nb
	}
	n, err := c.nc.Read(c.rbuf[c.rend:])
	c.rend += n
	if n > 0 {
		return nil
	}
	return err
}

// ReadFrame blocks until a whole frame is available and returns it.
func (c *Conn) ReadFrame() ([]byte, error) {
	for {
		p, err := c.NextFrame()
		if err != nil || p != nil {
			return p, err
		}
		if err := c.Fill(); err != nil {
			return nil, err
		}
	}
}

// SetReadDeadline bounds the next reads.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// Wake makes a Fill blocked on this connection return at once (with a
// timeout error). Safe from any goroutine.
func (c *Conn) Wake() { c.nc.SetReadDeadline(time.Unix(1, 0)) }

// noteZxid remembers the largest zxid seen, as clients do.
func (c *Conn) noteZxid(z int64) {
	if z > c.lastZxid {
		c.lastZxid = z
	}
}

// Call sends one request whose record appendBody appends (nil for none) and
// waits for its reply, handing any notification read meanwhile to onEvent
// (which may be nil). It is for setup, cleanup and other unmeasured work:
// the session must have nothing else outstanding. The body aliases the read
// buffer.
func (c *Conn) Call(op proto.OpCode, appendBody func([]byte) []byte, timeout time.Duration, onEvent func(*proto.WatcherEvent)) (proto.ReplyHeader, []byte, error) {
	xid := c.NextXid()
	b, start := c.Begin(xid, op)
	if appendBody != nil {
		b = appendBody(b)
	}
	c.End(b, start)
	if err := c.Flush(); err != nil {
		return proto.ReplyHeader{}, nil, err
	}
	if timeout > 0 {
		c.nc.SetReadDeadline(time.Now().Add(timeout))
		defer c.nc.SetReadDeadline(time.Time{})
	}
	for {
		p, err := c.ReadFrame()
		if err != nil {
			return proto.ReplyHeader{}, nil, err
		}
		h, body, err := proto.DecodeReplyHeader(p)
		if err != nil {
			return h, nil, err
		}
		c.noteZxid(h.Zxid)
		switch {
		case h.Xid == proto.XidNotification:
			if onEvent != nil {
				var ev proto.WatcherEvent
				r := proto.NewReader(body)
				ev.Decode(&r)
				onEvent(&ev)
			}
		case h.Xid == xid:
			return h, body, nil
		case h.Xid < 0:
			// ping or other special replies: ignore
		default:
			return h, nil, fmt.Errorf("bench: reply xid %d, expected %d", h.Xid, xid)
		}
	}
}

// Close ends the session (closeSession, waiting up to timeout for the
// reply) and closes the connection.
func (c *Conn) Close(timeout time.Duration) error {
	_, _, err := c.Call(proto.OpCloseSession, nil, timeout, nil)
	c.nc.Close()
	return err
}

// Abort closes the connection without ending the session.
func (c *Conn) Abort() { c.nc.Close() }

// pipelineReq appends request i of Pipeline (header with the given xid,
// then the record) to b.
type pipelineReq func(i int, xid int32, b []byte) []byte

// Pipeline sends n requests keeping up to depth outstanding and hands each
// reply, in order, to done (body aliases the read buffer). It is the bulk
// path of setup and cleanup. The first error from done stops it, and so
// does a server that sends nothing for callTimeout.
func (c *Conn) Pipeline(n, depth int, gen pipelineReq, done func(i int, h proto.ReplyHeader, body []byte) error) error {
	if depth < 1 {
		depth = 1
	}
	xids := make([]int32, depth)
	sent, recv := 0, 0
	defer c.nc.SetReadDeadline(time.Time{})
	for recv < n {
		for sent < n && sent-recv < depth {
			xid := c.NextXid()
			b, start := proto.BeginFrame(c.wbuf)
			c.wbuf = proto.EndFrame(gen(sent, xid, b), start)
			xids[sent%depth] = xid
			sent++
		}
		if err := c.Flush(); err != nil {
			return err
		}
		for recv < sent {
			p, err := c.NextFrame()
			if err != nil {
				return err
			}
			if p == nil {
				if recv < sent && (sent == n || sent-recv >= depth) {
					c.nc.SetReadDeadline(time.Now().Add(callTimeout))
					if err := c.Fill(); err != nil {
						return err
					}
					continue
				}
				break
			}
			h, body, err := proto.DecodeReplyHeader(p)
			if err != nil {
				return err
			}
			c.noteZxid(h.Zxid)
			if h.Xid < 0 {
				continue
			}
			if h.Xid != xids[recv%depth] {
				return fmt.Errorf("bench: reply xid %d, expected %d", h.Xid, xids[recv%depth])
			}
			if err := done(recv, h, body); err != nil {
				return err
			}
			recv++
		}
	}
	return nil
}
