package zab

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Proxy is a TCP forwarder to one target that can be cut, for partition
// tests: point a Transport at it with SetPeer(id, proxy.Addr()). It listens
// on 127.0.0.1 and forwards every accepted connection to the target over
// a connection of its own, in both directions.
//
// Cut closes every forwarded connection (both sides, so both ends see the
// connection end) and makes the proxy close each new connection as soon as
// it is accepted, without dialing the target: a partition both ends notice.
// Stall keeps the connections open but stops forwarding (each direction
// holds at most one read buffer and stops reading, so TCP pushes back on
// the writer): a silent partition, which only timeouts detect. Heal ends
// either. Close stops the proxy and waits for its goroutines.
type Proxy struct {
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu      sync.Mutex
	flowing *sync.Cond // broadcast when cut, stalled or closed change
	cut     bool
	stalled bool
	closed  bool
	conns   map[net.Conn]struct{} // both sides of every forwarded pair
}

// NewProxy starts a proxy to target on a free loopback port.
func NewProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, ln: ln, conns: make(map[net.Conn]struct{})}
	p.flowing = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the proxy's address.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut drops every connection and refuses new ones until Heal.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cut = true
	p.closeAllLocked()
	p.flowing.Broadcast()
	p.mu.Unlock()
}

// Stall stops forwarding bytes, keeping every connection open, until Heal.
// New connections are accepted (and the target dialed) but stall too.
func (p *Proxy) Stall() {
	p.mu.Lock()
	p.stalled = true
	p.mu.Unlock()
}

// Heal ends a Cut or a Stall: connections go through again.
func (p *Proxy) Heal() {
	p.mu.Lock()
	p.cut = false
	p.stalled = false
	p.flowing.Broadcast()
	p.mu.Unlock()
}

// Close stops the proxy, drops its connections and waits for its
// goroutines.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.closeAllLocked()
	p.flowing.Broadcast()
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *Proxy) closeAllLocked() {
	for c := range p.conns {
		c.Close()
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(5 * time.Millisecond) // transient accept error
			continue
		}
		p.mu.Lock()
		refuse := p.cut || p.closed
		if !refuse {
			p.conns[c] = struct{}{}
			p.wg.Add(1)
		}
		p.mu.Unlock()
		if refuse {
			c.Close()
			continue
		}
		go p.forward(c)
	}
}

// forward dials the target for the accepted c and copies both ways until
// either side ends; then it closes both.
func (p *Proxy) forward(c net.Conn) {
	defer p.wg.Done()
	defer p.forget(c)
	d := net.Dialer{Timeout: 3 * time.Second}
	u, err := d.Dial("tcp", p.target)
	if err != nil {
		return
	}
	p.mu.Lock()
	if p.cut || p.closed {
		p.mu.Unlock()
		u.Close()
		return
	}
	p.conns[u] = struct{}{}
	p.mu.Unlock()
	defer p.forget(u)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.pipe(u, c)
	}()
	p.pipe(c, u)
	wg.Wait()
}

// pipe copies src to dst while not stalled, until either fails; then it
// closes both, so that either side ending ends the pair.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitFlowing() {
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// waitFlowing waits while the proxy is stalled; false once cut or closed.
func (p *Proxy) waitFlowing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.stalled && !p.cut && !p.closed {
		p.flowing.Wait()
	}
	return !p.cut && !p.closed
}

func (p *Proxy) forget(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}
