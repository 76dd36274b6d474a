package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zen-coord/zen/proto"
)

// Run executes one benchmark run: setup on every server, the sessions
// through warm-up, measurement and drain, the workload's own checks and
// cleanup, and the result. It returns an error only when the run could not
// happen (bad config, a server unreachable for setup, a session that could
// not connect); errors during the run are counted in the result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	l := layout{root: cfg.Root, runID: fmt.Sprintf("%08x", rng.Uint32())}
	sh := &shared{cfg: &cfg, l: l, value: makeValue(cfg.ValueSize, rng)}
	started := time.Now()
	p := newProgress(&cfg)
	defer p.close()

	// Setup, on every server (they may be separate ensembles).
	p.status("setup")
	setups := make([]*Conn, len(cfg.Servers))
	defer func() {
		for _, c := range setups {
			if c != nil {
				c.Close(time.Second)
			}
		}
	}()
	for i, addr := range cfg.Servers {
		c, err := Dial(addr, cfg.DialTimeout, cfg.SessionTimeout)
		if err != nil {
			return nil, fmt.Errorf("connecting to %s: %w", addr, err)
		}
		setups[i] = c
	}
	var lsh *lockShared
	var fsh *fanoutShared
	for _, c := range setups {
		if err := setupWorkload(c, sh); err != nil {
			return nil, fmt.Errorf("setup on %s: %w", c.Addr, err)
		}
	}
	switch cfg.Workload.Kind {
	case KindGet, KindSet, KindExists, KindMixed:
		sh.keys = keyPaths(l.kvDir(), cfg.Keys)
	case KindChildren:
		sh.groups = groupPaths(l.kvDir(), cfg.Keys)
	case KindLock:
		lsh = &lockShared{dir: []byte(l.lockDir()), nodePath: []byte(l.lockDir() + "/lock-"),
			counter: []byte(l.counter()), counterOn: cfg.LockCounter, brokenFor: cfg.brokenLock}
	case KindWatchFanout:
		fsh = &fanoutShared{node: []byte(l.watchNode())}
		fsh.alive.Store(int32(cfg.watchers()))
	}

	// Sessions.
	p.status("connecting")
	run := &runState{cfg: &cfg}
	sessions, err := openSessions(run, sh, lsh, fsh, seed)
	if err != nil {
		return nil, err
	}
	p.sessions = sessions

	var wg sync.WaitGroup
	var loopsLeft atomic.Int32
	loopsDone := make(chan struct{})
	loopsLeft.Store(int32(len(sessions)))
	cleanupErrs := make([]error, len(sessions))
	churn := cfg.Workload.Kind == KindSessions
	if cfg.Warmup == 0 || cfg.Workload.Kind == KindLoad {
		run.phase.Store(phaseMeasure)
	}
	run.t0 = time.Now()
	p.run = run
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if churn {
				s.churnLoop()
			} else {
				s.loop()
			}
			if fsh != nil && i < cfg.watchers() {
				fsh.watcherDone()
			}
			if loopsLeft.Add(-1) == 0 {
				close(loopsDone)
			}
			if !churn {
				cleanupErrs[i] = s.close(callTimeout)
			}
		}()
	}
	p.start()

	wait := func(d time.Duration) {
		if d <= 0 {
			select {
			case <-ctx.Done():
			case <-loopsDone:
			}
			return
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-loopsDone:
		}
	}
	if run.phase.Load() == phaseWarmup {
		p.status("warmup")
		wait(cfg.Warmup)
		run.phase.Store(phaseMeasure)
	}
	p.status("measure")
	pids := cfg.PIDs
	tMeasure := run.now()
	selfBefore, _ := SampleProc(0)
	before := sampleAll(pids)
	if cfg.Workload.Kind == KindLoad {
		wait(0) // until every node is made
	} else {
		wait(cfg.Duration)
	}
	tStop := run.now()
	selfAfter, _ := SampleProc(0)
	after := sampleAll(pids)
	run.drain.Store(tStop + int64(cfg.DrainTimeout))
	run.phase.Store(phaseStop)
	for _, s := range sessions {
		if s.conn != nil {
			s.wake()
		}
	}
	p.status("drain+cleanup")
	wg.Wait()
	p.close()

	elapsed := float64(tStop-tMeasure) / 1e9
	res := buildResult(&cfg, sessions, elapsed)
	res.Started = started
	for _, e := range cleanupErrs {
		if e != nil {
			res.Warnings = append(res.Warnings, "cleanup: "+e.Error())
		}
	}
	for i := range res.PerServer {
		if len(pids) == 0 {
			break
		}
		sr := &res.PerServer[i]
		sr.PID = pids[i]
		if before[i].err != nil || after[i].err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("pid %d: %v", pids[i], errors.Join(before[i].err, after[i].err)))
			continue
		}
		sr.CPUSeconds = after[i].s.CPU - before[i].s.CPU
		sr.RSS = after[i].s.RSSBytes
		if n := rateCount(sr, &cfg); n > 0 {
			sr.CPUPerOp = sr.CPUSeconds / float64(n) * 1e6
		}
	}
	if len(pids) > 0 {
		var cpu float64
		for _, sr := range res.PerServer {
			cpu += sr.CPUSeconds
			res.ServerRSS += sr.RSS
		}
		if n := float64(res.Throughput) * elapsed; n > 0 {
			res.ServerCPUPerOp = cpu / n * 1e6
		}
	}
	res.Harness.CPUSeconds = selfAfter.CPU - selfBefore.CPU
	res.Harness.RSS = selfAfter.RSSBytes
	if elapsed > 0 {
		res.Harness.CPUPercent = res.Harness.CPUSeconds / elapsed * 100
	}
	if n := res.Throughput * elapsed; n > 0 {
		res.Harness.CPUPerOp = res.Harness.CPUSeconds / n * 1e6
	}

	// The workloads' own checks and cleanup.
	switch cfg.Workload.Kind {
	case KindLock:
		lr := &LockResult{Contenders: cfg.contenders(), Acquisitions: lsh.acquired.Load(),
			Increments: lsh.increments.Load(), Violations: lsh.violations.Load()}
		if cfg.LockCounter {
			data, _, code, err := getData(setups[0], l.counter())
			switch {
			case err != nil:
				res.Warnings = append(res.Warnings, "reading the lock counter: "+err.Error())
			case code != proto.ErrOk:
				res.Warnings = append(res.Warnings, "reading the lock counter: "+code.String())
			default:
				fmt.Sscan(string(data), &lr.Counter)
				if lr.Counter != lr.Increments {
					lr.Violations++
					res.Warnings = append(res.Warnings, fmt.Sprintf("lock counter is %d after %d increments under the lock", lr.Counter, lr.Increments))
				}
			}
		}
		if lr.Violations > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the lock was held twice (%d violations)", lr.Violations))
		}
		res.Lock = lr
		if !cfg.NoCleanup {
			for _, c := range setups {
				if err := errors.Join(deleteNode(c, l.lockDir()), deleteNode(c, l.counter())); err != nil {
					res.Warnings = append(res.Warnings, "cleanup: "+err.Error())
				}
			}
		}
	case KindWatchFanout:
		res.Fanout = &FanoutResult{Watchers: cfg.watchers(), Writes: fsh.writes.Load()}
		if !cfg.NoCleanup {
			for _, c := range setups {
				if err := deleteNode(c, l.watchNode()); err != nil {
					res.Warnings = append(res.Warnings, "cleanup: "+err.Error())
				}
			}
		}
	case KindLoad:
		res.Load = &LoadResult{Nodes: cfg.loadNodes(), Seconds: elapsed, LastPath: LoadPath(cfg.Root, cfg.loadNodes()-1)}
	}
	return res, nil
}

// makeValue returns the data written by set, create and load: printable,
// random, so compression in the server's log does not flatter it.
func makeValue(n int, rng *rand.Rand) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return b
}

// setupWorkload makes what the workload needs on one server.
func setupWorkload(c *Conn, sh *shared) error {
	cfg, l := sh.cfg, sh.l
	switch cfg.Workload.Kind {
	case KindGet, KindSet, KindExists, KindChildren, KindMixed:
		return setupKV(c, l, cfg.Keys, sh.value)
	case KindCreate, KindCreateDelete, KindMulti:
		return ensure(c, l.crDir())
	case KindDelete:
		if err := ensure(c, l.delDir()); err != nil {
			return err
		}
		prefix := l.delPrefix()
		return createMany(c, cfg.Keys, func(b []byte, i int) []byte {
			return appendDecimal(append(b, prefix...), i)
		}, sh.value, false)
	case KindLock:
		if err := ensure(c, l.lockDir()); err != nil {
			return err
		}
		if cfg.LockCounter {
			code, err := create(c, l.counter(), []byte("0"), proto.FlagPersistent)
			if err != nil {
				return err
			}
			if code == proto.ErrNodeExists {
				code, err = setData(c, l.counter(), []byte("0"))
			}
			if err == nil && code != proto.ErrOk {
				err = fmt.Errorf("create %s: %v", l.counter(), code)
			}
			return err
		}
	case KindWatchFanout:
		if err := ensure(c, l.watchDir()); err != nil {
			return err
		}
		code, err := create(c, l.watchNode(), sh.value, proto.FlagPersistent)
		if err == nil && code != proto.ErrOk && code != proto.ErrNodeExists {
			err = fmt.Errorf("create %s: %v", l.watchNode(), code)
		}
		return err
	case KindLoad:
		return ensure(c, l.loadDir())
	}
	return nil
}

func appendDecimal(b []byte, i int) []byte { return appendPadded(b, i, 1) }

// openSessions dials every session (a few at a time) and gives each its
// worker.
func openSessions(run *runState, sh *shared, lsh *lockShared, fsh *fanoutShared, seed uint64) ([]*session, error) {
	cfg := run.cfg
	n := cfg.Clients
	if cfg.Workload.Kind == KindWatchFanout {
		n = cfg.watchers() + 1 // the watchers, then the writer
	}
	slots := len(slotNames(cfg.Workload))
	sessions := make([]*session, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		server := i % len(cfg.Servers)
		if cfg.Workload.Kind == KindWatchFanout && i == n-1 {
			server = 0
		}
		w := newWorker(cfg, sh, lsh, fsh, i, n)
		if cfg.Workload.Kind == KindSessions {
			sessions[i] = newSession(i, server, nil, run, w, slots, seed)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := Dial(cfg.Servers[server], cfg.DialTimeout, cfg.SessionTimeout)
			if err != nil {
				errs[i] = fmt.Errorf("session %d to %s: %w", i, cfg.Servers[server], err)
				return
			}
			sessions[i] = newSession(i, server, c, run, w, slots, seed)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, s := range sessions {
			if s != nil && s.conn != nil {
				s.conn.Close(time.Second)
			}
		}
		return nil, err
	}
	if fsh != nil {
		fsh.writer.Store(sessions[n-1])
	}
	return sessions, nil
}

// newWorker makes session i's worker (of n sessions).
func newWorker(cfg *Config, sh *shared, lsh *lockShared, fsh *fanoutShared, i, n int) worker {
	switch k := cfg.Workload.Kind; k {
	case KindGet, KindSet, KindExists, KindChildren, KindMixed:
		return &kvWorker{sh: sh, kind: k, readPct: cfg.Workload.Param}
	case KindCreate, KindCreateDelete, KindMulti:
		return newCreateWorker(sh, k, cfg.Workload.Param, i)
	case KindDelete:
		return &stridedWorker{sh: sh, kind: k, i: i, stride: n, total: cfg.Keys, prefix: []byte(sh.l.delPrefix())}
	case KindLoad:
		return &stridedWorker{sh: sh, kind: k, i: i, stride: n, total: cfg.loadNodes(), prefix: []byte(sh.l.loadDir() + "/n")}
	case KindLock:
		return newLockWorker(lsh, cfg.Inflight)
	case KindWatchFanout:
		if i == n-1 {
			return &writerWorker{sh: sh, fs: fsh}
		}
		return &watcherWorker{sh: fsh, needArm: true}
	case KindSessions:
		return nil
	}
	panic("bench: no worker for " + cfg.Workload.String())
}

type procReading struct {
	s   ProcSample
	err error
}

func sampleAll(pids []int) []procReading {
	out := make([]procReading, len(pids))
	for i, pid := range pids {
		out[i].s, out[i].err = SampleProc(pid)
	}
	return out
}

// rateCount is the number of headline ops a server result represents.
func rateCount(sr *ServerResult, cfg *Config) int64 {
	rate, _ := primarySlots(cfg.Workload)
	names := slotNames(cfg.Workload)
	var n int64
	for _, i := range rate {
		n += sr.Ops[names[i]].Count
	}
	return n
}

// buildResult merges the sessions' histograms and counters, per server
// and in total.
func buildResult(cfg *Config, sessions []*session, elapsed float64) *Result {
	names := slotNames(cfg.Workload)
	rateSlots, latSlots := primarySlots(cfg.Workload)
	label := cfg.Label
	if label == "" {
		label = strings.Join(cfg.Servers, ",")
	}
	res := &Result{
		Label: label, Case: caseName(cfg), Workload: cfg.Workload.String(), Servers: cfg.Servers,
		Clients: cfg.Clients, Inflight: cfg.Inflight, Rate: cfg.Rate, ValueSize: cfg.ValueSize, Keys: cfg.Keys,
		Warmup: cfg.Warmup.Seconds(), Duration: cfg.Duration.Seconds(), Elapsed: elapsed,
		Primary: primaryName(cfg.Workload),
		Machine: machine(),
	}
	summarize := func(keep func(*session) bool) (map[string]Stats, map[string]int64, float64, Stats, int) {
		hs := make([]*Hist, len(names))
		for i := range hs {
			hs[i] = NewHist()
		}
		errs := map[string]int64{}
		count := 0
		for _, s := range sessions {
			if !keep(s) {
				continue
			}
			count++
			for i, h := range s.hists {
				hs[i].Merge(h)
			}
			for code, n := range s.errs {
				errs[code.String()] += n
			}
			if s.connErr != nil {
				errs["connection"]++
			}
		}
		ops := make(map[string]Stats, len(names)+1)
		for i, n := range names {
			ops[n] = hs[i].Stats(elapsed)
		}
		var n int64
		for _, i := range rateSlots {
			n += hs[i].Count()
		}
		lat := NewHist()
		for _, i := range latSlots {
			lat.Merge(hs[i])
		}
		latStats := lat.Stats(elapsed)
		if len(latSlots) > 1 {
			ops["all"] = latStats
		}
		var tput float64
		if elapsed > 0 {
			tput = float64(n) / elapsed
		}
		if len(errs) == 0 {
			errs = nil
		}
		return ops, errs, tput, latStats, count
	}
	res.Ops, res.Errors, res.Throughput, res.Latency, _ = summarize(func(*session) bool { return true })
	for i, addr := range cfg.Servers {
		var sr ServerResult
		sr.Addr = addr
		sr.Series = label
		if len(cfg.Servers) > 1 {
			sr.Series = label + " " + addr
			if cfg.Label == "" {
				sr.Series = addr
			}
		}
		sr.Ops, sr.Errors, sr.Throughput, sr.Latency, sr.Sessions = summarize(func(s *session) bool { return s.server == i })
		res.PerServer = append(res.PerServer, sr)
	}
	for _, s := range sessions {
		if s.connErr != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("session %d (%s): %v", s.id, cfg.Servers[s.server], s.connErr))
		}
	}
	return res
}

func machine() Machine {
	h, _ := os.Hostname()
	return Machine{Host: h, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
}
