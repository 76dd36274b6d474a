package zab

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The sending side: one sender goroutine per peer.

// outFrame is a queued frame: the encoded header and message, then the
// snapshot body if any.
type outFrame struct {
	b    []byte
	snap []byte
}

// peerLink is the sending side towards one peer, and its counters.
type peerLink struct {
	t    *Transport
	id   int64
	q    chan outFrame
	wake chan struct{} // cuts a backoff pause short (address changed)

	mu      sync.Mutex
	addr    string
	conn    net.Conn // outbound connection being handshaken or in use
	running bool     // sender goroutine started

	// gen counts address changes. A sender that sees it change stops
	// writing to its connection: a message Sent after SetPeer returned
	// never goes to the old address.
	gen atomic.Uint64
	// carry (sender goroutine only) is a frame taken from the queue for a
	// connection retired by an address change, to go first on the next.
	carry   outFrame
	carried bool

	connected atomic.Bool
	dropping  atomic.Bool // a drop was logged since the last enqueue
	sentMsgs  atomic.Uint64
	sentBytes atomic.Uint64
	recvMsgs  atomic.Uint64
	recvBytes atomic.Uint64
	dropped   atomic.Uint64
	lost      atomic.Uint64
	connects  atomic.Uint64
	dialErrs  atomic.Uint64
}

func (t *Transport) newPeer(id int64, addr string) *peerLink {
	return &peerLink{
		t:    t,
		id:   id,
		addr: addr,
		q:    make(chan outFrame, t.cfg.QueueLen),
		wake: make(chan struct{}, 1),
	}
}

// startLocked starts the sender. REQUIRES: t.mu held, started, not stopped.
func (p *peerLink) startLocked() {
	if p.running {
		return
	}
	p.running = true
	p.t.wg.Add(1)
	go p.run()
}

func (p *peerLink) setAddr(addr string) {
	p.mu.Lock()
	if p.addr == addr {
		p.mu.Unlock()
		return
	}
	p.addr = addr
	p.gen.Add(1)
	c := p.conn
	p.conn = nil
	p.mu.Unlock()
	p.t.logf("peer %d now at %s", p.id, addr)
	if c != nil {
		c.Close()
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run is the sender goroutine: dial, handshake, write; redial on error.
func (p *peerLink) run() {
	t := p.t
	defer t.wg.Done()
	delay := redialMin
	lastErr := ""
	for {
		c, gen, err := p.connect()
		if err != nil {
			if t.isStopped() {
				return
			}
			if err == errAddrChanged {
				continue // dial the new address now
			}
			p.dialErrs.Add(1)
			if s := err.Error(); s != lastErr { // log changes only
				lastErr = s
				t.logf("peer %d: %v", p.id, err)
			}
			if !p.pause(delay) {
				return
			}
			delay = min(2*delay, redialMax)
			continue
		}
		lastErr = ""
		delay = redialMin
		p.connects.Add(1)
		t.logf("connected to peer %d at %s", p.id, c.RemoteAddr())
		err = p.serve(c, gen)
		if t.isStopped() {
			return
		}
		if err == errAddrChanged {
			continue
		}
		t.logf("connection to peer %d broke: %v", p.id, err)
		if !p.pause(redialMin) {
			return
		}
	}
}

// pause waits about d (±25%), less if woken; false when stopping.
func (p *peerLink) pause(d time.Duration) bool {
	d += time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-p.wake:
	case <-p.t.done:
		return false
	}
	return true
}

// connect dials the peer and performs the handshake. The connection is
// registered in p.conn from the dial on, so that Stop and SetPeer can
// close it. It returns the address generation it dialed.
func (p *peerLink) connect() (net.Conn, uint64, error) {
	t := p.t
	p.mu.Lock()
	addr, gen := p.addr, p.gen.Load()
	p.mu.Unlock()
	if addr == "" {
		return nil, 0, errors.New("no address")
	}
	d := net.Dialer{Timeout: peerDialTimeout, KeepAliveConfig: peerKeepAlive}
	c, err := d.DialContext(t.ctx, "tcp", addr)
	if err != nil {
		return nil, 0, err
	}
	p.mu.Lock()
	switch {
	case t.isStopped():
		err = net.ErrClosed
	case p.gen.Load() != gen:
		err = errAddrChanged
	default:
		p.conn = c
	}
	p.mu.Unlock()
	if err != nil {
		c.Close()
		return nil, 0, err
	}
	if err := p.handshake(c); err != nil {
		p.dropConn(c)
		if p.gen.Load() != gen {
			return nil, 0, errAddrChanged
		}
		return nil, 0, fmt.Errorf("handshake with %s: %w", addr, err)
	}
	return c, gen, nil
}

func (p *peerLink) handshake(c net.Conn) error {
	setNoDelay(c)
	c.SetDeadline(time.Now().Add(helloTimeout))
	var h [helloLen]byte
	if _, err := c.Write(appendHello(h[:0], p.t.cfg.ID, p.id)); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, h[:]); err != nil {
		if err == io.EOF {
			err = errors.New("rejected (closed)")
		}
		return err
	}
	from, to, err := parseHello(h[:])
	if err != nil {
		return err
	}
	if from != p.id || to != p.t.cfg.ID {
		return fmt.Errorf("%w: answered by server %d for server %d", errBadHello, from, to)
	}
	return c.SetDeadline(time.Time{})
}

// dropConn closes c and forgets it.
func (p *peerLink) dropConn(c net.Conn) {
	p.mu.Lock()
	if p.conn == c {
		p.conn = nil
	}
	p.mu.Unlock()
	c.Close()
}

// serve writes queued frames to c, dialed at address generation gen, until
// c breaks, the address changes or the transport stops.
func (p *peerLink) serve(c net.Conn, gen uint64) error {
	t := p.t
	// The acceptor never writes after the handshake: a read returns only
	// when the connection ends, which tells an idle sender to redial.
	dead := make(chan struct{})
	var deadErr error
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer close(dead)
		var b [1]byte
		if _, err := c.Read(b[:]); err != nil {
			deadErr = err
		} else {
			deadErr = errors.New("unexpected data from the acceptor")
		}
	}()
	p.connected.Store(true)
	defer func() {
		p.connected.Store(false)
		p.dropConn(c)
		<-dead
	}()

	bw := bufio.NewWriterSize(&deadlineWriter{c: c, d: t.cfg.WriteTimeout}, peerBufSize)
	for {
		var f outFrame
		if p.carried {
			f, p.carried = p.carry, false
			p.carry = outFrame{}
		} else {
			select {
			case f = <-p.q:
			case <-dead:
				if p.gen.Load() != gen {
					return errAddrChanged
				}
				return deadErr
			case <-t.done:
				return nil
			}
		}
		n, bytes := uint64(0), uint64(0)
		for {
			if p.gen.Load() != gen {
				// SetPeer closed c: f goes to the new address.
				p.carry, p.carried = f, true
				p.lost.Add(n)
				return errAddrChanged
			}
			if err := f.writeTo(bw); err != nil {
				p.lost.Add(n + 1)
				return err
			}
			n++
			bytes += uint64(len(f.b) + len(f.snap))
			if n == sendBatchMax {
				break
			}
			select {
			case f = <-p.q:
				continue
			default:
			}
			break
		}
		if err := bw.Flush(); err != nil {
			p.lost.Add(n)
			return err
		}
		p.sentMsgs.Add(n)
		p.sentBytes.Add(bytes)
	}
}

func (f *outFrame) writeTo(w *bufio.Writer) error {
	if _, err := w.Write(f.b); err != nil {
		return err
	}
	if len(f.snap) > 0 {
		_, err := w.Write(f.snap)
		return err
	}
	return nil
}

// deadlineWriter gives every write to c, in pieces of at most writeChunk,
// a deadline d from its start: a write that makes no progress for d fails.
type deadlineWriter struct {
	c net.Conn
	d time.Duration
}

func (w *deadlineWriter) Write(b []byte) (n int, err error) {
	for len(b) > 0 {
		chunk := b[:min(len(b), writeChunk)]
		if err = w.c.SetWriteDeadline(time.Now().Add(w.d)); err != nil {
			return n, err
		}
		k, err := w.c.Write(chunk)
		n += k
		if err != nil {
			return n, err
		}
		b = b[k:]
	}
	return n, nil
}

func setNoDelay(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
}
