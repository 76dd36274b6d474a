package crash

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// The write load: each worker is one session on a raw connection that
// pipelines up to `window` writes. Every write it sends is recorded before
// it goes out (in flight) and marked acked when its successful reply comes
// back, so after a crash the test knows exactly which writes were
// acknowledged and which may or may not have been applied.
//
// A worker's writes (its id is wid, the i-th write has index i):
//
//	opCreate  create /c/<wid>-<i>, data "<wid>:<i>"
//	opSet     setData /v/<wid> (version -1), data "<wid>:<i>"
//	opMulti   multi{create /m/<wid>-<i>-a, create /m/<wid>-<i>-b}, data "<wid>:<i>:a|b"
//	opSeq     create /s/x- persistent-sequential, data "<wid>:<i>"
//
// Every write succeeds when applied, so after any crash the applied writes
// of one session must be a prefix of what it sent (per-session FIFO plus a
// totally ordered log), and every acked write must be inside that prefix.

type opKind uint8

const (
	opCreate opKind = iota
	opSet
	opMulti
	opSeq
)

func (k opKind) String() string {
	return [...]string{"create", "setData", "multi", "seqCreate"}[k]
}

// wop is one write of a worker.
type wop struct {
	kind    opKind
	setNo   int32 // opSet: the version /v/<wid> has once this write is applied
	acked   bool
	zxid    int64  // acked: the zxid of the reply
	seqName string // acked opSeq: the node name the server chose
}

type worker struct {
	id     string
	raw    *ztest.Raw
	window chan struct{}
	stop   chan struct{}
	rng    *rand.Rand

	senderDone chan struct{}
	readerDone chan struct{}

	mu         sync.Mutex
	ops        []*wop
	sets       int32
	violations []string
	stopping   bool

	// Filled in by the first verification after the crash that ended the
	// worker; later verifications must find the same.
	verified bool
	applied  int            // ops[:applied] are applied
	seqNames map[int]string // applied opSeq index -> node name
}

// setupLoad creates the parents every worker writes under.
func setupLoad(t testing.TB, c *zk.Conn) {
	t.Helper()
	for _, p := range []string{"/c", "/m", "/s", "/v"} {
		if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
			t.Fatalf("create %s: %v", p, err)
		}
	}
}

// startWorker creates /v/<id> through c and starts a worker on a new
// session with at most window writes in flight.
func startWorker(t testing.TB, c *zk.Conn, addr, id string, window int, seed uint64) *worker {
	t.Helper()
	if _, err := c.Create("/v/"+id, []byte("init"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create /v/%s: %v", id, err)
	}
	raw, err := ztest.DialRaw(addr, 6000)
	if err != nil {
		t.Fatalf("worker %s: %v", id, err)
	}
	if raw.SessionID == 0 {
		t.Fatalf("worker %s: no session", id)
	}
	w := &worker{
		id:         id,
		raw:        raw,
		window:     make(chan struct{}, window),
		stop:       make(chan struct{}),
		rng:        rand.New(rand.NewPCG(seed, uint64(len(id)))),
		senderDone: make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	t.Cleanup(func() { raw.Close() })
	go w.send()
	go w.read()
	return w
}

func (w *worker) path(k opKind, i int) string {
	switch k {
	case opCreate:
		return fmt.Sprintf("/c/%s-%d", w.id, i)
	case opSet:
		return "/v/" + w.id
	case opMulti:
		return fmt.Sprintf("/m/%s-%d", w.id, i)
	}
	return "/s/x-"
}

func (w *worker) data(i int) string { return w.id + ":" + strconv.Itoa(i) }

// request builds write i: its record and the request frame body.
func (w *worker) request(i int) (*wop, proto.OpCode, []byte) {
	op := &wop{}
	r := w.rng.IntN(10)
	switch {
	case r < 4:
		op.kind = opCreate
	case r < 6:
		op.kind = opSet
	case r < 8:
		op.kind = opMulti
	default:
		op.kind = opSeq
	}
	data := []byte(w.data(i))
	switch op.kind {
	case opCreate:
		q := proto.CreateRequest{Path: []byte(w.path(opCreate, i)), Data: data, ACL: proto.OpenACL}
		return op, proto.OpCreate, q.Append(nil)
	case opSet:
		w.sets++
		op.setNo = w.sets
		q := proto.SetDataRequest{Path: []byte(w.path(opSet, i)), Data: data, Version: -1}
		return op, proto.OpSetData, q.Append(nil)
	case opMulti:
		base := w.path(opMulti, i)
		ops := []proto.MultiOp{
			{Type: proto.OpCreate, Path: []byte(base + "-a"), Data: []byte(w.data(i) + ":a"), ACL: proto.OpenACL},
			{Type: proto.OpCreate, Path: []byte(base + "-b"), Data: []byte(w.data(i) + ":b"), ACL: proto.OpenACL},
		}
		return op, proto.OpMulti, proto.AppendMulti(nil, ops)
	default:
		q := proto.CreateRequest{Path: []byte("/s/x-"), Data: data, ACL: proto.OpenACL, Flags: proto.FlagPersistentSequential}
		return op, proto.OpCreate, q.Append(nil)
	}
}

// send pipelines writes until stop is closed or the connection fails. On
// stop it waits for every reply (drain), then closes the connection.
func (w *worker) send() {
	defer close(w.senderDone)
	for i := 0; ; i++ {
		select {
		case <-w.stop:
			w.drain()
			return
		case <-w.readerDone:
			return
		default:
		}
		select {
		case w.window <- struct{}{}:
		case <-w.stop:
			w.drain()
			return
		case <-w.readerDone:
			return
		}
		op, code, body := w.request(i)
		w.mu.Lock()
		w.ops = append(w.ops, op)
		w.mu.Unlock()
		if err := w.raw.Send(int32(i+1), code, body); err != nil {
			return
		}
	}
}

// drain waits until every write sent has its reply, then closes the
// connection (which ends the reader).
func (w *worker) drain() {
	for range cap(w.window) {
		select {
		case w.window <- struct{}{}:
		case <-w.readerDone:
			return
		}
	}
	w.mu.Lock()
	w.stopping = true
	w.mu.Unlock()
	w.raw.Close()
}

func (w *worker) violate(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.violations) < 10 {
		w.violations = append(w.violations, fmt.Sprintf(format, args...))
	}
}

// read matches replies to writes (they must come back in order) and marks
// them acked.
func (w *worker) read() {
	defer close(w.readerDone)
	defer w.raw.Close()
	next := int32(1)
	for {
		rep, err := w.raw.Read(60 * time.Second)
		if err != nil {
			var ne net.Error
			w.mu.Lock()
			quiet := w.stopping
			w.mu.Unlock()
			if errors.As(err, &ne) && ne.Timeout() && !quiet {
				w.violate("no reply for 60 s (waiting for xid %d)", next)
			}
			return
		}
		if rep.Hdr.Xid == proto.XidNotification {
			continue
		}
		if rep.Hdr.Xid != next {
			w.violate("reply for xid %d, expected %d (replies out of order)", rep.Hdr.Xid, next)
			return
		}
		w.mu.Lock()
		op := w.ops[next-1]
		w.mu.Unlock()
		if rep.Hdr.Err != proto.ErrOk {
			w.violate("%s #%d failed: %v", op.kind, next-1, rep.Hdr.Err)
		} else if msg := w.checkReply(op, int(next-1), rep.Body); msg != "" {
			w.violate("%s #%d: %s", op.kind, next-1, msg)
		} else {
			w.mu.Lock()
			op.acked = true
			op.zxid = rep.Hdr.Zxid
			w.mu.Unlock()
		}
		<-w.window
		next++
	}
}

// checkReply checks a successful reply's body; it records the name a
// sequential create got.
func (w *worker) checkReply(op *wop, i int, body []byte) string {
	r := proto.NewReader(body)
	switch op.kind {
	case opCreate:
		var resp proto.CreateResponse
		resp.Decode(&r)
		if want := w.path(opCreate, i); r.Err() != nil || string(resp.Path) != want {
			return fmt.Sprintf("reply path %q (%v), want %q", resp.Path, r.Err(), want)
		}
	case opSeq:
		var resp proto.CreateResponse
		resp.Decode(&r)
		name := string(resp.Path)
		if r.Err() != nil || !strings.HasPrefix(name, "/s/x-") || len(name) != len("/s/x-")+10 {
			return fmt.Sprintf("reply path %q (%v)", name, r.Err())
		}
		w.mu.Lock()
		op.seqName = name
		w.mu.Unlock()
	case opSet:
		var st proto.Stat
		st.Decode(&r)
		if r.Err() != nil || st.Version != op.setNo {
			return fmt.Sprintf("version %d (%v), want %d", st.Version, r.Err(), op.setNo)
		}
	case opMulti:
		res, err := proto.DecodeMultiResponse(&r, nil)
		if err != nil || len(res) != 2 || res[0].Type != proto.OpCreate || res[1].Type != proto.OpCreate {
			return fmt.Sprintf("multi results %+v (%v)", res, err)
		}
		if base := w.path(opMulti, i); string(res[0].Path) != base+"-a" || string(res[1].Path) != base+"-b" {
			return fmt.Sprintf("multi paths %q %q", res[0].Path, res[1].Path)
		}
	}
	return ""
}

// stopAndDrain stops sending and waits until every write has its reply.
func (w *worker) stopAndDrain(t testing.TB) {
	t.Helper()
	close(w.stop)
	w.waitDone(t)
}

// waitDone waits for both goroutines (after a crash, or after stop).
func (w *worker) waitDone(t testing.TB) {
	t.Helper()
	for _, ch := range []chan struct{}{w.senderDone, w.readerDone} {
		select {
		case <-ch:
		case <-time.After(90 * time.Second):
			t.Fatalf("worker %s did not finish", w.id)
		}
	}
}

// counts returns how many writes were sent and acked.
func (w *worker) counts() (sent, acked int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, op := range w.ops {
		if op.acked {
			acked++
		}
	}
	return len(w.ops), acked
}

// load is every worker of a test, across rounds.
type load struct {
	workers []*worker
	byID    map[string]*worker
}

func newLoad() *load { return &load{byID: map[string]*worker{}} }

// start starts n workers named <prefix>w<k>.
func (l *load) start(t testing.TB, c *zk.Conn, addr, prefix string, n, window int, rng *rand.Rand) []*worker {
	t.Helper()
	var ws []*worker
	for k := range n {
		w := startWorker(t, c, addr, fmt.Sprintf("%sw%d", prefix, k), window, rng.Uint64())
		l.workers = append(l.workers, w)
		l.byID[w.id] = w
		ws = append(ws, w)
	}
	return ws
}

// waitAcked waits until the given workers together have at least n acked
// writes (so a crash hits a running load).
func waitAcked(t testing.TB, ws []*worker, n int) {
	t.Helper()
	ok := waitFor(30*time.Second, func() bool {
		total := 0
		for _, w := range ws {
			_, a := w.counts()
			total += a
		}
		return total >= n
	})
	if !ok {
		for _, w := range ws {
			s, a := w.counts()
			t.Logf("worker %s: sent %d acked %d violations %v", w.id, s, a, w.violations)
		}
		t.Fatalf("the load did not get %d writes acknowledged", n)
	}
}

// totals sums sent and acked writes over all workers.
func (l *load) totals() (sent, acked int) {
	for _, w := range l.workers {
		s, a := w.counts()
		sent += s
		acked += a
	}
	return sent, acked
}

// maxAckedZxid is the highest zxid any acked write reply carried.
func (l *load) maxAckedZxid() int64 {
	var m int64
	for _, w := range l.workers {
		w.mu.Lock()
		for _, op := range w.ops {
			if op.acked && op.zxid > m {
				m = op.zxid
			}
		}
		w.mu.Unlock()
	}
	return m
}

// checkViolations reports protocol violations the workers saw while running.
func (l *load) checkViolations(t testing.TB) {
	t.Helper()
	for _, w := range l.workers {
		w.mu.Lock()
		for _, v := range w.violations {
			t.Errorf("worker %s: %s", w.id, v)
		}
		w.violations = nil
		w.mu.Unlock()
	}
}

// problems collects verification failures, reporting at most a few of each
// worker so a broken server does not flood the log.
type problems struct {
	t     testing.TB
	count map[string]int
	total int
}

func (p *problems) add(wid, format string, args ...any) {
	p.t.Helper()
	p.total++
	p.count[wid]++
	if p.count[wid] <= 5 {
		p.t.Errorf("%s: "+format, append([]any{wid}, args...)...)
	}
}

// verify reads the whole state the load wrote and checks it against what
// the workers sent and had acknowledged: every acked write is there with
// its acked value/version/name, the applied writes of each session are a
// prefix of what it sent (nothing half-applied, nothing unacked applied out
// of order), multis are all-or-nothing, sequential names are 0..n-1 without
// gaps or reuse, nothing is there that no worker sent, and what an earlier
// verification found applied is still applied. Call it only while no worker
// runs.
func (l *load) verify(t testing.TB, c *zk.Conn) {
	t.Helper()
	pr := &problems{t: t, count: map[string]int{}}
	applied := map[string][]bool{}
	for _, w := range l.workers {
		applied[w.id] = make([]bool, len(w.ops))
	}
	// lookup parses "<wid>-<i>" and returns the worker and its write.
	lookup := func(name string) (*worker, int, *wop) {
		dash := strings.LastIndexByte(name, '-')
		if dash < 0 {
			return nil, 0, nil
		}
		w := l.byID[name[:dash]]
		i, err := strconv.Atoi(name[dash+1:])
		if w == nil || err != nil || i < 0 || i >= len(w.ops) {
			return nil, 0, nil
		}
		return w, i, w.ops[i]
	}

	var paths []string
	ckids, _ := children(t, c, "/c")
	for _, k := range ckids {
		paths = append(paths, "/c/"+k)
	}
	mkids, _ := children(t, c, "/m")
	for _, k := range mkids {
		paths = append(paths, "/m/"+k)
	}
	skids, sst := children(t, c, "/s")
	for _, k := range skids {
		paths = append(paths, "/s/"+k)
	}
	for _, w := range l.workers {
		paths = append(paths, "/v/"+w.id)
	}
	nodes := getMany(t, c, paths)

	// creates
	for _, k := range ckids {
		w, i, op := lookup(k)
		if op == nil || op.kind != opCreate {
			pr.add("?", "/c/%s exists but no worker created it", k)
			continue
		}
		if got := nodes["/c/"+k].data; got != w.data(i) {
			pr.add(w.id, "/c/%s has data %q, want %q", k, got, w.data(i))
		}
		applied[w.id][i] = true
	}
	// multis: both halves or neither
	halves := map[string]int{}
	for _, k := range mkids {
		if !strings.HasSuffix(k, "-a") && !strings.HasSuffix(k, "-b") {
			pr.add("?", "/m/%s exists but no worker created it", k)
			continue
		}
		base, half := k[:len(k)-2], k[len(k)-1:]
		w, i, op := lookup(base)
		if op == nil || op.kind != opMulti {
			pr.add("?", "/m/%s exists but no worker created it", k)
			continue
		}
		if got, want := nodes["/m/"+k].data, w.data(i)+":"+half; got != want {
			pr.add(w.id, "/m/%s has data %q, want %q", k, got, want)
		}
		halves[base]++
	}
	for base, n := range halves {
		w, i, _ := lookup(base)
		if n != 2 {
			pr.add(w.id, "multi #%d is half-applied: only one of /m/%s-a and -b exists", i, base)
			continue
		}
		applied[w.id][i] = true
	}
	// sequential creates
	seqOf := map[string]map[int]string{}
	counters := make([]int, 0, len(skids))
	for _, k := range skids {
		if !strings.HasPrefix(k, "x-") || len(k) != 12 {
			pr.add("?", "/s/%s: not a sequential name", k)
			continue
		}
		n, err := strconv.Atoi(k[2:])
		if err != nil {
			pr.add("?", "/s/%s: not a sequential name", k)
			continue
		}
		counters = append(counters, n)
		data := nodes["/s/"+k].data
		w, i, op := lookup(strings.Replace(data, ":", "-", 1))
		if op == nil || op.kind != opSeq || data != w.data(i) {
			pr.add("?", "/s/%s has data %q that no sequential create sent", k, data)
			continue
		}
		if seqOf[w.id] == nil {
			seqOf[w.id] = map[int]string{}
		}
		if prev, dup := seqOf[w.id][i]; dup {
			pr.add(w.id, "sequential create #%d applied twice: /s/%s and /s/%s", i, prev, k)
			continue
		}
		seqOf[w.id][i] = k
		if op.acked && op.seqName != "/s/"+k {
			pr.add(w.id, "sequential create #%d was acked as %s but is stored as /s/%s", i, op.seqName, k)
		}
		applied[w.id][i] = true
	}
	sort.Ints(counters)
	for j, n := range counters {
		if n != j {
			pr.add("/s", "sequential counters are not 0..%d without gaps: position %d holds %d", len(counters)-1, j, n)
			break
		}
	}
	if int(sst.Cversion) != len(skids) || int(sst.NumChildren) != len(skids) {
		pr.add("/s", "cversion %d, numChildren %d, but %d children (only sequential creates touch /s)",
			sst.Cversion, sst.NumChildren, len(skids))
	}
	// setData
	for _, w := range l.workers {
		v, ok := nodes["/v/"+w.id]
		if !ok {
			pr.add(w.id, "/v/%s is missing", w.id)
			continue
		}
		last := -1
		if v.data != "init" {
			_, j, op := lookup(strings.Replace(v.data, ":", "-", 1))
			if op == nil || op.kind != opSet || v.data != w.data(j) {
				pr.add(w.id, "/v/%s has data %q that no setData sent", w.id, v.data)
				continue
			}
			if v.stat.Version != op.setNo {
				pr.add(w.id, "/v/%s holds setData #%d with version %d, want %d", w.id, j, v.stat.Version, op.setNo)
			}
			last = j
		} else if v.stat.Version != 0 {
			pr.add(w.id, "/v/%s holds the initial data with version %d", w.id, v.stat.Version)
		}
		for i, op := range w.ops {
			if op.kind == opSet && i <= last {
				applied[w.id][i] = true
			}
		}
	}
	// per session: a prefix, containing every acked write, stable over time
	for _, w := range l.workers {
		a := applied[w.id]
		k := 0
		for k < len(a) && a[k] {
			k++
		}
		for i := k; i < len(a); i++ {
			if a[i] {
				pr.add(w.id, "%s #%d is applied but #%d (%s, acked=%v) is not: the session's writes are not a prefix",
					w.ops[i].kind, i, k, w.ops[k].kind, w.ops[k].acked)
				break
			}
		}
		for i := k; i < len(a); i++ {
			if w.ops[i].acked {
				pr.add(w.id, "acked %s #%d (zxid %#x) is lost (%s)", w.ops[i].kind, i, w.ops[i].zxid, w.describe(i))
			}
		}
		if w.verified {
			if k != w.applied {
				pr.add(w.id, "%d writes were applied after the previous restart, now %d", w.applied, k)
			}
			for i, name := range w.seqNames {
				if seqOf[w.id][i] != name {
					pr.add(w.id, "sequential create #%d was %s, now %q", i, name, seqOf[w.id][i])
				}
			}
		} else {
			w.verified, w.applied, w.seqNames = true, k, seqOf[w.id]
		}
	}
	if pr.total > 0 {
		t.Errorf("verification found %d problems", pr.total)
	}
}

// describe is what a lost write was.
func (w *worker) describe(i int) string {
	switch w.ops[i].kind {
	case opCreate, opMulti:
		return w.path(w.ops[i].kind, i)
	case opSet:
		return fmt.Sprintf("/v/%s version %d", w.id, w.ops[i].setNo)
	}
	return w.ops[i].seqName
}

// checkServing does a few writes after a restart: they succeed, their
// zxids are above every zxid acked before, and the next sequential name
// follows the existing ones (no reuse).
func checkServing(t testing.TB, c *zk.Conn, l *load, tag string) {
	t.Helper()
	before := l.maxAckedZxid()
	id := "after" + tag
	if _, err := c.Create("/v/"+id, []byte("init"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create after restart: %v", err)
	}
	_, sst := children(t, c, "/s")
	name, err := c.Create("/s/x-", []byte(id+":0"), zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatalf("sequential create after restart: %v", err)
	}
	if want := fmt.Sprintf("/s/x-%010d", sst.NumChildren); name != want {
		t.Errorf("sequential create after restart got %s, want %s", name, want)
	}
	// verify accounts for it as a one-write worker.
	w := &worker{id: id, ops: []*wop{{kind: opSeq, acked: true, seqName: name}}}
	l.workers = append(l.workers, w)
	l.byID[id] = w
	p := "/after-" + tag
	if _, err := c.Create(p, []byte("x"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create after restart: %v", err)
	}
	st, err := c.Set(p, []byte("y"), 0)
	if err != nil || st.Version != 1 {
		t.Fatalf("set after restart: %+v %v", st, err)
	}
	if st.Mzxid <= before || st.Czxid <= before {
		t.Errorf("zxids after restart (%#x, %#x) are not above the last acked zxid %#x before it", st.Czxid, st.Mzxid, before)
	}
}
