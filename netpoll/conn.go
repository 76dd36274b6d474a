package netpoll

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"
)

// Conn is one client connection.
type Conn struct {
	gc     gnet.Conn
	srv    *Server
	ip     netip.Addr
	remote string

	// Ctx is the handler's per-connection state. Set it in Handler.Opened;
	// it is read-only afterwards.
	Ctx any

	mu  sync.Mutex
	out []byte // pending output; guarded by mu

	spare []byte // loop-only: the buffer being written

	wakePending atomic.Bool
	paused      atomic.Bool
	closeReq    atomic.Bool
	closed      atomic.Bool

	greeted bool // loop-only: the first bytes have been checked for a 4lw
}

// RemoteAddr is the peer's "ip:port".
func (c *Conn) RemoteAddr() string { return c.remote }

// IP is the peer's address.
func (c *Conn) IP() netip.Addr { return c.ip }

// BeginWrite locks the output buffer and returns it. Append to it and hand
// the result to EndWrite. Callable from any goroutine; do not block between
// the two calls.
func (c *Conn) BeginWrite() []byte {
	c.mu.Lock()
	return c.out
}

// EndWrite stores the appended buffer and unlocks it. The bytes are written
// at the end of the loop's current callback, or after the next Wake.
func (c *Conn) EndWrite(b []byte) {
	c.out = b
	c.mu.Unlock()
}

// Wake makes the loop call Handler.Drain and flush output soon. Any
// goroutine; coalesced.
func (c *Conn) Wake() {
	if c.closed.Load() {
		return
	}
	if c.wakePending.CompareAndSwap(false, true) {
		if err := c.gc.Wake(nil); err != nil {
			c.wakePending.Store(false)
		}
	}
}

// Pause stops Frame calls for this connection; its input stays buffered.
func (c *Conn) Pause() { c.paused.Store(true) }

// Paused reports whether the connection is paused.
func (c *Conn) Paused() bool { return c.paused.Load() }

// Resume re-enables Frame calls and processes buffered input. Any goroutine.
func (c *Conn) Resume() {
	if c.paused.CompareAndSwap(true, false) {
		c.Wake()
	}
}

// Close flushes everything appended so far and closes the connection. Any
// goroutine; idempotent.
func (c *Conn) Close() {
	if c.closeReq.CompareAndSwap(false, true) {
		c.Wake()
	}
}

// Closed reports whether the connection has been closed.
func (c *Conn) Closed() bool { return c.closed.Load() }

// flush writes pending output. Loop only. It reports false if the
// connection must be closed (write error or slow consumer).
func (c *Conn) flush() bool {
	c.mu.Lock()
	if len(c.out) == 0 {
		c.mu.Unlock()
		return true
	}
	buf := c.out
	c.out = c.spare[:0]
	c.mu.Unlock()
	if _, err := c.gc.Write(buf); err != nil {
		return false
	}
	// gnet copied whatever it could not send into its own buffer, so buf is
	// free again. Keep it unless a rare huge reply inflated it.
	if cap(buf) <= maxKeptBuffer {
		c.spare = buf[:0]
	} else {
		c.spare = nil
	}
	if c.srv.cfg.MaxOutbound > 0 && c.gc.OutboundBuffered() > c.srv.cfg.MaxOutbound {
		c.srv.logf("netpoll: closing %s: %d bytes unsent (slow consumer)", c.remote, c.gc.OutboundBuffered())
		return false
	}
	return true
}

// pendingOut is the output appended but not yet handed to gnet.
func (c *Conn) pendingOut() int {
	c.mu.Lock()
	n := len(c.out)
	c.mu.Unlock()
	return n
}

// flushEarly is the pending output (bytes) at which the loop flushes in the
// middle of a burst of frames.
const flushEarly = 256 << 10

// maxKeptBuffer bounds the output buffer a connection keeps between flushes.
const maxKeptBuffer = 256 << 10
