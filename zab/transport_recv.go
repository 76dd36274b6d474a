package zab

import (
	"bufio"
	"errors"
	"io"
	"net"
	"time"
)

// The receiving side: accepting peers' connections, reading their frames,
// posting Down.

// signalDown queues id for Down, once until it is delivered.
func (t *Transport) signalDown(id int64) {
	t.mu.Lock()
	if !t.downSet[id] {
		t.downSet[id] = true
		t.downPending = append(t.downPending, id)
	}
	t.mu.Unlock()
	select {
	case t.downKick <- struct{}{}:
	default:
	}
}

// downLoop moves pending ids to Down, blocking on it so no peer is lost.
func (t *Transport) downLoop() {
	defer t.wg.Done()
	for {
		select {
		case <-t.downKick:
		case <-t.done:
			return
		}
		for {
			t.mu.Lock()
			if len(t.downPending) == 0 {
				t.mu.Unlock()
				break
			}
			id := t.downPending[0]
			t.downPending = t.downPending[1:]
			delete(t.downSet, id)
			t.mu.Unlock()
			select {
			case t.down <- id:
			case <-t.done:
				return
			}
		}
	}
}

// inConn is an accepted, handshaken connection from a peer.
type inConn struct {
	c    net.Conn
	done chan struct{} // closed when its reader has exited
}

func (t *Transport) acceptLoop(ln net.Listener) {
	defer t.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || t.isStopped() {
				return
			}
			t.logf("accept: %v", err)
			select {
			case <-time.After(10 * time.Millisecond):
			case <-t.done:
				return
			}
			continue
		}
		t.mu.Lock()
		if t.stopped {
			t.mu.Unlock()
			c.Close()
			return
		}
		t.accepted[c] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go t.serveInbound(c)
	}
}

// serveInbound handshakes an accepted connection and reads its frames.
func (t *Transport) serveInbound(c net.Conn) {
	defer t.wg.Done()
	defer func() {
		c.Close()
		t.mu.Lock()
		delete(t.accepted, c)
		t.mu.Unlock()
	}()
	setNoDelay(c)
	remote := c.RemoteAddr()
	br := bufio.NewReaderSize(c, peerBufSize)

	c.SetDeadline(time.Now().Add(helloTimeout))
	var h [helloLen]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		if !t.isStopped() {
			t.logf("rejecting %s: reading hello: %v", remote, err)
		}
		return
	}
	from, to, err := parseHello(h[:])
	if err != nil {
		t.logf("rejecting %s: %v", remote, err)
		return
	}
	if to != t.cfg.ID {
		t.logf("rejecting %s (server %d): it dialed server %d, this is %d", remote, from, to, t.cfg.ID)
		return
	}
	p := (*t.peers.Load())[from]
	if p == nil {
		t.logf("rejecting %s: unknown server %d", remote, from)
		return
	}
	if _, err := c.Write(appendHello(h[:0], t.cfg.ID, from)); err != nil {
		t.logf("handshake with %d at %s: %v", from, remote, err)
		return
	}
	c.SetDeadline(time.Time{})

	ic := &inConn{c: c, done: make(chan struct{})}
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	prev := t.inbound[from]
	t.inbound[from] = ic
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		if t.inbound[from] == ic {
			delete(t.inbound, from)
		}
		t.mu.Unlock()
		// Down is queued before a replacement connection delivers anything.
		if !t.isStopped() {
			t.signalDown(from)
		}
		close(ic.done)
	}()
	if prev != nil {
		// The dialer closed prev before dialing this one: let prev's reader
		// deliver what prev still holds, then take over.
		prev.c.SetReadDeadline(time.Now().Add(replaceGrace))
		select {
		case <-prev.done:
		case <-t.done:
			return
		}
	}

	fr := frameReader{r: br, maxFrame: t.cfg.MaxFrame}
	for {
		m, wire, err := fr.next()
		if err != nil {
			if !t.isStopped() {
				if err == io.EOF {
					t.logf("connection from %d at %s closed", from, remote)
				} else {
					t.logf("connection from %d at %s: %v", from, remote, err)
				}
			}
			return
		}
		if m.From != from || m.To != t.cfg.ID {
			t.logf("connection from %d at %s: %v from %d to %d; closing", from, remote, m.Type, m.From, m.To)
			return
		}
		p.recvMsgs.Add(1)
		p.recvBytes.Add(uint64(wire))
		select {
		case t.recv <- Inbound{Msg: m}:
		case <-t.done:
			return
		}
	}
}
