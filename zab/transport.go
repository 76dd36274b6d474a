package zab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zen-coord/zen/zab/core"
)

// Transport carries core.Messages between the servers of an ensemble over
// TCP. The wire format is described in transport_wire.go; the sending side
// is in transport_send.go, the receiving side in transport_recv.go.
//
// Connections: every server dials every peer and accepts every peer's
// connection, so a pair of servers shares two connections, each carrying one
// direction: the dialed one carries this server's messages to the peer, the
// accepted one the peer's messages to this server. Messages from one sender
// therefore arrive in the order they were sent (a TCP connection neither
// reorders nor duplicates), which the core's learner sessions need: they
// number their messages and break on a gap.
//
// Sending: Send encodes the message on the caller's goroutine and puts the
// frame in the peer's send queue (QueueLen frames); it never blocks. A full
// queue, an unknown peer or a frame over MaxFrame drops the message (counted
// in PeerStats.Dropped). One sender goroutine per peer dials it, with
// backoff (20 ms doubling to 500 ms, ±25% jitter), performs the handshake,
// then writes queued frames, coalescing whatever is queued into one buffered
// write. Frames queued while the peer is unreachable stay queued and are
// written once a connection is up, as far as they fit the queue: nothing
// expires. A broken connection loses the frames of the batch being written
// (PeerStats.Lost; some of them may have arrived) and is redialed. The core
// tolerates this loss: a session with a gap breaks and is reopened.
// SetPeer with a new address retires the current connection the same way;
// every message Sent after SetPeer returns goes to the new address.
//
// Receiving: one reader goroutine per accepted connection decodes frames and
// delivers them on Recv. When Recv is full the reader blocks and TCP pushes
// back on the sender: received messages are never dropped. A new connection
// from a peer replaces the old one; the old one gets replaceGrace to deliver
// what it still holds (a dialer closes its old connection before opening a
// new one) and the new one is read only after the old one's reader exits,
// so a sender's messages stay in order across connections. Whenever an
// accepted connection ends (EOF, error, replaced, rejected frame), the peer's
// id is posted on Down; a connection rejected at the handshake never
// belonged to a peer and posts nothing, and nothing is posted once Stop
// has begun.
//
// Tests: Proxy (transport_proxy.go) sits between two transports and can
// cut or stall the connections through it.
//
// Goroutines: Send, SetPeer, Stats, Addr may be called from any goroutine.
// The transport runs an accept loop, a Down notifier, and per peer a sender
// (plus a reader on the dialed connection that only watches for its end),
// and per accepted connection a reader. Stop ends them all and waits.
//
// Lock order: Transport.mu before peer.mu.
type Transport struct {
	cfg    TransportConfig
	recv   chan Inbound
	down   chan int64
	done   chan struct{} // closed by Stop
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	peers  atomic.Pointer[map[int64]*peerLink] // copy on write, under mu

	mu           sync.Mutex
	ln           net.Listener
	started      bool
	stopped      bool
	inbound      map[int64]*inConn // current accepted connection per peer
	accepted     map[net.Conn]struct{}
	unknownDrops map[int64]uint64 // Send to a server that is not a peer
	downPending  []int64
	downSet      map[int64]bool
	downKick     chan struct{}
}

// TransportConfig configures a Transport.
type TransportConfig struct {
	ID     int64  // this server
	Listen string // own peer address host:port (":0" allowed; Addr tells the bound one)
	// Peers maps every other member to its peer address (dial target).
	// SetPeer adds or changes entries. Only these servers may connect. An
	// empty address makes the peer known (it may connect) without dialing
	// it until SetPeer gives an address.
	Peers map[int64]string
	// QueueLen is the per-peer send queue, in messages. Default 4096.
	QueueLen int
	// MaxFrame is the largest frame accepted (and sent), in bytes after the
	// length field. Snapshots travel in one frame. Default 1 GiB; at most
	// 4 GiB-1.
	MaxFrame int
	// WriteTimeout breaks an outbound connection when a write makes no
	// progress for this long (the peer is gone without a reset, or stopped
	// reading). Default 10 s.
	WriteTimeout time.Duration
	// Logf logs connection events and rejections; nil is silent.
	Logf func(format string, args ...any)
}

// Inbound is a received message. Msg.Snapshot is the snapshot body
// ([]byte) when the sender attached one, else nil.
type Inbound struct {
	Msg core.Message
}

// PeerStats are one peer's counters. Under the id of a server that is not
// a peer, only Dropped is set (messages Sent to it).
type PeerStats struct {
	Addr      string // dial address
	SentMsgs  uint64 // frames written to the peer's connection (flushed)
	SentBytes uint64 // their size on the wire, snapshot bodies included
	RecvMsgs  uint64 // frames received from the peer
	RecvBytes uint64
	Dropped   uint64 // Send calls refused: queue full, frame too large, encoding failed
	Lost      uint64 // frames in a write that failed (some may have arrived)
	Queued    int    // frames waiting in the send queue now
	// Connects counts outbound connections established (handshake done);
	// Reconnects the ones after the first.
	Connects   uint64
	Reconnects uint64
	DialErrors uint64 // dials and handshakes that failed
	Connected  bool   // an outbound connection is up
	Inbound    bool   // an inbound connection from the peer is up
}

// Transport defaults and limits.
const (
	DefaultQueueLen     = 4096
	DefaultMaxFrame     = 1 << 30
	DefaultWriteTimeout = 10 * time.Second

	recvChanLen     = 8192
	downChanLen     = 64
	peerDialTimeout = 3 * time.Second
	helloTimeout    = 5 * time.Second
	replaceGrace    = time.Second
	redialMin       = 20 * time.Millisecond
	redialMax       = 500 * time.Millisecond
	sendBatchMax    = 1024     // frames coalesced into one flush at most
	peerBufSize     = 64 << 10 // bufio size, both directions
	writeChunk      = 1 << 20  // a write deadline covers at most this much
)

// peerKeepAlive is the TCP keepalive of every peer connection: a silent dead
// peer is detected in about 30 s.
var peerKeepAlive = net.KeepAliveConfig{
	Enable:   true,
	Idle:     15 * time.Second,
	Interval: 5 * time.Second,
	Count:    3,
}

// NewTransport returns a transport; Start binds and connects it.
func NewTransport(cfg TransportConfig) *Transport {
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = DefaultQueueLen
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = DefaultMaxFrame
	}
	cfg.MaxFrame = min(cfg.MaxFrame, 1<<32-1)
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{
		cfg:          cfg,
		recv:         make(chan Inbound, recvChanLen),
		down:         make(chan int64, downChanLen),
		done:         make(chan struct{}),
		ctx:          ctx,
		cancel:       cancel,
		inbound:      make(map[int64]*inConn),
		accepted:     make(map[net.Conn]struct{}),
		unknownDrops: make(map[int64]uint64),
		downSet:      make(map[int64]bool),
		downKick:     make(chan struct{}, 1),
	}
	peers := make(map[int64]*peerLink, len(cfg.Peers))
	for id, addr := range cfg.Peers {
		if id != cfg.ID {
			peers[id] = t.newPeer(id, addr)
		}
	}
	t.peers.Store(&peers)
	return t
}

// Start binds the listener and starts accepting and dialing.
func (t *Transport) Start() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started || t.stopped {
		return errors.New("zab: transport already started or stopped")
	}
	lc := net.ListenConfig{KeepAliveConfig: peerKeepAlive}
	ln, err := lc.Listen(t.ctx, "tcp", t.cfg.Listen)
	if err != nil {
		return fmt.Errorf("zab: transport listen: %w", err)
	}
	t.ln = ln
	t.started = true
	t.wg.Add(2)
	go t.acceptLoop(ln)
	go t.downLoop()
	for _, p := range *t.peers.Load() {
		p.startLocked()
	}
	return nil
}

// Addr returns the bound peer address (Listen before Start).
func (t *Transport) Addr() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ln != nil {
		return t.ln.Addr().String()
	}
	return t.cfg.Listen
}

// Recv returns the received messages, in order per sender. It is never
// closed.
func (t *Transport) Recv() <-chan Inbound { return t.recv }

// Down returns the ids of peers whose connection to this server ended.
// Notifications for one peer may be coalesced while the channel is not
// read; a peer's id is never lost. It is never closed.
func (t *Transport) Down() <-chan int64 { return t.down }

// Send encodes m and queues it for the peer m.To. It never blocks: the
// message is dropped (and counted) when that peer's queue is full, when
// m.To is not a peer, or when the frame would exceed MaxFrame. snapshot,
// if not nil, travels with m (a MsgSnap's body) and arrives as
// Msg.Snapshot; it is not copied and must not be modified afterwards.
// Messages queued before Start are sent once connected.
func (t *Transport) Send(m core.Message, snapshot []byte) {
	p := (*t.peers.Load())[m.To]
	if p == nil {
		t.mu.Lock()
		t.unknownDrops[m.To]++
		t.mu.Unlock()
		return
	}
	b, n, err := appendFrame(make([]byte, 0, frameSizeHint(&m)), &m, snapshot)
	if err == nil && n > uint64(t.cfg.MaxFrame) {
		err = errFrameSize
	}
	if err != nil {
		p.dropped.Add(1)
		t.logf("dropping %v to %d: %v (%d bytes)", m.Type, m.To, err, n)
		return
	}
	select {
	case p.q <- outFrame{b: b, snap: snapshot}:
		if p.dropping.Load() {
			p.dropping.Store(false)
		}
	default:
		p.dropped.Add(1)
		if p.dropping.CompareAndSwap(false, true) {
			t.logf("send queue to %d full (%d); dropping", m.To, t.cfg.QueueLen)
		}
	}
}

// SetPeer sets the dial address of peer id, adding the peer if it is new.
// A changed address closes the current outbound connection (frames being
// written are lost) and redials at once.
func (t *Transport) SetPeer(id int64, addr string) {
	if id == t.cfg.ID {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.peers.Load()
	if p := old[id]; p != nil {
		p.setAddr(addr)
		return
	}
	peers := make(map[int64]*peerLink, len(old)+1)
	for k, v := range old {
		peers[k] = v
	}
	p := t.newPeer(id, addr)
	peers[id] = p
	t.peers.Store(&peers)
	if t.started && !t.stopped {
		p.startLocked()
	}
}

// Stats returns every peer's counters, and the drops of messages sent to
// unknown servers.
func (t *Transport) Stats() map[int64]PeerStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := make(map[int64]PeerStats, len(*t.peers.Load())+len(t.unknownDrops))
	for id, n := range t.unknownDrops {
		st[id] = PeerStats{Dropped: n}
	}
	for id, p := range *t.peers.Load() {
		p.mu.Lock()
		addr := p.addr
		p.mu.Unlock()
		c := p.connects.Load()
		st[id] = PeerStats{
			Addr:       addr,
			SentMsgs:   p.sentMsgs.Load(),
			SentBytes:  p.sentBytes.Load(),
			RecvMsgs:   p.recvMsgs.Load(),
			RecvBytes:  p.recvBytes.Load(),
			Dropped:    p.dropped.Load(),
			Lost:       p.lost.Load(),
			Queued:     len(p.q),
			Connects:   c,
			Reconnects: max(c, 1) - 1,
			DialErrors: p.dialErrs.Load(),
			Connected:  p.connected.Load(),
			Inbound:    t.inbound[id] != nil,
		}
	}
	return st
}

// Stop closes the listener and every connection and waits for the
// transport's goroutines. Queued frames are discarded. Idempotent.
func (t *Transport) Stop() {
	t.mu.Lock()
	if !t.stopped {
		t.stopped = true
		close(t.done)
		t.cancel()
		if t.ln != nil {
			t.ln.Close()
		}
		for c := range t.accepted {
			c.Close()
		}
		for _, p := range *t.peers.Load() {
			p.mu.Lock()
			if p.conn != nil {
				p.conn.Close()
			}
			p.mu.Unlock()
		}
	}
	t.mu.Unlock()
	t.wg.Wait()
}

func (t *Transport) logf(format string, args ...any) {
	if t.cfg.Logf != nil {
		t.cfg.Logf("zab transport %d: "+format, append([]any{t.cfg.ID}, args...)...)
	}
}

func (t *Transport) isStopped() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}
