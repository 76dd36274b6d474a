package bench

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/zen-coord/zen/proto"
)

// Run phases, in order. Sessions follow the shared phase: nothing is
// recorded while warming up; everything completed while measuring counts;
// once stopping they send nothing new and drain what is outstanding.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// runState is what the sessions of one run share.
type runState struct {
	cfg   *Config
	t0    time.Time    // the run's clock origin; times are ns since t0
	phase atomic.Int32 // phaseWarmup, phaseMeasure, phaseStop
	drain atomic.Int64 // deadline for outstanding replies once stopping
}

// now is the run clock in ns (monotonic, allocation-free).
func (r *runState) now() int64 { return int64(time.Since(r.t0)) }

// pending is one outstanding request. Replies come back in request order,
// so pendings live in a ring.
type pending struct {
	start int64 // intended send time (ns since t0): latency is measured from it
	xid   int32
	tag   int32 // worker's own (contender index, step ...)
	slot  uint8 // which histogram a success is recorded in
}

// worker generates one session's requests and handles their replies. Its
// methods run on the session goroutine; they must not block and should not
// allocate. Values are passed by value so nothing escapes through the
// interface.
type worker interface {
	// next appends one request (with start as its intended send time) and
	// reports whether it did; false means nothing to send now.
	next(s *session, start int64) bool
	// reply handles the reply to p (already removed from the ring).
	reply(s *session, p pending, h proto.ReplyHeader, body []byte, now int64)
	// event handles a watch notification.
	event(s *session, ev proto.WatcherEvent, now int64)
}

// cleaner is implemented by workers that remove what they made; it runs on
// the session after the drain, unmeasured.
type cleaner interface {
	cleanup(s *session) error
}

// session is one client session and the goroutine driving it.
type session struct {
	id       int
	server   int // index into cfg.Servers
	conn     *Conn
	run      *runState
	w        worker
	inflight int

	ring []pending
	head int
	n    int
	mask int

	rng     *rand.Rand
	scratch []byte // for building paths

	phase     int32
	measuring bool
	liveMask  uint32 // slots the progress line counts (the headline's rate slots)
	done      bool   // the worker has nothing more to do (load, delete)
	hists     []*Hist
	errs      map[proto.Err]int64
	connErr   error

	open     bool  // open loop (-rate)
	interval int64 // ns between this session's sends in open loop
	nextSend int64
	lastSend int64
	deadline int64 // read deadline currently set (0: unknown or expired)
	wakeGen  atomic.Uint64

	// live counters for the progress line (all phases)
	live    atomic.Int64
	liveErr atomic.Int64
	_       [48]byte
}

func newSession(id, server int, c *Conn, run *runState, w worker, slots int, seed uint64) *session {
	size := 1
	for size < run.cfg.Inflight+1 {
		size <<= 1
	}
	s := &session{
		id: id, server: server, conn: c, run: run, w: w, inflight: run.cfg.Inflight,
		ring: make([]pending, size), mask: size - 1,
		rng:     rand.New(rand.NewPCG(seed, uint64(id)*0x9e3779b97f4a7c15+1)),
		scratch: make([]byte, 0, 256),
		errs:    make(map[proto.Err]int64),
		hists:   make([]*Hist, slots),
	}
	for i := range s.hists {
		s.hists[i] = NewHist()
	}
	rateSlots, _ := primarySlots(run.cfg.Workload)
	for _, i := range rateSlots {
		s.liveMask |= 1 << i
	}
	if rate := run.cfg.Rate; rate > 0 {
		s.open = true
		s.interval = int64(float64(run.cfg.Clients) / rate * 1e9)
		if s.interval < 1 {
			s.interval = 1
		}
		// stagger the sessions over one interval
		s.nextSend = s.interval * int64(id) / int64(run.cfg.Clients)
	}
	return s
}

// begin starts a request: it allocates the xid and returns the buffer to
// append the record to. end queues it as outstanding.
func (s *session) begin(op proto.OpCode) (b []byte, start int, xid int32) {
	xid = s.conn.NextXid()
	b, start = s.conn.Begin(xid, op)
	return b, start, xid
}

// end finishes the frame begin started and records it as outstanding.
func (s *session) end(b []byte, start int, xid int32, slot uint8, tag int32, sent int64) {
	s.conn.End(b, start)
	if s.n == len(s.ring) {
		panic("bench: pending ring overflow")
	}
	s.ring[(s.head+s.n)&s.mask] = pending{start: sent, xid: xid, tag: tag, slot: slot}
	s.n++
}

// record counts one success with latency ns in histogram slot.
func (s *session) record(slot uint8, ns int64) {
	if s.liveMask&(1<<slot) != 0 {
		s.live.Add(1)
	}
	if s.measuring {
		s.hists[slot].Record(ns)
	}
}

// ok records the success of p completed at now.
func (s *session) ok(p pending, now int64) { s.record(p.slot, now-p.start) }

// fail counts one error reply.
func (s *session) fail(code proto.Err) {
	s.liveErr.Add(1)
	if s.measuring {
		s.errs[code]++
	}
}

// finish marks the worker done: the session ends once nothing is
// outstanding.
func (s *session) finish() { s.done = true }

// wake makes the session goroutine re-run its loop promptly. Any goroutine
// may call it.
func (s *session) wake() {
	s.wakeGen.Add(1)
	s.conn.Wake()
}

func (s *session) enter(phase int32) {
	s.phase = phase
	switch phase {
	case phaseMeasure:
		for _, h := range s.hists {
			h.Reset()
		}
		clear(s.errs)
		s.measuring = true
	case phaseStop:
		s.measuring = false
	}
}

// fill sends requests while the pipeline has room (closed loop) or while
// the schedule says they are due (open loop).
func (s *session) fill(now int64) {
	if s.open {
		for s.n < s.inflight && s.nextSend <= now {
			if !s.w.next(s, s.nextSend) {
				return
			}
			s.nextSend += s.interval
		}
		return
	}
	for s.n < s.inflight {
		if !s.w.next(s, now) {
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// loop drives the session until the run stops and its replies are in, or
// the worker is done, or the connection fails.
func (s *session) loop() {
	r := s.run
	pingEvery := int64(s.conn.Timeout / 3)
	s.lastSend = r.now()
	for {
		gen := s.wakeGen.Load()
		now := r.now()
		if ph := r.phase.Load(); ph != s.phase {
			s.enter(ph)
		}
		if s.phase == phaseStop {
			if s.n == 0 || now >= r.drain.Load() {
				break
			}
		} else if !s.done {
			s.fill(now)
		}
		if s.done && s.n == 0 && s.conn.Buffered() == 0 {
			break
		}
		if s.conn.Buffered() == 0 && now-s.lastSend >= pingEvery {
			b, start := s.conn.Begin(proto.XidPing, proto.OpPing)
			s.conn.End(b, start)
		}
		if s.conn.Buffered() > 0 {
			if err := s.conn.Flush(); err != nil {
				s.connErr = err
				break
			}
			s.lastSend = now
		}
		dl := s.lastSend + pingEvery
		if s.phase == phaseStop {
			dl = r.drain.Load()
		} else if s.open && !s.done && s.n < s.inflight && s.nextSend < dl {
			dl = s.nextSend
		}
		if s.deadline <= now || s.deadline > dl {
			s.conn.SetReadDeadline(r.t0.Add(time.Duration(dl)))
			s.deadline = dl
		}
		if s.wakeGen.Load() != gen {
			continue
		}
		if err := s.conn.Fill(); err != nil {
			if isTimeout(err) {
				s.deadline = 0
				continue
			}
			s.connErr = err
			break
		}
		if err := s.frames(r.now()); err != nil {
			s.connErr = err
			break
		}
	}
}

// frames handles every complete frame in the read buffer.
func (s *session) frames(now int64) error {
	for {
		p, err := s.conn.NextFrame()
		if err != nil || p == nil {
			return err
		}
		h, body, err := proto.DecodeReplyHeader(p)
		if err != nil {
			return err
		}
		s.conn.noteZxid(h.Zxid)
		switch {
		case h.Xid == proto.XidNotification:
			var ev proto.WatcherEvent
			rd := proto.NewReader(body)
			ev.Decode(&rd)
			s.w.event(s, ev, now)
		case h.Xid < 0:
			// ping replies
		default:
			if s.n == 0 || s.ring[s.head].xid != h.Xid {
				return fmt.Errorf("bench: reply xid %d out of order", h.Xid)
			}
			p := s.ring[s.head]
			s.head = (s.head + 1) & s.mask
			s.n--
			s.w.reply(s, p, h, body, now)
		}
	}
}

// close runs the worker's cleanup (if the connection is healthy) and ends
// the session.
func (s *session) close(cleanupTimeout time.Duration) error {
	var err error
	if s.connErr == nil && s.n > 0 {
		s.connErr = fmt.Errorf("bench: %d replies still outstanding after the drain timeout", s.n)
	}
	if s.connErr == nil {
		s.conn.SetReadDeadline(time.Time{})
		if c, ok := s.w.(cleaner); ok {
			err = c.cleanup(s)
		}
		s.conn.Close(cleanupTimeout)
	} else {
		s.conn.Abort()
	}
	return err
}
