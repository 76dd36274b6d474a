package netpoll

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// Handler is the engine side of a connection. All methods run on the
// connection's event loop.
type Handler interface {
	// Opened is called for a new connection that passed the per-IP limit.
	// Set c.Ctx here.
	Opened(c *Conn)
	// Frame handles one complete frame payload (without its length prefix),
	// valid only during the call. Returning false closes the connection
	// after pending output is flushed.
	Frame(c *Conn, payload []byte) bool
	// Drain is called at the start of every loop callback for c, and after
	// every Wake: the handler moves completed work to c's output.
	Drain(c *Conn)
	// FourLetter answers a four-letter word sent as the first bytes of a
	// connection; the answer is written and the connection closed. For
	// stmk, cmd also carries the 8-byte trace mask that follows it.
	FourLetter(c *Conn, cmd string) []byte
	// Closed is called once when c is gone.
	Closed(c *Conn)
}

// Config of a Server.
type Config struct {
	// Addr is the listen address, host:port (port 0 picks a free port).
	Addr string
	// Loops is the number of event loops (0: DefaultLoops).
	Loops int
	// MaxFrame is the largest accepted frame payload (jute.maxbuffer).
	// A length prefix < 0 or > MaxFrame closes the connection unanswered.
	MaxFrame int
	// MaxConnsPerIP limits concurrent connections per client IP
	// (maxClientCnxns); 0 means unlimited.
	MaxConnsPerIP int
	// MaxOutbound closes a connection whose unsent output exceeds it
	// (bytes; 0 means unlimited).
	MaxOutbound int
	// MaxPausedInput closes a paused connection whose unprocessed input
	// exceeds it (bytes; 0 means unlimited). gnet keeps reading a socket
	// while the handler has paused it, so this bounds what a client that
	// ignores backpressure can make the server hold.
	MaxPausedInput int
	// Logf logs; nil is silent.
	Logf func(format string, args ...any)
}

// DefaultLoops is the number of event loops when Config.Loops is 0: one
// fewer than GOMAXPROCS, and at least one.
//
// An idle loop blocks in epoll_wait while it holds a P (gnet calls it as an
// ordinary syscall). With a loop on every P, an idle server has every P in a
// syscall: the runtime's sysmon then retakes Ps again and again, which keeps
// it polling every 20 µs, and any goroutine the loops wake (the proposer, the
// WAL, the applier) waits for a retake or wakes another thread. Leaving one P
// to the rest of the server cut context switches per get by 2.5x and sysmon
// wakeups by 10x on a 2-CPU machine.
func DefaultLoops() int {
	return max(runtime.GOMAXPROCS(0)-1, 1)
}

// Server runs the event loops.
type Server struct {
	gnet.BuiltinEventEngine
	cfg Config
	h   Handler
	eng gnet.Engine

	booted chan struct{}
	done   chan error

	addr string

	stopOnce sync.Once
	stopErr  error

	ipMu  sync.Mutex
	perIP map[netip.Addr]int
}

// New makes a Server; Start runs it.
func New(cfg Config, h Handler) *Server {
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = 0xfffff
	}
	return &Server{cfg: cfg, h: h, booted: make(chan struct{}), done: make(chan error, 1), perIP: map[netip.Addr]int{}}
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// Start binds the listener and starts the loops; it returns once the server
// accepts connections, or the bind error.
func (s *Server) Start() error {
	opts := []gnet.Option{
		gnet.WithMulticore(true),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLockOSThread(false),
		gnet.WithLogger(quietLogger{s}),
	}
	loops := s.cfg.Loops
	if loops <= 0 {
		loops = DefaultLoops()
	}
	opts = append(opts, gnet.WithNumEventLoop(loops))
	go func() { s.done <- gnet.Run(s, "tcp://"+s.cfg.Addr, opts...) }()
	select {
	case <-s.booted:
		return nil
	case err := <-s.done:
		if err == nil {
			err = errors.New("netpoll: engine stopped during start")
		}
		return err
	}
}

// Addr is the bound address (host:port), valid after Start.
func (s *Server) Addr() string { return s.addr }

// Stop closes every connection and the listener. It waits at most a few
// seconds: a peer that stopped reading cannot hold the shutdown up.
//
// gnet's Engine.Stop signals the shutdown at once but then polls for its end
// every 500 ms; gnet.Run returns as soon as the loops have exited and the
// listener is closed, so Stop waits for that instead. Later calls return
// the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel() // also ends the Engine.Stop goroutine's polling
	stopped := make(chan error, 1)
	go func() { stopped <- s.eng.Stop(ctx) }()
	select {
	case err := <-s.done:
		return err
	case err := <-stopped:
		// Engine.Stop ended first: it could not signal (err set), or it saw
		// the shutdown state before Run returned; wait for Run either way.
		select {
		case <-s.done:
			return err
		case <-ctx.Done():
			if err == nil {
				err = errors.New("netpoll: event loops did not stop within 5s")
			}
			return err
		}
	}
}

// CountConnections is the number of open connections.
func (s *Server) CountConnections() int { return s.eng.CountConnections() }

// OnBoot records the engine and the bound address.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	s.addr = s.cfg.Addr
	if fd, err := eng.Dup(); err == nil {
		if sa, err := unix.Getsockname(fd); err == nil {
			switch a := sa.(type) {
			case *unix.SockaddrInet4:
				s.addr = net.JoinHostPort(netip.AddrFrom4(a.Addr).String(), strconv.Itoa(a.Port))
			case *unix.SockaddrInet6:
				s.addr = net.JoinHostPort(netip.AddrFrom16(a.Addr).String(), strconv.Itoa(a.Port))
			}
		}
		unix.Close(fd)
	}
	close(s.booted)
	return gnet.None
}

// OnOpen admits or refuses a connection.
func (s *Server) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	remote := gc.RemoteAddr().String()
	ap, _ := netip.ParseAddrPort(remote)
	ip := ap.Addr().Unmap()
	if s.cfg.MaxConnsPerIP > 0 {
		s.ipMu.Lock()
		if s.perIP[ip] >= s.cfg.MaxConnsPerIP {
			s.ipMu.Unlock()
			s.logf("netpoll: too many connections from %s (max %d)", ip, s.cfg.MaxConnsPerIP)
			return nil, gnet.Close
		}
		s.perIP[ip]++
		s.ipMu.Unlock()
	}
	c := &Conn{gc: gc, srv: s, ip: ip, remote: remote}
	gc.SetContext(c)
	s.h.Opened(c)
	return nil, gnet.None
}

// OnClose releases a connection.
func (s *Server) OnClose(gc gnet.Conn, _ error) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.None
	}
	c.closed.Store(true)
	if s.cfg.MaxConnsPerIP > 0 {
		s.ipMu.Lock()
		if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
			delete(s.perIP, c.ip)
		}
		s.ipMu.Unlock()
	}
	s.h.Closed(c)
	return gnet.None
}

// OnTraffic drains completed work, decodes frames and flushes output.
func (s *Server) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.Close
	}
	c.wakePending.Store(false)
	s.h.Drain(c)
	keep := true
	if !c.greeted {
		keep = s.greet(c)
	}
	// Until the first four bytes are known not to be a four-letter word
	// (or a word's argument is complete), nothing is a frame yet.
	for keep && c.greeted && !c.paused.Load() && !c.closeReq.Load() {
		n := gc.InboundBuffered()
		if n < 4 {
			break
		}
		hdr, _ := gc.Peek(4)
		length := int32(binary.BigEndian.Uint32(hdr))
		if length < 0 || int(length) > s.cfg.MaxFrame {
			s.logf("netpoll: closing %s: frame length %d outside [0, %d]", c.remote, length, s.cfg.MaxFrame)
			keep = false
			break
		}
		total := 4 + int(length)
		if n < total {
			break
		}
		frame, err := gc.Peek(total)
		if err != nil {
			keep = false
			break
		}
		keep = s.h.Frame(c, frame[4:])
		gc.Discard(total)
		if keep && c.pendingOut() > flushEarly {
			// Big replies: hand them to the socket now rather than after
			// the whole input is processed, and stop a peer that does not
			// read before it costs unbounded memory.
			if !c.flush() {
				keep = false
			}
		}
	}
	if s.cfg.MaxPausedInput > 0 && c.paused.Load() && gc.InboundBuffered() > s.cfg.MaxPausedInput {
		s.logf("netpoll: closing %s: %d bytes of input buffered while paused", c.remote, gc.InboundBuffered())
		keep = false
	}
	// closeReq is read before the flush: whatever was appended before a
	// Close is then flushed here; a Close that lands after this read comes
	// with its own Wake, which flushes and closes in the next callback.
	closing := c.closeReq.Load()
	if !c.flush() || !keep || closing {
		return gnet.Close
	}
	return gnet.None
}

// fourLetterWords are the commands recognised in the first four bytes.
var fourLetterWords = map[string]bool{
	"conf": true, "cons": true, "crst": true, "dirs": true, "dump": true,
	"envi": true, "gtmk": true, "ruok": true, "stmk": true, "srst": true,
	"srvr": true, "stat": true, "wchc": true, "wchp": true, "wchs": true,
	"mntr": true, "isro": true, "hash": true,
}

// telnetClose is the telnet "interrupt process" sequence ZK treats as a 4lw.
const telnetClose = 0xfff4fffd

// greet checks the first four bytes of a connection for a four-letter word.
// It returns false when the connection is to be closed.
func (s *Server) greet(c *Conn) bool {
	gc := c.gc
	if gc.InboundBuffered() < 4 {
		return true
	}
	b, _ := gc.Peek(4)
	if binary.BigEndian.Uint32(b) == telnetClose {
		return false
	}
	cmd := string(b)
	if !fourLetterWords[cmd] {
		c.greeted = true
		return true
	}
	if cmd == "stmk" {
		if gc.InboundBuffered() < 12 {
			return true // wait for the trace mask
		}
		full, _ := gc.Peek(12)
		cmd = string(full) // "stmk" and the 8-byte mask
		gc.Discard(12)
	} else {
		gc.Discard(4)
	}
	c.greeted = true
	out := s.h.FourLetter(c, cmd)
	w := c.BeginWrite()
	c.EndWrite(append(w, out...))
	c.closeReq.Store(true)
	return true
}

type quietLogger struct{ s *Server }

func (l quietLogger) Debugf(string, ...any) {}
func (l quietLogger) Infof(string, ...any)  {}
func (l quietLogger) Warnf(f string, a ...any) {
	l.s.logf("gnet: "+f, a...)
}
func (l quietLogger) Errorf(f string, a ...any) { l.s.logf("gnet: "+f, a...) }
func (l quietLogger) Fatalf(f string, a ...any) { l.s.logf("gnet: "+f, a...) }

// String describes the server for logs.
func (s *Server) String() string { return fmt.Sprintf("netpoll(%s)", s.addr) }
