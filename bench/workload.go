package bench

import (
	"strconv"

	"github.com/zen-coord/zen/proto"
)

// shared is the read-only data every worker of a run may use.
type shared struct {
	cfg    *Config
	l      layout
	keys   [][]byte // preformatted key paths (keyed workloads)
	groups [][]byte // preformatted group paths (children)
	value  []byte   // the data written by set/create/load
}

// slot names per workload: the histograms a session keeps, in slot order.
func slotNames(w Workload) []string {
	switch w.Kind {
	case KindGet:
		return []string{"get"}
	case KindSet:
		return []string{"set"}
	case KindExists:
		return []string{"exists"}
	case KindChildren:
		return []string{"children"}
	case KindCreate, KindLoad:
		return []string{"create"}
	case KindDelete:
		return []string{"delete"}
	case KindCreateDelete:
		return []string{"create", "delete"}
	case KindMixed:
		return []string{"get", "set"}
	case KindMulti:
		return []string{"multi"}
	case KindLock:
		return []string{"handoff", "acquire"}
	case KindWatchFanout:
		return []string{"notify", "write"}
	case KindSessions:
		return []string{"session", "connect", "close"}
	}
	return nil
}

// primarySlots are the slots whose sum is the headline of a workload: its
// throughput (count per second) and its latency.
func primarySlots(w Workload) (rate []int, latency []int) {
	switch w.Kind {
	case KindMixed, KindCreateDelete:
		return []int{0, 1}, []int{0, 1}
	case KindLock:
		// throughput: acquisitions (= handoffs); latency: release → next holder
		return []int{1}, []int{0}
	}
	return []int{0}, []int{0}
}

// primaryName names the headline series.
func primaryName(w Workload) string {
	switch w.Kind {
	case KindMixed, KindCreateDelete:
		return "all"
	}
	return slotNames(w)[0]
}

// Slots of the keyed workloads.
const (
	slotGet = 0
	slotSet = 1 // mixed only; plain set uses slot 0
)

// kvWorker drives get, set, exists, children and mixed:R over the key space.
type kvWorker struct {
	sh      *shared
	kind    Kind
	readPct int
}

func (w *kvWorker) next(s *session, start int64) bool {
	switch w.kind {
	case KindGet:
		w.read(s, proto.OpGetData, w.sh.keys[s.rng.IntN(len(w.sh.keys))], 0, start)
	case KindExists:
		w.read(s, proto.OpExists, w.sh.keys[s.rng.IntN(len(w.sh.keys))], 0, start)
	case KindChildren:
		w.read(s, proto.OpGetChildren, w.sh.groups[s.rng.IntN(len(w.sh.groups))], 0, start)
	case KindSet:
		w.set(s, w.sh.keys[s.rng.IntN(len(w.sh.keys))], 0, start)
	case KindMixed:
		k := w.sh.keys[s.rng.IntN(len(w.sh.keys))]
		if s.rng.IntN(100) < w.readPct {
			w.read(s, proto.OpGetData, k, slotGet, start)
		} else {
			w.set(s, k, slotSet, start)
		}
	}
	return true
}

// read sends getData, exists or getChildren (no watch) of path.
func (w *kvWorker) read(s *session, op proto.OpCode, path []byte, slot uint8, start int64) {
	b, fs, xid := s.begin(op)
	b = proto.AppendBytes(b, path)
	b = proto.AppendBool(b, false)
	s.end(b, fs, xid, slot, 0, start)
}

// set sends an unconditional setData of path.
func (w *kvWorker) set(s *session, path []byte, slot uint8, start int64) {
	b, fs, xid := s.begin(proto.OpSetData)
	b = proto.AppendBytes(b, path)
	b = proto.AppendBuffer(b, w.sh.value, false)
	b = proto.AppendInt(b, -1)
	s.end(b, fs, xid, slot, 0, start)
}

func (w *kvWorker) reply(s *session, p pending, h proto.ReplyHeader, _ []byte, now int64) {
	if h.Err == proto.ErrOk {
		s.ok(p, now)
	} else {
		s.fail(h.Err)
	}
}

func (w *kvWorker) event(*session, proto.WatcherEvent, int64) {}

// Slots of create-delete.
const (
	slotCreate = 0
	slotDelete = 1
)

// createWorker drives create, create-delete and multi:N. Session s creates
// prefix+0, prefix+1, ... (prefix = <root>/cr/r<run>-s<id>-).
type createWorker struct {
	sh       *shared
	kind     Kind
	perMulti int
	prefix   []byte
	n        int   // names used so far
	unpaired bool  // create-delete: the last create has no delete yet
	leftover []int // create-delete: nodes whose delete failed
	results  []proto.MultiResult
}

func newCreateWorker(sh *shared, kind Kind, perMulti, sess int) *createWorker {
	return &createWorker{sh: sh, kind: kind, perMulti: perMulti,
		prefix: []byte(sh.l.createPrefix(sess)), results: make([]proto.MultiResult, 0, perMulti)}
}

// name builds the path of node i in the session's scratch buffer.
func (w *createWorker) name(s *session, i int) []byte {
	s.scratch = strconv.AppendInt(append(s.scratch[:0], w.prefix...), int64(i), 10)
	return s.scratch
}

func (w *createWorker) next(s *session, start int64) bool {
	switch w.kind {
	case KindCreate:
		b, fs, xid := s.begin(proto.OpCreate)
		b = appendCreate(b, w.name(s, w.n), w.sh.value, proto.FlagPersistent)
		s.end(b, fs, xid, slotCreate, 0, start)
		w.n++
	case KindCreateDelete:
		if w.unpaired {
			b, fs, xid := s.begin(proto.OpDelete)
			b = proto.AppendBytes(b, w.name(s, w.n-1))
			b = proto.AppendInt(b, -1)
			s.end(b, fs, xid, slotDelete, int32(w.n-1), start)
			w.unpaired = false
		} else {
			b, fs, xid := s.begin(proto.OpCreate)
			b = appendCreate(b, w.name(s, w.n), w.sh.value, proto.FlagPersistent)
			s.end(b, fs, xid, slotCreate, int32(w.n), start)
			w.n++
			w.unpaired = true
		}
	case KindMulti:
		b, fs, xid := s.begin(proto.OpMulti)
		for i := 0; i < w.perMulti; i++ {
			b = proto.AppendMultiHeader(b, proto.OpCreate, false, proto.ErrSystemError)
			b = appendCreate(b, w.name(s, w.n), w.sh.value, proto.FlagPersistent)
			w.n++
		}
		b = proto.AppendMultiEnd(b)
		s.end(b, fs, xid, 0, 0, start)
	}
	return true
}

func (w *createWorker) reply(s *session, p pending, h proto.ReplyHeader, body []byte, now int64) {
	if h.Err != proto.ErrOk {
		s.fail(h.Err)
		if w.kind == KindCreateDelete && p.slot == slotDelete && h.Err != proto.ErrNoNode {
			w.leftover = append(w.leftover, int(p.tag))
		}
		return
	}
	if w.kind == KindMulti {
		if code := multiError(body, &w.results); code != proto.ErrOk {
			s.fail(code)
			return
		}
	}
	s.ok(p, now)
}

// multiError returns the error of a multi reply: ErrOk when every op
// succeeded, else the failing op's code (MarshallingError when the body
// cannot be decoded).
func multiError(body []byte, results *[]proto.MultiResult) proto.Err {
	r := proto.NewReader(body)
	res, err := proto.DecodeMultiResponse(&r, (*results)[:0])
	*results = res[:0]
	if err != nil {
		return proto.ErrMarshallingError
	}
	first := proto.ErrOk
	for i := range res {
		if res[i].Type != proto.OpError || res[i].Err == proto.ErrOk {
			continue
		}
		if res[i].Err != proto.ErrRuntimeInconsistency {
			return res[i].Err
		}
		if first == proto.ErrOk {
			first = res[i].Err
		}
	}
	return first
}

func (w *createWorker) event(*session, proto.WatcherEvent, int64) {}

// cleanup deletes what the session created and did not delete.
func (w *createWorker) cleanup(s *session) error {
	if w.sh.cfg.NoCleanup {
		return nil
	}
	path := func(b []byte, i int) []byte { return strconv.AppendInt(append(b, w.prefix...), int64(i), 10) }
	if w.kind == KindCreateDelete {
		if w.unpaired {
			w.leftover = append(w.leftover, w.n-1)
		}
		return deleteMany(s.conn, len(w.leftover), func(b []byte, i int) []byte { return path(b, w.leftover[i]) })
	}
	return deleteMany(s.conn, w.n, path)
}

// stridedWorker drives delete and load: session j of C handles the indices
// j, j+C, j+2C ... below total, then finishes.
type stridedWorker struct {
	sh     *shared
	kind   Kind
	i      int
	stride int
	total  int
	prefix []byte // delete: <root>/del/r<run>-; load: <root>/load/n
}

func (w *stridedWorker) next(s *session, start int64) bool {
	if w.i >= w.total {
		s.finish()
		return false
	}
	switch w.kind {
	case KindDelete:
		b, fs, xid := s.begin(proto.OpDelete)
		s.scratch = strconv.AppendInt(append(s.scratch[:0], w.prefix...), int64(w.i), 10)
		b = proto.AppendBytes(b, s.scratch)
		b = proto.AppendInt(b, -1)
		s.end(b, fs, xid, 0, 0, start)
	case KindLoad:
		b, fs, xid := s.begin(proto.OpCreate)
		s.scratch = appendPadded(append(s.scratch[:0], w.prefix...), w.i, loadDigits)
		b = appendCreate(b, s.scratch, w.sh.value, proto.FlagPersistent)
		s.end(b, fs, xid, 0, 0, start)
	}
	w.i += w.stride
	return true
}

func (w *stridedWorker) reply(s *session, p pending, h proto.ReplyHeader, _ []byte, now int64) {
	if h.Err == proto.ErrOk {
		s.ok(p, now)
	} else {
		s.fail(h.Err)
	}
}

func (w *stridedWorker) event(*session, proto.WatcherEvent, int64) {}

// cleanup deletes the nodes delete did not get to.
func (w *stridedWorker) cleanup(s *session) error {
	if w.kind != KindDelete || w.i >= w.total || w.sh.cfg.NoCleanup {
		return nil
	}
	first, left := w.i, (w.total-w.i+w.stride-1)/w.stride
	return deleteMany(s.conn, left, func(b []byte, i int) []byte {
		return strconv.AppendInt(append(b, w.prefix...), int64(first+i*w.stride), 10)
	})
}
