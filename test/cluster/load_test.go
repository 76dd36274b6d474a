package cluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

// The load: sessions, each shared by several goroutines (so a session has
// several requests in flight: go-zk pipelines them), each goroutine a
// client doing, at random:
//
//	register ops on /r/k<j> (recorded in a ztest.History for porcupine):
//	    setData to a unique value, create, fenced getData (after a write
//	    to the client's fence node /f/c<client>), sync+getData (recorded
//	    and counted when stale, not checked: see ztest.History)
//	unique creates /w/c<client>-<i>, data "c<client>-<i>"
//	multis creating /m/c<client>-<i>-a and -b, data "c<client>-<i>:a" and ":b"
//
// Every write, its call and return times and outcome are recorded, so
// after the run every acked write can be looked for on every member, and
// every write without an answer must be wholly there or wholly absent.

// loadSession is one session of the load: addrs is the connect string,
// tag names it in the history (e.g. the member it is pinned to).
type loadSession struct {
	addrs []string
	tag   string
}

type load struct {
	t        testing.TB
	c        *ztest.Cluster
	h        *ztest.History
	keys     int
	conns    []*zk.Conn
	stop     chan struct{}
	done     chan struct{}
	clients  atomic.Int32
	running  sync.WaitGroup
	acked    atomic.Int64 // acked writes so far (any kind)
	mu       sync.Mutex
	writes   []*uwrite
	stopping atomic.Bool
	doing    sync.Map // client id → what it is doing since when, for a hang's report
}

// uwrite is a unique create or a multi of the load.
type uwrite struct {
	path    string // the create's node; the multi's base (nodes base-a, base-b)
	data    string
	multi   bool
	outcome ztest.Outcome
	err     error
	call    int64
	ret     int64
}

// setupLoad creates the parents of the load's nodes.
func setupLoad(t testing.TB, c *zk.Conn) {
	t.Helper()
	for _, p := range []string{"/r", "/w", "/m", "/f"} {
		if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
			t.Fatalf("create %s: %v", p, err)
		}
	}
}

// startLoad connects the sessions and starts perSession clients on each,
// writing keys registers.
func startLoad(t testing.TB, c *ztest.Cluster, rng *rand.Rand, sessions []loadSession, perSession, keys int) *load {
	t.Helper()
	l := &load{t: t, c: c, h: ztest.NewHistory(), keys: keys, stop: make(chan struct{}), done: make(chan struct{})}
	setup := connect(t, sessions[0].addrs...)
	setupLoad(t, setup)
	setup.Close()
	id := 0
	for _, s := range sessions {
		conn := connect(t, s.addrs...)
		l.conns = append(l.conns, conn)
		for range perSession {
			l.running.Add(1)
			go l.client(conn, id, s.tag, rand.New(rand.NewPCG(rng.Uint64(), uint64(id))))
			id++
		}
	}
	l.clients.Store(int32(id))
	go func() { l.running.Wait(); close(l.done) }()
	t.Cleanup(func() {
		if !l.stopping.Load() {
			close(l.stop)
		}
		for _, c := range l.conns {
			c.Close()
		}
		<-l.done
	})
	return l
}

// client runs one client until the load stops.
func (l *load) client(conn *zk.Conn, id int, tag string, rng *rand.Rand) {
	defer l.running.Done()
	defer l.doing.Delete(id)
	for i := 0; ; i++ {
		select {
		case <-l.stop:
			return
		default:
		}
		key := fmt.Sprintf("/r/k%d", rng.IntN(l.keys))
		val := fmt.Sprintf("c%d-%d", id, i)
		var outcome ztest.Outcome
		write := true
		r := rng.IntN(100)
		l.doing.Store(id, fmt.Sprintf("op %d (kind %d) on %s/%s since %s", i, r, key, val, ms(l.h.Now())))
		switch {
		case r < 30:
			outcome = l.h.Set(conn, id, tag, key, val).Outcome
		case r < 35:
			outcome = l.h.Create(conn, id, tag, key, val).Outcome
		case r < 50:
			outcome, write = l.h.Get(conn, id, tag, fmt.Sprintf("/f/c%d", id), key).Outcome, false
		case r < 60:
			outcome, write = l.h.SyncGet(conn, id, tag, key).Outcome, false
		case r < 85:
			outcome = l.create(conn, "/w/"+val, val)
		default:
			outcome = l.multi(conn, "/m/"+val, val)
		}
		if write && outcome == ztest.OutOK {
			l.acked.Add(1)
		}
		if outcome == ztest.OutUnknown {
			// The connection is gone: do not spin while go-zk reconnects.
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func (l *load) record(w *uwrite) ztest.Outcome {
	l.mu.Lock()
	l.writes = append(l.writes, w)
	l.mu.Unlock()
	return w.outcome
}

// outcome classifies a unique write's error: every error is unknown
// except a definite failure of the request itself (none is expected).
func outcome(err error) ztest.Outcome {
	if err == nil {
		return ztest.OutOK
	}
	if errors.Is(err, zk.ErrNodeExists) || errors.Is(err, zk.ErrNoNode) {
		return ztest.OutFailed
	}
	return ztest.OutUnknown
}

func (l *load) create(conn *zk.Conn, path, data string) ztest.Outcome {
	w := &uwrite{path: path, data: data, call: l.h.Now()}
	_, w.err = conn.Create(path, []byte(data), 0, zk.WorldACL(zk.PermAll))
	w.ret, w.outcome = l.h.Now(), outcome(w.err)
	return l.record(w)
}

func (l *load) multi(conn *zk.Conn, base, data string) ztest.Outcome {
	w := &uwrite{path: base, data: data, multi: true, call: l.h.Now()}
	acl := zk.WorldACL(zk.PermAll)
	_, w.err = conn.Multi(
		&zk.CreateRequest{Path: base + "-a", Data: []byte(data + ":a"), Acl: acl},
		&zk.CreateRequest{Path: base + "-b", Data: []byte(data + ":b"), Acl: acl},
	)
	w.ret, w.outcome = l.h.Now(), outcome(w.err)
	return l.record(w)
}

// waitAcked waits until n more writes than base were acked.
func (l *load) waitAcked(t testing.TB, base, n int64, what string) {
	t.Helper()
	if !waitFor(60*time.Second, func() bool { return l.acked.Load() >= base+n }) {
		t.Fatalf("%s: only %d of %d writes acked within 60 s", what, l.acked.Load()-base, n)
	}
}

// stopLoad stops the clients and waits for their last answers (closing
// the sessions if a request hangs, which makes its outcome unknown).
func (l *load) stopLoad(t testing.TB) {
	t.Helper()
	l.stopping.Store(true)
	close(l.stop)
	select {
	case <-l.done:
	case <-time.After(60 * time.Second):
		t.Errorf("the load's clients did not finish within 60 s of the stop; closing their sessions")
		l.doing.Range(func(k, v any) bool {
			t.Logf("client %d: %s", k, v)
			return true
		})
		for i, c := range l.conns {
			t.Logf("session %d: %#x, state %v, server %s", i, c.SessionID(), c.State(), c.Server())
		}
		for _, m := range l.c.Members {
			if out, err := ztest.FourLetter(m.Addr(), "cons"); err == nil {
				t.Logf("member %d (%s) cons:\n%s", m.ID, m.Mode(), out)
			}
		}
		for _, c := range l.conns {
			c.Close()
		}
		<-l.done
	}
	for _, c := range l.conns {
		c.Close()
	}
	var counts [3]int
	l.mu.Lock()
	for _, w := range l.writes {
		counts[w.outcome]++
	}
	l.mu.Unlock()
	ops := l.h.Ops()
	var reg [4][3]int
	for _, op := range ops {
		reg[op.Kind][op.Outcome]++
	}
	t.Logf("load: %d clients; creates/multis ok %d, failed %d, unknown %d; register set ok/failed/unknown %v, create %v, fenced read ok/absent %v, sync read %v",
		l.clients.Load(), counts[0], counts[1], counts[2], reg[ztest.OpSet], reg[ztest.OpCreate], reg[ztest.OpGet][:2], reg[ztest.OpSyncGet][:2])
}

// firstAckAfter is the return time of the first acked write called at or
// after t0 (-1 if none).
func (l *load) firstAckAfter(t0 int64) int64 {
	first := int64(-1)
	take := func(call, ret int64) {
		if call >= t0 && (first < 0 || ret < first) {
			first = ret
		}
	}
	l.mu.Lock()
	for _, w := range l.writes {
		if w.outcome == ztest.OutOK {
			take(w.call, w.ret)
		}
	}
	l.mu.Unlock()
	for _, op := range l.h.Ops() {
		if op.Kind != ztest.OpGet && op.Outcome == ztest.OutOK {
			take(op.Call, op.Return)
		}
	}
	return first
}

// verifyWrites checks a member's dump against the load's unique writes:
// every acked one is there with its data, no definitely failed one is,
// an unanswered one is wholly there or wholly absent, and nothing is
// there that the load did not write.
func (l *load) verifyWrites(t testing.TB, who string, dump map[string]ztest.ZNode) {
	t.Helper()
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	known := map[string]bool{}
	present := func(path, data string) bool {
		known[path] = true
		n, ok := dump[path]
		if ok && n.Data != data {
			bad("%s has data %q, want %q", path, n.Data, data)
		}
		return ok
	}
	l.mu.Lock()
	writes := append([]*uwrite(nil), l.writes...)
	l.mu.Unlock()
	var lost, applied, absent int
	for _, w := range writes {
		var there bool
		if w.multi {
			a, b := present(w.path+"-a", w.data+":a"), present(w.path+"-b", w.data+":b")
			if a != b {
				bad("multi %s is half applied (-a there: %v, -b there: %v; outcome %v)", w.path, a, b, w.outcome)
			}
			there = a && b
		} else {
			there = present(w.path, w.data)
		}
		switch {
		case w.outcome == ztest.OutOK && !there:
			lost++
			bad("acked write %s (multi %v, acked at %s) is lost", w.path, w.multi, ms(w.ret))
		case w.outcome == ztest.OutFailed && there:
			bad("write %s failed (%v) but is there", w.path, w.err)
		case w.outcome == ztest.OutUnknown && there:
			applied++
		case w.outcome == ztest.OutUnknown:
			absent++
		}
	}
	for p := range dump {
		if (strings.HasPrefix(p, "/w/") || strings.HasPrefix(p, "/m/")) && !known[p] {
			bad("%s is there but the load never wrote it", p)
		}
	}
	t.Logf("%s: %d unique writes checked; of those without an answer %d are applied, %d absent", who, len(writes), applied, absent)
	if len(problems) > 0 {
		sort.Strings(problems)
		if len(problems) > 30 {
			problems = append(problems[:30], fmt.Sprintf("... and %d more", len(problems)-30))
		}
		t.Errorf("%s: %d acked writes lost; problems:\n%s", who, lost, strings.Join(problems, "\n"))
	}
}

// verify checks, on every running member, that the load's writes are
// there as they must be and that all members hold the same tree, then
// reads every register on every member (fenced reads, added to the
// history) and checks the history for linearizability.
func (l *load) verify(t testing.TB, c *ztest.Cluster) {
	t.Helper()
	dump := dumpAll(t, c)
	for _, m := range c.Members {
		if m.Running() {
			// dumpAll found every member's tree equal to this one.
			l.verifyWrites(t, fmt.Sprintf("member %d", m.ID), dump)
			break
		}
	}
	client := int(l.clients.Load())
	for _, m := range c.Members {
		if !m.Running() {
			continue
		}
		conn := connect(t, m.Addr())
		for k := range l.keys {
			op := l.h.Get(conn, client, fmt.Sprintf("final@%d", m.ID), fmt.Sprintf("/f/final%d", m.ID), fmt.Sprintf("/r/k%d", k))
			if op.Outcome == ztest.OutUnknown {
				t.Errorf("final read of %s on member %d: %v", op.Key, m.ID, op.Err)
			}
		}
		conn.Close()
		client++
	}
	ops := l.h.Ops()
	stale, total, examples := ztest.StaleSyncReads(ops)
	t.Logf("sync+getData reads (not checked: not linearizable in ZooKeeper): %d of %d missed an acknowledged write", stale, total)
	for _, e := range examples {
		t.Logf("  stale sync read: %s", e)
	}
	ztest.CheckLinearizable(t, ops, 2*time.Minute)
}
