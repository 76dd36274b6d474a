package engine

import (
	"cmp"
	"slices"

	"github.com/zen-coord/zen/tree"
	"sync"
	"sync/atomic"
)

// session is a live client session on this server.
type session struct {
	id      int64
	timeout atomic.Int32 // negotiated, ms
	expiry  atomic.Int64 // the wheel bucket (ms since epoch) holding it; 0 = none
	conn    atomic.Pointer[conn]
	closing atomic.Bool // closeSession prepped or expiry started
	touched atomic.Bool // a learner has activity to report to the leader
}

// sessionTable tracks live sessions and expires them with a timer wheel:
// buckets of tick width keyed by their end time, ZooKeeper's ExpiryQueue.
// A touch computes the session's new bucket and moves it only when the
// bucket changed, so the common case is one atomic load.
type sessionTable struct {
	tick int64 // ms

	mu      sync.Mutex
	touched []*session // learner: sessions to report (see takeTouched)
	byID    map[int64]*session
	buckets map[int64]map[*session]struct{}
	next    int64 // end of the next bucket to expire
}

func newSessionTable(tickMs int64, now int64) *sessionTable {
	t := &sessionTable{tick: tickMs, byID: map[int64]*session{}, buckets: map[int64]map[*session]struct{}{}}
	t.next = t.roundUp(now)
	return t
}

// roundUp is the end of the bucket that time t falls in.
func (t *sessionTable) roundUp(ms int64) int64 { return (ms/t.tick + 1) * t.tick }

// get returns a live session.
func (t *sessionTable) get(id int64) *session {
	t.mu.Lock()
	s := t.byID[id]
	t.mu.Unlock()
	return s
}

// add registers a session and schedules its expiry from now.
func (t *sessionTable) add(id int64, timeout int32, now int64) *session {
	t.mu.Lock()
	s := t.byID[id]
	if s == nil {
		s = &session{id: id}
		t.byID[id] = s
	}
	s.timeout.Store(timeout)
	t.mu.Unlock()
	t.touch(s, now)
	return s
}

// remove forgets a session (closed or expired).
func (t *sessionTable) remove(id int64) {
	t.mu.Lock()
	if s := t.byID[id]; s != nil {
		delete(t.byID, id)
		if b := t.buckets[s.expiry.Load()]; b != nil {
			delete(b, s)
		}
	}
	t.mu.Unlock()
}

// touch pushes a session's expiry to now+timeout. It reports false if the
// session is closing.
func (t *sessionTable) touch(s *session, now int64) bool {
	if s.closing.Load() {
		return false
	}
	exp := t.roundUp(now + int64(s.timeout.Load()))
	if s.expiry.Load() == exp {
		return true
	}
	t.mu.Lock()
	if t.byID[s.id] == s && !s.closing.Load() {
		if old := s.expiry.Load(); old != exp {
			if b := t.buckets[old]; b != nil {
				delete(b, s)
				if len(b) == 0 {
					delete(t.buckets, old)
				}
			}
			b := t.buckets[exp]
			if b == nil {
				b = map[*session]struct{}{}
				t.buckets[exp] = b
			}
			b[s] = struct{}{}
			s.expiry.Store(exp)
		}
	}
	t.mu.Unlock()
	return true
}

// expired removes and returns the sessions of every bucket that ended at or
// before now, marking them closing. nextDue is when to call again.
func (t *sessionTable) expired(now int64) (out []*session, nextDue int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.next <= now {
		for s := range t.buckets[t.next] {
			s.closing.Store(true)
			s.expiry.Store(0)
			out = append(out, s)
		}
		delete(t.buckets, t.next)
		t.next += t.tick
	}
	return out, t.next
}

// count is the number of live sessions.
func (t *sessionTable) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID)
}

// all returns the live sessions.
func (t *sessionTable) all() []*session {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*session, 0, len(t.byID))
	for _, s := range t.byID {
		out = append(out, s)
	}
	return out
}

// bucket is one expiry bucket for the dump 4lw.
type bucket struct {
	at  int64
	ids []int64
}

// bucketList lists the expiry buckets in time order, ids sorted.
func (t *sessionTable) bucketList() []bucket {
	t.mu.Lock()
	out := make([]bucket, 0, len(t.buckets))
	for at, set := range t.buckets {
		b := bucket{at: at}
		for s := range set {
			b.ids = append(b.ids, s.id)
		}
		slices.Sort(b.ids)
		out = append(out, b)
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b bucket) int { return cmp.Compare(a.at, b.at) })
	return out
}

// noteTouched records, on a learner, that a session had client activity
// to report to the leader.
func (t *sessionTable) noteTouched(s *session) {
	if s.touched.CompareAndSwap(false, true) {
		t.mu.Lock()
		t.touched = append(t.touched, s)
		t.mu.Unlock()
	}
}

// takeTouched returns and forgets the sessions noted since the last call.
func (t *sessionTable) takeTouched() []*session {
	t.mu.Lock()
	out := t.touched
	t.touched = nil
	t.mu.Unlock()
	for _, s := range out {
		s.touched.Store(false)
	}
	return out
}

// refreshAll restarts every session's timeout from now (a new leader).
func (t *sessionTable) refreshAll(now int64) {
	for _, s := range t.all() {
		t.touch(s, now)
	}
}

// resetTo makes the table hold exactly the given sessions (after a
// snapshot install), keeping the live ones.
func (t *sessionTable) resetTo(list []tree.SessionInfo, now int64) {
	keep := make(map[int64]bool, len(list))
	for _, si := range list {
		keep[si.ID] = true
		if t.get(si.ID) == nil {
			t.add(si.ID, si.Timeout, now)
		}
	}
	for _, s := range t.all() {
		if !keep[s.id] {
			t.remove(s.id)
		}
	}
}
