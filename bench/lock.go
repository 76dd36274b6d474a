package bench

import (
	"bytes"
	"strconv"
	"sync/atomic"

	"github.com/zen-coord/zen/proto"
)

// The lock workload runs ZooKeeper's lock recipe (the one in the ZooKeeper
// docs and Curator's InterProcessMutex), clients × inflight contenders, each
// session carrying inflight of them:
//
//  1. create <dir>/lock- EPHEMERAL_SEQUENTIAL;
//  2. getChildren <dir>; if our node has the lowest sequence number we hold
//     the lock;
//  3. else exists(<predecessor>, watch): the node just below ours. NoNode
//     → back to 2; otherwise wait for its NodeDeleted, then back to 2
//     (watching only the predecessor avoids the herd effect);
//  4. hold: optionally read the counter znode and write it back +1 with the
//     version read (so a second holder would hit BadVersion);
//  5. release: delete our node; start again at 1.
//
// A handoff is one acquisition; its latency is the time from the previous
// holder's release (the delete being sent) to the new holder knowing it
// holds the lock. Every acquisition also checks, in process, that nobody
// else holds the lock at that moment.

// Slots of the lock workload (see slotNames).
const (
	slotHandoff = 0
	slotAcquire = 1
)

// lockShared is what all contenders of a run share.
type lockShared struct {
	dir       []byte // <root>/lock/r<run>
	nodePath  []byte // <dir>/lock-
	counter   []byte // <root>/lock/r<run>-counter
	counterOn bool
	brokenFor bool // tests only: ignore the predecessor (a broken recipe the checks must catch)

	holders     atomic.Int32
	violations  atomic.Int64 // a second holder seen in process, or a BadVersion on the counter
	acquired    atomic.Int64 // acquisitions, all phases
	increments  atomic.Int64 // successful counter increments, all phases
	lastRelease atomic.Int64 // run clock of the last release (0: none yet)
}

// Contender states. "ready" states wait in the session's ready queue for
// next to send their request; the others wait for a reply or an event.
const (
	lkCreate  uint8 = iota // ready: send the create
	lkList                 // ready: send getChildren
	lkWatch                // ready: send exists(predecessor, watch)
	lkRead                 // ready: read the counter
	lkWrite                // ready: write the counter
	lkRelease              // ready: delete our node
	lkWaiting              // a request is outstanding
	lkParked               // waiting for the predecessor's NodeDeleted
)

type contender struct {
	state   uint8
	name    []byte // our node's name (last path component)
	seq     int64  // its sequence number
	pred    []byte // the predecessor's name while watching it
	attempt int64  // when the current attempt began (run clock)
	value   int64  // counter value read under the lock
	version int32  // its version
}

// lockWorker carries one session's contenders.
type lockWorker struct {
	sh       *lockShared
	cs       []contender
	ready    []int32 // ready contenders, FIFO
	children [][]byte
}

func newLockWorker(sh *lockShared, contenders int) *lockWorker {
	w := &lockWorker{sh: sh, cs: make([]contender, contenders), ready: make([]int32, 0, contenders)}
	for i := range w.cs {
		w.cs[i].name = make([]byte, 0, 32)
		w.cs[i].pred = make([]byte, 0, 32)
		w.ready = append(w.ready, int32(i))
	}
	return w
}

func (w *lockWorker) push(i int, state uint8) {
	w.cs[i].state = state
	w.ready = append(w.ready, int32(i))
}

func (w *lockWorker) next(s *session, now int64) bool {
	if len(w.ready) == 0 {
		return false
	}
	i := w.ready[0]
	copy(w.ready, w.ready[1:])
	w.ready = w.ready[:len(w.ready)-1]
	c := &w.cs[i]
	var b []byte
	var fs int
	var xid int32
	switch c.state {
	case lkCreate:
		c.attempt = now
		b, fs, xid = s.begin(proto.OpCreate)
		b = appendCreate(b, w.sh.nodePath, nil, proto.FlagEphemeralSequential)
	case lkList:
		b, fs, xid = s.begin(proto.OpGetChildren)
		b = proto.AppendBytes(b, w.sh.dir)
		b = proto.AppendBool(b, false)
	case lkWatch:
		b, fs, xid = s.begin(proto.OpExists)
		b = w.appendChild(b, c.pred)
		b = proto.AppendBool(b, true)
	case lkRead:
		b, fs, xid = s.begin(proto.OpGetData)
		b = proto.AppendBytes(b, w.sh.counter)
		b = proto.AppendBool(b, false)
	case lkWrite:
		b, fs, xid = s.begin(proto.OpSetData)
		b = proto.AppendBytes(b, w.sh.counter)
		s.scratch = strconv.AppendInt(s.scratch[:0], c.value+1, 10)
		b = proto.AppendBuffer(b, s.scratch, false)
		b = proto.AppendInt(b, c.version)
	case lkRelease:
		if w.sh.holders.Add(-1) != 0 {
			w.sh.violations.Add(1)
		}
		w.sh.lastRelease.Store(now)
		b, fs, xid = s.begin(proto.OpDelete)
		b = w.appendChild(b, c.name)
		b = proto.AppendInt(b, -1)
	default:
		panic("bench: lock contender queued in state " + strconv.Itoa(int(c.state)))
	}
	s.end(b, fs, xid, c.state, i, now)
	c.state = lkWaiting
	return true
}

// appendChild appends the ustring <dir>/<name>.
func (w *lockWorker) appendChild(b []byte, name []byte) []byte {
	b = proto.AppendInt(b, int32(len(w.sh.dir)+1+len(name)))
	b = append(b, w.sh.dir...)
	b = append(b, '/')
	return append(b, name...)
}

// seqOf parses the 10-digit sequence suffix of a sequential node name (-1
// when there is none).
func seqOf(name []byte) int64 {
	if len(name) < 10 {
		return -1
	}
	var n int64
	for _, c := range name[len(name)-10:] {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// predecessor returns the child with the largest sequence number below
// seq, or nil when seq is the lowest.
func predecessor(children [][]byte, seq int64) []byte {
	var best []byte
	bestSeq := int64(-1)
	for _, ch := range children {
		if !bytes.HasPrefix(ch, []byte("lock-")) {
			continue
		}
		n := seqOf(ch)
		if n >= 0 && n < seq && n > bestSeq {
			best, bestSeq = ch, n
		}
	}
	return best
}

func (w *lockWorker) reply(s *session, p pending, h proto.ReplyHeader, body []byte, now int64) {
	i := int(p.tag)
	c := &w.cs[i]
	switch p.slot { // the state the request was sent in
	case lkCreate:
		if h.Err != proto.ErrOk {
			s.fail(h.Err)
			w.push(i, lkCreate)
			return
		}
		r := proto.NewReader(body)
		path := r.Bytes()
		name := path[bytes.LastIndexByte(path, '/')+1:]
		c.name = append(c.name[:0], name...)
		c.seq = seqOf(name)
		w.push(i, lkList)
	case lkList:
		if h.Err != proto.ErrOk {
			s.fail(h.Err)
			w.push(i, lkList)
			return
		}
		r := proto.NewReader(body)
		w.children = r.BytesVector(w.children)
		if r.Err() != nil {
			s.fail(proto.ErrMarshallingError)
			w.push(i, lkList)
			return
		}
		pred := predecessor(w.children, c.seq)
		if pred != nil && !w.sh.brokenFor {
			c.pred = append(c.pred[:0], pred...)
			w.push(i, lkWatch)
			return
		}
		w.acquire(s, i, now)
	case lkWatch:
		switch h.Err {
		case proto.ErrOk:
			c.state = lkParked
		case proto.ErrNoNode:
			w.push(i, lkList)
		default:
			s.fail(h.Err)
			w.push(i, lkList)
		}
	case lkRead:
		if h.Err != proto.ErrOk {
			s.fail(h.Err)
			w.push(i, lkRelease)
			return
		}
		var resp proto.GetDataResponse
		r := proto.NewReader(body)
		resp.Decode(&r)
		v, err := strconv.ParseInt(string(resp.Data), 10, 64)
		if r.Err() != nil || err != nil {
			s.fail(proto.ErrMarshallingError)
			w.push(i, lkRelease)
			return
		}
		c.value, c.version = v, resp.Stat.Version
		w.push(i, lkWrite)
	case lkWrite:
		switch h.Err {
		case proto.ErrOk:
			w.sh.increments.Add(1)
		case proto.ErrBadVersion:
			w.sh.violations.Add(1)
			s.fail(h.Err)
		default:
			s.fail(h.Err)
		}
		w.push(i, lkRelease)
	case lkRelease:
		if h.Err != proto.ErrOk {
			s.fail(h.Err)
		}
		w.push(i, lkCreate)
	}
}

// acquire: contender i holds the lock.
func (w *lockWorker) acquire(s *session, i int, now int64) {
	c := &w.cs[i]
	if w.sh.holders.Add(1) != 1 {
		w.sh.violations.Add(1)
	}
	w.sh.acquired.Add(1)
	s.record(slotAcquire, now-c.attempt)
	if last := w.sh.lastRelease.Load(); last > 0 {
		s.record(slotHandoff, now-last)
	}
	if w.sh.counterOn {
		w.push(i, lkRead)
	} else {
		w.push(i, lkRelease)
	}
}

// event wakes the contender parked on the deleted predecessor.
func (w *lockWorker) event(s *session, ev proto.WatcherEvent, now int64) {
	p := ev.Path
	if len(p) <= len(w.sh.dir)+1 || !bytes.HasPrefix(p, w.sh.dir) || p[len(w.sh.dir)] != '/' {
		return
	}
	name := p[len(w.sh.dir)+1:]
	for i := range w.cs {
		c := &w.cs[i]
		if c.state == lkParked && bytes.Equal(c.pred, name) {
			w.push(i, lkList)
		}
	}
}
