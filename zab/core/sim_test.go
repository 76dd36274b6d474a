package core

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The seeded simulation: N cores over a simulated network (delays, drops,
// duplicates, reordering, partitions) and simulated disks (a crash loses
// what was not yet persisted, possibly half of a Ready), with client
// proposals, crashes, restarts, snapshots and log purges, all drawn from
// one seed. After a chaos phase every fault heals and the ensemble must
// elect a leader and commit a probe on every server within a bound.
//
//	go test -run Sim                     # the default short run
//	go test -run Sim -seeds=5000         # more seeds
//	go test -run Sim -seed=N -v          # replay one seed, with its trace
var (
	flagSeed  = flag.Int64("seed", -1, "simulation: run only this seed")
	flagSeeds = flag.Int("seeds", 0, "simulation: number of seeds to run (0: short default)")
	flagSteps = flag.Int("steps", 0, "simulation: chaos steps per seed (0: default)")
	flagFirst = flag.Int64("first-seed", 1, "simulation: first seed of the run")
)

func TestSim(t *testing.T) {
	if *flagSeed >= 0 {
		if err := runSim(*flagSeed, *flagSteps, testing.Verbose()); err != nil {
			t.Fatalf("seed %d: %v", *flagSeed, err)
		}
		return
	}
	n := *flagSeeds
	if n == 0 {
		n = 200 // about 20s under -race
		if testing.Short() {
			n = 20
		}
	}
	start := time.Now()
	failed := 0
	for s := *flagFirst; s < *flagFirst+int64(n); s++ {
		t0 := time.Now()
		err := runSim(s, *flagSteps, false)
		if d := time.Since(t0); d > 5*time.Second {
			t.Logf("seed %d took %v", s, d)
		}
		if err != nil {
			failed++
			t.Errorf("seed %d: %v\nreplay: go test ./zab/core -run Sim -seed=%d -v", s, err, s)
			if failed >= 3 {
				break
			}
		}
	}
	t.Logf("%d seeds in %v", n, time.Since(start))
}

// simParams vary with the seed.
type simParams struct {
	voters, observers int
	chaosSteps        int
	drop, dup         float64 // per message
	reorder           float64 // per message: may overtake earlier ones
	replay            float64 // per message: a copy arrives much later
	crash, partition  float64 // per step
	maxDelay          int     // steps
	maxDiff           int
	maxMsgEntries     int
	diskDelay         int // steps
}

const tickEvery = 10 // steps per tick

type sim struct {
	*env
	rng    *rand.Rand
	p      simParams
	now    int
	net    []simMsg
	linkAt map[[2]int64]int // last delivery time per link (FIFO)
	// per node: steps per tick, snapshot requests being prepared
	tickPeriod map[int64]int
	snapReqs   map[int64][]simSnapReq
	seq        int
	verbose    bool
	trace      []string
	downAt     map[int64]int // down node → restart step
	partEnd    int
	txn        int
	// promised: per epoch, the highest zxid a quorum of synced voters
	// acknowledged to the epoch's established leader.
	promised map[int64]int64
	checked  map[int64]bool // epochs whose leader was checked
	healed   bool
	quiet    bool // no more client proposals
}

type simMsg struct {
	at, seq int
	m       Message
}

type simPending struct {
	rd     Ready
	doneAt int
}

func runSim(seed int64, steps int, verbose bool) (err error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	p := simParams{
		voters:     3 + 2*rng.IntN(2),
		observers:  1,
		chaosSteps: 4000,
		maxDelay:   1 + rng.IntN(20),
		maxDiff:    []int{-1, 8, 50}[rng.IntN(3)],
		diskDelay:  []int{1, 8, 30}[rng.IntN(3)],
	}
	if rng.IntN(3) == 0 {
		p.maxMsgEntries = 3
	}
	if steps > 0 {
		p.chaosSteps = steps
	}
	if rng.IntN(4) > 0 {
		p.drop = []float64{0.005, 0.02, 0.1}[rng.IntN(3)]
		p.dup = []float64{0, 0.01, 0.05}[rng.IntN(3)]
		p.reorder = []float64{0, 0.01, 0.05}[rng.IntN(3)]
		p.replay = []float64{0, 0.01, 0.05}[rng.IntN(3)]
	}
	p.crash = []float64{0, 0.0005, 0.002, 0.005, 0.01}[rng.IntN(5)]
	p.partition = []float64{0, 0.0005, 0.002}[rng.IntN(3)]

	s := &sim{env: newEnv(), rng: rng, p: p, verbose: verbose, downAt: map[int64]int{}, promised: map[int64]int64{}, checked: map[int64]bool{}, linkAt: map[[2]int64]int{},
		tickPeriod: map[int64]int{}, snapReqs: map[int64][]simSnapReq{}}
	s.cfg = Config{InitLimit: 10, SyncLimit: 5, ElectionTicks: 2, PingTicks: 1, MaxDiffEntries: p.maxDiff,
		MaxMsgEntries: p.maxMsgEntries,
		Logger:        func(format string, args ...any) { s.logf(format, args...) }}
	for i := 1; i <= p.voters; i++ {
		s.voters = append(s.voters, int64(i))
	}
	for i := 0; i < p.observers; i++ {
		s.obs = append(s.obs, int64(p.voters+1+i))
	}
	s.out = &strings.Builder{}
	s.logf("seed %d params %+v", seed, p)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
		if err != nil {
			err = fmt.Errorf("%w\n--- trace (last %d events) ---\n%s", err, len(s.trace), strings.Join(s.trace, "\n"))
		}
	}()
	for _, id := range append(slices.Clone(s.voters), s.obs...) {
		// Clocks run at slightly different rates.
		s.tickPeriod[id] = tickEvery - 2 + rng.IntN(5)
		t := &tnode{id: id, log: NewMemLog(), seed: uint64(seed)<<8 | uint64(id)}
		s.nodes[id] = t
		if err := s.boot(t); err != nil {
			return err
		}
	}
	for s.now = 0; s.now < p.chaosSteps; s.now++ {
		s.chaos()
		if err := s.step(); err != nil {
			return err
		}
	}
	return s.liveness()
}

func (s *sim) logf(format string, args ...any) {
	line := fmt.Sprintf("%6d ", s.now) + fmt.Sprintf(format, args...)
	if s.verbose {
		fmt.Println(line)
	}
	s.trace = append(s.trace, line)
	if len(s.trace) > 400 {
		s.trace = s.trace[len(s.trace)-300:]
	}
}

func (s *sim) chance(p float64) bool { return p > 0 && s.rng.Float64() < p }

// chaos injects faults.
func (s *sim) chaos() {
	for _, id := range s.ids() {
		t := s.nodes[id]
		if t.n == nil {
			if s.now >= s.downAt[id] {
				s.restart(t)
			}
			continue
		}
		if s.chance(s.p.crash) {
			s.crashNode(t)
		}
	}
	if s.partEnd > 0 && s.now >= s.partEnd {
		clear(s.parts)
		s.partEnd = 0
		s.logf("heal")
	}
	if s.partEnd == 0 && s.chance(s.p.partition) {
		var desc []string
		for _, id := range s.ids() {
			g := s.rng.IntN(2)
			s.parts[id] = g
			desc = append(desc, fmt.Sprintf("%d:%d", id, g))
		}
		s.partEnd = s.now + 100 + s.rng.IntN(1500)
		s.logf("partition %s until %d", strings.Join(desc, " "), s.partEnd)
	}
}

type simSnapReq struct {
	req SnapshotRequest
	at  int
}

// answerSnapshots reports the snapshots t's driver has ready.
func (s *sim) answerSnapshots(t *tnode) {
	reqs := s.snapReqs[t.id]
	k := 0
	for _, r := range reqs {
		switch {
		case r.at > s.now:
			reqs[k] = r
			k++
		case s.rng.IntN(10) == 0:
			t.n.ReportSnapshot(r.req, 0, false)
		default:
			t.sent[r.req.Conn] = slices.Clone(t.sm)
			t.n.ReportSnapshot(r.req, t.applied, true)
		}
	}
	s.snapReqs[t.id] = reqs[:k]
}

func (s *sim) crashNode(t *tnode) {
	delete(s.snapReqs, t.id)
	// A crash keeps every persisted Ready, and may keep a prefix of the
	// ones in flight, down to part of one Ready's operations.
	k := s.rng.IntN(len(t.pending) + 1)
	for _, p := range t.pending[:k] {
		s.writeDisk(t, p, 4)
	}
	if k < len(t.pending) {
		s.writeDisk(t, t.pending[k], s.rng.IntN(4))
	}
	s.logf("crash %d (%d pending, %d kept)", t.id, len(t.pending), k)
	s.crash(t)
	s.downAt[t.id] = s.now + 20 + s.rng.IntN(600)
}

// writeDisk performs the first ops operations of rd on t's disk (install,
// truncate, append, hard state), without applying or advancing.
func (s *sim) writeDisk(t *tnode, rd Ready, ops int) {
	if err := checkWrites(t, &rd); err != nil {
		panic(err)
	}
	if ops > 0 && rd.Install != nil {
		t.snapZ = rd.Install.Zxid
		t.snapSM = slices.Clone(rd.Install.Data.([]Entry))
		t.log.Reset(rd.Install.Zxid)
	}
	if ops > 1 && rd.Truncate {
		if err := t.log.TruncateAfter(rd.TruncateAfter); err != nil {
			panic(err)
		}
	}
	if ops > 2 {
		if err := t.log.Append(rd.Entries); err != nil {
			panic(err)
		}
	}
	if ops > 3 && rd.HardState != nil {
		t.hs = *rd.HardState
	}
}

func (s *sim) restart(t *tnode) {
	delete(s.downAt, t.id)
	if err := s.boot(t); err != nil {
		panic(err)
	}
	t.lastCommit = t.applied
	s.logf("restart %d: acc=%d cur=%d log=%s..%s applied=%s", t.id, t.hs.AcceptedEpoch, t.hs.CurrentEpoch,
		FormatZxid(t.log.Base()), FormatZxid(t.log.LastZxid()), FormatZxid(t.applied))
}

// step runs one unit of simulated time.
func (s *sim) step() error {
	// Network.
	var due []simMsg
	k := 0
	for _, sm := range s.net {
		if sm.at <= s.now {
			due = append(due, sm)
		} else {
			s.net[k] = sm
			k++
		}
	}
	s.net = s.net[:k]
	slices.SortFunc(due, func(a, b simMsg) int { return (a.at-b.at)*1<<20 + (a.seq - b.seq) })
	for _, sm := range due {
		m := sm.m
		t := s.nodes[m.To]
		if t.n == nil || s.cut(m.From, m.To) {
			continue
		}
		if s.verbose && m.Type != MsgPing && m.Type != MsgVote {
			s.logf("recv %s", fmtMsg(m))
		}
		if err := t.n.Step(m); err != nil {
			return err
		}
	}
	// Workload.
	if !s.quiet {
		if s.rng.IntN(6) == 0 {
			s.propose()
		}
		if s.rng.IntN(40) == 0 {
			s.sendApp()
		}
	}
	if s.rng.IntN(500) == 0 {
		s.snapshotSomeone()
	}
	// Drivers.
	for _, id := range s.ids() {
		t := s.nodes[id]
		if t.n == nil {
			continue
		}
		if (s.now+int(id))%s.tickPeriod[id] == 0 {
			t.n.Tick()
		}
		s.answerSnapshots(t)
		if t.n.HasReady() {
			if err := s.ready(t); err != nil {
				return err
			}
		}
		for t.n != nil && len(t.pending) > 0 && t.pendingDone[0] <= s.now {
			rd := t.pending[0]
			t.pending = t.pending[1:]
			t.pendingDone = t.pendingDone[1:]
			if err := s.persist(t, rd); err != nil {
				return err
			}
		}
	}
	if len(s.net) > 50000 {
		hist := map[string]int{}
		for _, sm := range s.net {
			hist[fmt.Sprintf("%d->%d %v", sm.m.From, sm.m.To, sm.m.Type)]++
		}
		return fmt.Errorf("message storm: %d messages in flight: %v", len(s.net), hist)
	}
	return s.check()
}

func (s *sim) ready(t *tnode) error {
	rd := t.n.Ready()
	if rd.Commit < t.lastCommit {
		return fmt.Errorf("node %d: commit went back from %s to %s", t.id, FormatZxid(t.lastCommit), FormatZxid(rd.Commit))
	}
	t.lastCommit = rd.Commit
	if rd.SoftState != nil {
		s.logf("%d: %s", t.id, fmtSoft(*rd.SoftState))
	}
	if rd.Install != nil || rd.Truncate {
		s.logf("%d: install=%v trunc=%v/%s", t.id, rd.Install != nil, rd.Truncate, FormatZxid(rd.TruncateAfter))
	}
	for _, m := range rd.Messages {
		if err := s.checkSend(t, m); err != nil {
			return err
		}
		if m.Type == MsgSnap {
			m.Snapshot = slices.Clone(t.sent[m.Conn])
		}
		if m.Type != MsgPing && (m.Type != MsgVote || s.verbose) {
			s.logf("send %s", fmtMsg(m))
		}
		s.enqueue(m)
		if s.chance(s.p.dup) {
			s.enqueue(m)
		}
	}
	for _, req := range rd.SnapshotRequests {
		// The driver takes a while to produce the snapshot.
		s.snapReqs[t.id] = append(s.snapReqs[t.id], simSnapReq{req: req, at: s.now + s.rng.IntN(30)})
	}
	t.pending = append(t.pending, rd)
	done := s.now
	if rd.MustPersist() {
		done += s.rng.IntN(s.p.diskDelay)
	}
	if n := len(t.pendingDone); n > 0 {
		done = max(done, t.pendingDone[n-1])
	}
	t.pendingDone = append(t.pendingDone, done)
	return nil
}

// enqueue sends m over its link. Links are FIFO (a TCP connection), except
// that during the chaos phase a message may overtake others (reorder).
func (s *sim) enqueue(m Message) {
	if !s.healed && s.chance(s.p.drop) {
		return
	}
	s.seq++
	at := s.now + 1 + s.rng.IntN(s.p.maxDelay)
	link := [2]int64{m.From, m.To}
	if s.healed || !s.chance(s.p.reorder) {
		at = max(at, s.linkAt[link])
		s.linkAt[link] = at
	}
	s.net = append(s.net, simMsg{at: at, seq: s.seq, m: m})
	if !s.healed && s.chance(s.p.replay) {
		// An old copy resurfaces long after (a stale connection's buffer).
		s.seq++
		s.net = append(s.net, simMsg{at: s.now + 50 + s.rng.IntN(500), seq: s.seq, m: m})
	}
}

// checkSend: messages that depend on persistence only leave once the
// sender's disk holds what they claim.
func (s *sim) checkSend(t *tnode, m Message) error {
	switch m.Type {
	case MsgAck:
		if t.hs.CurrentEpoch != m.Epoch {
			return fmt.Errorf("node %d: ACK %s with durable current epoch %d, session epoch %d",
				t.id, FormatZxid(m.Zxid), t.hs.CurrentEpoch, m.Epoch)
		}
		if f, err := t.log.Floor(m.Zxid); err == nil && f != m.Zxid || t.log.LastZxid() < m.Zxid {
			return fmt.Errorf("node %d: ACK %s before its log holds it (last %s)", t.id, FormatZxid(m.Zxid), FormatZxid(t.log.LastZxid()))
		}
	case MsgAckEpoch:
		if t.hs.AcceptedEpoch < m.Epoch || t.hs.CurrentEpoch < m.CurrentEpoch {
			return fmt.Errorf("node %d: ACKEPOCH e%d cur=%d with durable epochs %+v", t.id, m.Epoch, m.CurrentEpoch, t.hs)
		}
	case MsgLeaderInfo:
		if t.hs.AcceptedEpoch < m.Epoch {
			return fmt.Errorf("node %d: LEADERINFO e%d with durable accepted epoch %d", t.id, m.Epoch, t.hs.AcceptedEpoch)
		}
	case MsgVote:
		if m.State != Looking || m.Vote.Leader != t.id {
			break
		}
		if f, err := t.log.Floor(m.Vote.Zxid); m.Vote.Epoch > t.hs.CurrentEpoch || err != nil || f != m.Vote.Zxid {
			return fmt.Errorf("node %d: vote %v beyond its disk", t.id, m.Vote)
		}
	}
	return nil
}

func (s *sim) leader() *tnode {
	for _, id := range s.ids() {
		t := s.nodes[id]
		if t.n != nil && t.n.state == Leading && t.n.lead.established {
			return t
		}
	}
	return nil
}

func (s *sim) propose() {
	var ls []*tnode
	for _, id := range s.ids() {
		t := s.nodes[id]
		if t.n != nil && t.n.state == Leading && t.n.lead.established {
			ls = append(ls, t)
		}
	}
	if len(ls) == 0 {
		return
	}
	t := ls[s.rng.IntN(len(ls))]
	batch := make([][]byte, 1+s.rng.IntN(3))
	for i := range batch {
		s.txn++
		batch[i] = fmt.Appendf(nil, "t%d", s.txn)
	}
	first, last, err := t.n.Propose(batch)
	if err != nil {
		s.logf("%d: propose: %v", t.id, err)
		return
	}
	s.logf("%d: propose %s..%s", t.id, FormatZxid(first), FormatZxid(last))
}

func (s *sim) sendApp() {
	ids := s.ids()
	t := s.nodes[ids[s.rng.IntN(len(ids))]]
	if t.n == nil {
		return
	}
	to := ids[s.rng.IntN(len(ids))]
	_ = t.n.SendApp(to, []byte("app"))
}

func (s *sim) snapshotSomeone() {
	ids := s.ids()
	t := s.nodes[ids[s.rng.IntN(len(ids))]]
	if t.n == nil || t.applied <= t.snapZ {
		return
	}
	t.snapZ, t.snapSM = t.applied, slices.Clone(t.sm)
	t.log.Compact(t.applied)
	s.logf("%d: snapshot+purge at %s", t.id, FormatZxid(t.applied))
}

// check verifies the invariants that must hold after every step.
func (s *sim) check() error {
	if err := s.checkLeaders(); err != nil {
		return err
	}
	for _, id := range s.ids() {
		t := s.nodes[id]
		if t.n == nil || t.n.state != Leading || !t.n.lead.established {
			continue
		}
		l := t.n.lead
		for id := range l.synced {
			if !t.n.isVoter(id) {
				return fmt.Errorf("leader %d counts observer %d towards its quorum", t.id, id)
			}
		}
		for id := range l.acks {
			if !t.n.isVoter(id) {
				return fmt.Errorf("leader %d counts acks of observer %d", t.id, id)
			}
		}
		// Record what a quorum has acknowledged in this epoch.
		var vals []int64
		for _, v := range s.voters {
			if l.synced[v] {
				vals = append(vals, l.acks[v])
			}
		}
		if len(vals) >= t.n.quorum {
			slices.Sort(vals)
			q := vals[len(vals)-t.n.quorum]
			if q > s.promised[l.epoch] {
				s.promised[l.epoch] = q
			}
		}
		if !s.checked[l.epoch] {
			s.checked[l.epoch] = true
			// A newly established leader holds everything promised before.
			for ep, z := range s.promised {
				if ep >= l.epoch {
					continue
				}
				has, err := t.n.log.contains(z)
				if err == ErrCompacted {
					has = true // below its snapshot: checked through applies
				}
				if !has {
					return fmt.Errorf("leader %d of epoch %d lacks %s, acknowledged by a quorum in epoch %d",
						t.id, l.epoch, FormatZxid(z), ep)
				}
			}
		}
	}
	if s.now%50 == 0 {
		return s.checkLogs()
	}
	return nil
}

// checkLogs: every applied entry still in a log matches the ensemble's
// committed sequence.
func (s *sim) checkLogs() error {
	byZxid := s.committedData
	for _, id := range s.ids() {
		t := s.nodes[id]
		for _, en := range t.log.ents {
			if en.Zxid > t.applied {
				break
			}
			if d, ok := byZxid[en.Zxid]; !ok || d != string(en.Data) {
				return fmt.Errorf("node %d: log entry %s=%q at or below its applied %s is not the committed one",
					id, FormatZxid(en.Zxid), en.Data, FormatZxid(t.applied))
			}
		}
	}
	return nil
}

// liveness heals everything and requires a leader, every server synced
// to it, and a probe committed and applied everywhere within a bound.
func (s *sim) liveness() error {
	s.healed = true
	clear(s.parts)
	s.partEnd = 0
	for _, id := range s.ids() {
		if s.nodes[id].n == nil {
			s.restart(s.nodes[id])
		}
	}
	s.logf("healed")
	const bound = 400 * tickEvery
	deadline := s.now + bound
	var probe int64
	for ; s.now < deadline; s.now++ {
		if err := s.step(); err != nil {
			return err
		}
		l := s.leader()
		if l == nil {
			continue
		}
		all := true
		for _, id := range s.ids() {
			st := s.nodes[id].n.softState()
			if id != l.id && (!st.Synced || st.Leader != l.id) {
				all = false
			}
		}
		if !all {
			continue
		}
		if probe != 0 && EpochOf(probe) != l.n.lead.epoch {
			probe = 0 // its leader lost office; it may be gone with it
		}
		if probe == 0 {
			_, last, err := l.n.Propose([][]byte{[]byte("probe")})
			if err != nil {
				return err
			}
			probe = last
			s.quiet = true
			s.logf("%d: probe %s", l.id, FormatZxid(probe))
			continue
		}
		done := true
		for _, id := range s.ids() {
			if s.nodes[id].applied < max(probe, s.promised[l.n.lead.epoch]) {
				done = false
			}
		}
		if done {
			// Everything promised is applied everywhere.
			for ep, z := range s.promised {
				found := false
				for _, en := range s.committed {
					if en.Zxid == z {
						found = true
					}
				}
				if !found {
					return fmt.Errorf("zxid %s acknowledged by a quorum in epoch %d was never committed", FormatZxid(z), ep)
				}
			}
			return s.checkLogs()
		}
	}
	var st strings.Builder
	for _, id := range s.ids() {
		n := s.nodes[id].n
		fmt.Fprintf(&st, "\n  %d: %s commit=%s last=%s", id, fmtSoft(n.softState()), FormatZxid(n.commit), FormatZxid(n.log.lastZxid()))
		if n.learn != nil {
			fmt.Fprintf(&st, " learner phase=%d conn=%x recv#%d sent#%d held=%d", n.learn.phase, n.learn.conn, n.learn.recvSeq, n.learn.sendSeq, len(n.held))
		}
		if n.lead != nil {
			for _, p := range n.sortedPeers() {
				fmt.Fprintf(&st, "\n     peer %d %v conn=%x recv#%d sent#%d next=%s", p.id, p.phase, p.conn, p.recvSeq, p.sendSeq, FormatZxid(p.next))
			}
		}
	}
	return fmt.Errorf("no progress within %d ticks after healing (probe %s)%s", bound/tickEvery, FormatZxid(probe), st.String())
}
