package bench

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/zen-coord/zen/proto"
)

// request is one request the fake server saw, copied.
type request struct {
	op   proto.OpCode
	body []byte
}

// capture runs rounds of fill → flush → replies on s, returning every
// request the fake server received.
func capture(t *testing.T, s *session, fc *fakeConn, rounds int) []request {
	t.Helper()
	var reqs []request
	fc.onReq = func(h proto.RequestHeader, body []byte) {
		reqs = append(reqs, request{h.Type, append([]byte(nil), body...)})
	}
	for i := 0; i < rounds; i++ {
		now := s.run.now()
		s.fill(now)
		if err := s.conn.Flush(); err != nil {
			t.Fatal(err)
		}
		for fc.outPos < len(fc.out) {
			if err := s.conn.Fill(); err != nil {
				t.Fatal(err)
			}
			if err := s.frames(s.run.now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	fc.onReq = nil
	return reqs
}

func pathOf(t *testing.T, body []byte) string {
	t.Helper()
	r := proto.NewReader(body)
	p := r.Bytes()
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	return string(p)
}

func TestKeyedGeneratorsUniform(t *testing.T) {
	cfg := offlineConfig(t, "get")
	cfg.Keys = 20
	sh := offlineShared(cfg)
	fc := newFakeConn()
	s := offlineSession(cfg, fc, &kvWorker{sh: sh, kind: KindGet}, 0)
	reqs := capture(t, s, fc, 20000)
	if len(reqs) != 20000 {
		t.Fatalf("%d requests for 20000 rounds at inflight 1", len(reqs))
	}
	count := map[string]int{}
	for _, q := range reqs {
		if q.op != proto.OpGetData {
			t.Fatalf("op %v", q.op)
		}
		var req proto.GetDataRequest
		r := proto.NewReader(q.body)
		req.Decode(&r)
		if r.Err() != nil || req.Watch {
			t.Fatalf("bad getData %+v %v", req, r.Err())
		}
		count[string(req.Path)]++
	}
	if len(count) != 20 {
		t.Fatalf("%d distinct keys, want 20", len(count))
	}
	for i := 0; i < 20; i++ {
		p := string(appendKeyPath(nil, sh.l.kvDir(), i))
		// 1000 expected per key; 6 sigma is about ±190
		if c := count[p]; c < 800 || c > 1200 {
			t.Errorf("key %s drawn %d times of 20000", p, c)
		}
	}
	if got := s.hists[0].Count(); got != 20000 {
		t.Fatalf("recorded %d completions", got)
	}
}

func TestMixedReadRatio(t *testing.T) {
	for _, pct := range []int{0, 90, 100} {
		cfg := offlineConfig(t, "mixed:"+strconv.Itoa(pct))
		cfg.ValueSize = 37
		sh := offlineShared(cfg)
		fc := newFakeConn()
		s := offlineSession(cfg, fc, &kvWorker{sh: sh, kind: KindMixed, readPct: pct}, 0)
		reqs := capture(t, s, fc, 10000)
		gets := 0
		for _, q := range reqs {
			switch q.op {
			case proto.OpGetData:
				gets++
			case proto.OpSetData:
				var req proto.SetDataRequest
				r := proto.NewReader(q.body)
				req.Decode(&r)
				if len(req.Data) != 37 || req.Version != -1 || !strings.HasPrefix(string(req.Path), cfg.Root+"/kv/g") {
					t.Fatalf("bad setData %+v", req)
				}
			default:
				t.Fatalf("op %v", q.op)
			}
		}
		share := float64(gets) / float64(len(reqs)) * 100
		if share < float64(pct)-2 || share > float64(pct)+2 {
			t.Errorf("mixed:%d sent %.1f%% reads", pct, share)
		}
		if s.hists[slotGet].Count() != int64(gets) || s.hists[slotSet].Count() != int64(len(reqs)-gets) {
			t.Errorf("histograms %d/%d for %d gets of %d", s.hists[slotGet].Count(), s.hists[slotSet].Count(), gets, len(reqs))
		}
	}
}

func TestChildrenAndExistsTargets(t *testing.T) {
	cfg := offlineConfig(t, "children")
	sh := offlineShared(cfg)
	fc := newFakeConn()
	s := offlineSession(cfg, fc, &kvWorker{sh: sh, kind: KindChildren}, 0)
	for _, q := range capture(t, s, fc, 200) {
		p := pathOf(t, q.body)
		if q.op != proto.OpGetChildren || !strings.HasPrefix(p, cfg.Root+"/kv/g") || strings.Count(p, "/") != 3 {
			t.Fatalf("children sent %v %s", q.op, p)
		}
	}
	s = offlineSession(cfg, fc, &kvWorker{sh: sh, kind: KindExists}, 0)
	for _, q := range capture(t, s, fc, 200) {
		if p := pathOf(t, q.body); q.op != proto.OpExists || strings.Count(p, "/") != 4 || !strings.Contains(p, "/k0") {
			t.Fatalf("exists sent %v %s", q.op, p)
		}
	}
}

func TestCreateNamesUniqueAndCleanedUp(t *testing.T) {
	cfg := offlineConfig(t, "create")
	cfg.Inflight = 8
	sh := offlineShared(cfg)
	fc := newFakeConn()
	w := newCreateWorker(sh, KindCreate, 0, 3)
	s := offlineSession(cfg, fc, w, 3)
	reqs := capture(t, s, fc, 100)
	if len(reqs) != 800 || w.n != 800 {
		t.Fatalf("%d creates, n=%d", len(reqs), w.n)
	}
	seen := map[string]bool{}
	for _, q := range reqs {
		var req proto.CreateRequest
		r := proto.NewReader(q.body)
		req.Decode(&r)
		p := string(req.Path)
		if q.op != proto.OpCreate || req.Flags != proto.FlagPersistent || len(req.Data) != cfg.ValueSize || len(req.ACL) != 1 {
			t.Fatalf("bad create %v %+v", q.op, req)
		}
		if !strings.HasPrefix(p, cfg.Root+"/cr/r0000abcd-s3-") || seen[p] {
			t.Fatalf("bad or repeated name %s", p)
		}
		seen[p] = true
	}
	// cleanup deletes exactly what was created
	var deleted []string
	fc.onReq = func(h proto.RequestHeader, body []byte) {
		if h.Type == proto.OpDelete {
			deleted = append(deleted, pathOf(t, body))
		}
	}
	if err := w.cleanup(s); err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 800 {
		t.Fatalf("cleanup deleted %d of 800", len(deleted))
	}
	for _, p := range deleted {
		if !seen[p] {
			t.Fatalf("cleanup deleted %s, never created", p)
		}
	}
}

func TestCreateDeletePairs(t *testing.T) {
	cfg := offlineConfig(t, "create-delete")
	cfg.Inflight = 4
	sh := offlineShared(cfg)
	fc := newFakeConn()
	w := newCreateWorker(sh, KindCreateDelete, 0, 0)
	s := offlineSession(cfg, fc, w, 0)
	reqs := capture(t, s, fc, 50)
	if len(reqs) != 200 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i := 0; i+1 < len(reqs); i += 2 {
		c, d := reqs[i], reqs[i+1]
		if c.op != proto.OpCreate || d.op != proto.OpDelete || pathOf(t, c.body) != pathOf(t, d.body) {
			t.Fatalf("request %d/%d: %v %s then %v %s", i, i+1, c.op, pathOf(t, c.body), d.op, pathOf(t, d.body))
		}
	}
	if s.hists[slotCreate].Count() != 100 || s.hists[slotDelete].Count() != 100 {
		t.Fatalf("recorded %d creates, %d deletes", s.hists[slotCreate].Count(), s.hists[slotDelete].Count())
	}
}

func TestMultiCarriesNCreates(t *testing.T) {
	cfg := offlineConfig(t, "multi:7")
	sh := offlineShared(cfg)
	fc := newFakeConn()
	// the fake server answers multi with an empty body; only the requests matter here
	w := newCreateWorker(sh, KindMulti, 7, 0)
	s := offlineSession(cfg, fc, w, 0)
	s.fill(s.run.now())
	var ops []proto.MultiOp
	fc.onReq = func(h proto.RequestHeader, body []byte) {
		if h.Type != proto.OpMulti {
			t.Fatalf("op %v", h.Type)
		}
		r := proto.NewReader(body)
		var err error
		if ops, err = proto.DecodeMulti(&r, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.conn.Flush()
	if len(ops) != 7 {
		t.Fatalf("%d ops in the multi", len(ops))
	}
	for i, op := range ops {
		want := cfg.Root + "/cr/r0000abcd-s0-" + strconv.Itoa(i)
		if op.Type != proto.OpCreate || string(op.Path) != want || len(op.Data) != cfg.ValueSize {
			t.Fatalf("op %d: %v %s", i, op.Type, op.Path)
		}
	}
}

func TestMultiError(t *testing.T) {
	ok := proto.AppendMultiResponse(nil, []proto.MultiResult{{Type: proto.OpCreate, Path: []byte("/a")}, {Type: proto.OpCreate, Path: []byte("/b")}})
	failed := proto.AppendMultiResponse(nil, []proto.MultiResult{
		{Type: proto.OpError, Err: proto.ErrOk}, {Type: proto.OpError, Err: proto.ErrNodeExists},
		{Type: proto.OpError, Err: proto.ErrRuntimeInconsistency}})
	var res []proto.MultiResult
	if got := multiError(ok, &res); got != proto.ErrOk {
		t.Fatalf("ok multi: %v", got)
	}
	if got := multiError(failed, &res); got != proto.ErrNodeExists {
		t.Fatalf("failed multi: %v", got)
	}
	if got := multiError([]byte{1, 2}, &res); got != proto.ErrMarshallingError {
		t.Fatalf("garbage: %v", got)
	}
}

func TestStridedCoversEveryIndexOnce(t *testing.T) {
	for _, kind := range []string{"load:1000", "delete"} {
		cfg := offlineConfig(t, kind)
		cfg.Keys = 1000
		cfg.Inflight = 16
		sh := offlineShared(cfg)
		seen := map[string]int{}
		const sessions = 7
		for j := 0; j < sessions; j++ {
			fc := newFakeConn()
			w := newWorker(cfg, sh, nil, nil, j, sessions)
			s := offlineSession(cfg, fc, w, j)
			for _, q := range capture(t, s, fc, 200) {
				seen[pathOf(t, q.body)]++
			}
			if !s.done {
				t.Fatalf("%s: session %d not done", kind, j)
			}
		}
		if len(seen) != 1000 {
			t.Fatalf("%s: %d distinct nodes, want 1000", kind, len(seen))
		}
		for p, n := range seen {
			if n != 1 {
				t.Fatalf("%s: %s sent %d times", kind, p, n)
			}
		}
		if kind == "load:1000" {
			if seen[LoadPath(cfg.Root, 999)] != 1 || seen[LoadPath(cfg.Root, 0)] != 1 {
				t.Fatalf("load paths: %v", LoadPath(cfg.Root, 999))
			}
		}
	}
}

// TestOpenLoopChargesFromIntendedTime: when the session falls behind its
// schedule, requests keep their scheduled send times, so the latency of a
// late request includes the wait (no coordinated omission).
func TestOpenLoopChargesFromIntendedTime(t *testing.T) {
	cfg := offlineConfig(t, "get")
	cfg.Rate = 1000 // one session: every 1 ms
	cfg.Inflight = 4
	sh := offlineShared(cfg)
	fc := newFakeConn()
	s := offlineSession(cfg, fc, &kvWorker{sh: sh, kind: KindGet}, 0)
	if s.interval != 1_000_000 {
		t.Fatalf("interval %d ns", s.interval)
	}
	// 10 ms late: only inflight requests may go, stamped 0, 1, 2, 3 ms
	s.fill(10_000_000)
	if s.n != 4 {
		t.Fatalf("%d outstanding, want the inflight cap 4", s.n)
	}
	for i := 0; i < 4; i++ {
		if st := s.ring[i].start; st != int64(i)*1_000_000 {
			t.Fatalf("request %d stamped %d, want %d", i, st, int64(i)*1_000_000)
		}
	}
	// completing them at 10 ms charges 10, 9, 8, 7 ms
	s.conn.Flush()
	s.conn.Fill()
	if err := s.frames(10_000_000); err != nil {
		t.Fatal(err)
	}
	h := s.hists[0]
	if h.Count() != 4 || h.Quantile(100) < 9_990 || h.Quantile(0) > 7_010 {
		t.Fatalf("latencies: count %d min %dµs max %dµs", h.Count(), h.Quantile(0), h.Quantile(100))
	}
	// nothing is due before the schedule says so
	sent(t, s)
	s.nextSend = 20_000_000
	s.fill(19_999_999)
	if s.n != 0 {
		t.Fatal("sent ahead of schedule")
	}
	s.fill(20_000_000)
	if s.n != 1 {
		t.Fatalf("%d sent when one is due", s.n)
	}
}

// TestHotLoopAllocatesNothing: one loop iteration (fill, one write, one
// read, decode and record every reply) allocates nothing in the steady
// state, for the request workloads.
func TestHotLoopAllocatesNothing(t *testing.T) {
	for _, wl := range []string{"get", "set", "exists", "children", "mixed:50", "create", "create-delete"} {
		cfg := offlineConfig(t, wl)
		cfg.Inflight = 16
		sh := offlineShared(cfg)
		fc := newFakeConn()
		w := newWorker(cfg, sh, nil, nil, 0, 1)
		s := offlineSession(cfg, fc, w, 0)
		iter := func() {
			now := s.run.now()
			s.fill(now)
			if err := s.conn.Flush(); err != nil {
				t.Fatal(err)
			}
			for fc.outPos < len(fc.out) {
				if err := s.conn.Fill(); err != nil {
					t.Fatal(err)
				}
				if err := s.frames(s.run.now()); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := 0; i < 200; i++ { // warm the buffers and the error map
			iter()
		}
		if allocs := testing.AllocsPerRun(500, iter); allocs != 0 {
			t.Errorf("%s: %.2f allocations per loop iteration (%d requests each)", wl, allocs, cfg.Inflight)
		}
		if len(s.errs) != 0 {
			t.Errorf("%s: errors %v", wl, s.errs)
		}
	}
}

func TestLayoutPaths(t *testing.T) {
	if got := string(appendPadded(nil, 42, 5)); got != "00042" {
		t.Fatal(got)
	}
	if got := string(appendPadded(nil, 123456, 3)); got != "123456" {
		t.Fatal(got)
	}
	if got := string(appendPadded(nil, 0, 1)); got != "0" {
		t.Fatal(got)
	}
	if got := string(appendKeyPath(nil, "/r/kv", 1234)); got != "/r/kv/g0000123/k000001234" {
		t.Fatal(got)
	}
	if got := LoadPath("", 199999); got != "/zen-bench/load/n000199999" {
		t.Fatal(got)
	}
	keys, groups := keyPaths("/kv", 25), groupPaths("/kv", 25)
	if len(keys) != 25 || len(groups) != 3 {
		t.Fatalf("%d keys, %d groups", len(keys), len(groups))
	}
	for i, k := range keys {
		if !bytes.HasPrefix(k, append(append([]byte(nil), groups[i/keysPerGroup]...), '/')) {
			t.Fatalf("key %s not under group %s", k, groups[i/keysPerGroup])
		}
	}
}
