package zab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/zen-coord/zen/wal"
	"github.com/zen-coord/zen/zab/core"
)

// WAL is what the driver needs of the durable log; *wal.Log implements it.
type WAL interface {
	Base() int64
	LastZxid() int64
	Floor(zxid int64) (int64, error)
	Entries(after int64, max int) ([]wal.Entry, error)
	Append(batch []wal.Entry) error
	TruncateAfter(zxid int64) error
	Reset(base int64) error
	SetMeta(key string, val []byte) error
	Meta(key string) ([]byte, bool, error)
	ImportSnapshot(raw []byte) (int64, error)
}

// Net is the peer transport; *Transport implements it. A standalone server
// has none.
type Net interface {
	Send(m core.Message, snapshot []byte)
	Recv() <-chan Inbound
	Down() <-chan int64
}

// StateMachine is the engine side of the driver.
type StateMachine interface {
	// Apply receives committed proposals in zxid order, on the committer
	// goroutine. Ctx is the proposer's, for proposals this server made in
	// its current leadership, else nil. It must not retain the slice.
	Apply(batch []Proposal)
	// Install replaces the state by the snapshot at zxid, which the driver
	// has already imported into the WAL's snapshot directory. It runs on
	// the committer goroutine, ordered with Apply.
	Install(zxid int64) error
	// Snapshot makes a snapshot of the applied state (fuzzy is fine) and
	// returns its zxid and raw file bytes, to be sent to a syncing peer.
	// It runs on its own goroutine.
	Snapshot() (zxid int64, raw []byte, err error)
	// State reports a role change, on the driver goroutine (must not
	// block). When this server has just become an established leader,
	// gen is the new leadership generation and next the zxid its first
	// proposal must carry; proposals are accepted only under the current
	// generation.
	//
	// caughtUp is the zxid the state machine must have applied before it
	// serves clients in this role: a leader's whole log (everything in it
	// is committed as the leadership is established), a learner's commit
	// point when it got UPTODATE.
	State(st core.SoftState, gen uint64, next int64, caughtUp int64)
	// App delivers an engine payload from a peer, on the driver goroutine
	// (must not block). On a learner, commit is the leader's commit point
	// when it sent the payload.
	App(from int64, payload []byte, commit int64)
}

// Proposal is one txn travelling through the pipeline.
type Proposal struct {
	Zxid int64
	Data []byte // encoded txn (header + body), immutable once proposed
	Ctx  any    // the proposer's state for the request; opaque to zab
}

// Batch is what the proposer hands the driver: consecutive proposals made
// under one leadership generation.
type Batch struct {
	Gen   uint64
	Props []Proposal
}

// Config of a Driver.
type Config struct {
	ID        int64
	Voters    []int64
	Observers []int64
	Log       WAL
	Net       Net // nil: standalone (the only voter)
	// Tick is the core's clock (a fraction of tickTime). InitLimit and
	// SyncLimit are in those ticks.
	Tick      time.Duration
	InitLimit int
	SyncLimit int
	// MaxDiffEntries: a learner further behind than this many entries is
	// synced by a snapshot (0: the core's default).
	MaxDiffEntries int
	// Applied is the zxid of the snapshot the state machine was loaded
	// from (0: none).
	Applied int64
	SM      StateMachine
	// OnFatal is called when the log fails; the driver stops.
	OnFatal func(error)
	Logf    func(format string, args ...any)
	Metrics *metrics.Set
	Seed    int64
}

// metaHardState names the persisted core.HardState.
const metaHardState = "zab.hardstate"

// Status is the driver's published view, for 4lw and metrics.
type Status struct {
	core.SoftState
	LastZxid int64
	Commit   int64
	Peers    map[int64]core.PeerStatus
	Learners int // connected, synced learners (leader)
}

// Driver owns a core.Node: one goroutine steps it, a persister makes its
// writes durable in order (merging consecutive appends into one fsync), a
// committer applies committed entries.
type Driver struct {
	cfg  Config
	node *core.Node
	log  *walLog

	proposeCh chan Batch
	appCh     chan appOut
	persisted chan []readyItem
	snapDone  chan snapResult
	stop      chan struct{}
	done      chan struct{}

	// driver goroutine state
	soft       core.SoftState
	gen        uint64
	ctxs       map[int64]any // zxid → Ctx of this leadership's proposals
	pending    []Proposal    // persisted, not yet dispatched to the committer
	dispatched int64         // last zxid handed to the committer
	backlogEnd int64         // entries in (dispatched, backlogEnd] are only in the WAL
	inflight   int           // Readys handed to the persister, not yet advanced
	snapshots  map[uint64][]byte

	persistQ chan []readyItem
	barriers int // installs/truncations handed to the persister, not yet durable
	commitQ  chan commitItem
	wg       sync.WaitGroup
	failed   atomic.Bool

	status atomic.Pointer[Status]
	// commitSeen is the highest commit point this server has acted on or
	// announced (a leader's COMMIT, INFORM and UPTODATE messages included),
	// stored before any such message leaves. See CommitPoint.
	commitSeen atomic.Int64

	mBatch     *metrics.Histogram
	mAck       map[int64]*metrics.Histogram // per voter: proposal → its ack
	sent       []batchTime                  // recent batches, oldest first, for ack timing
	ackedBy    map[int64]int64              // per voter: highest zxid whose ack was timed
	mPersist   *metrics.Histogram
	mCommitLag *metrics.Histogram
	mElections *metrics.Counter
	proposedAt map[int64]time.Time // first zxid of a batch → when it was proposed
}

// batchTime is when a proposal batch (ending at last) was handed to the
// core.
type batchTime struct {
	last int64
	at   time.Time
}

// maxTimedBatches bounds the batches kept for ack timing.
const maxTimedBatches = 4096

type appOut struct {
	to      int64
	payload []byte
}

type snapResult struct {
	req  core.SnapshotRequest
	zxid int64
	raw  []byte
	err  error
}

// readyItem is a Ready on its way through the persister; early says its
// commit and app payloads were already handled (see pump).
type readyItem struct {
	rd    core.Ready
	early bool
}

type commitItem struct {
	install int64 // >0: Install(install) before the batch
	batch   []Proposal
}

// ErrStopped is returned by calls on a stopped driver.
var ErrStopped = errors.New("zab: driver stopped")

// maxInflight bounds the Readys waiting for the persister.
const maxInflight = 64

// New builds the core from the log's durable state. Start runs it.
func New(cfg Config) (*Driver, error) {
	if cfg.Tick <= 0 {
		cfg.Tick = 100 * time.Millisecond
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	var hs core.HardState
	if b, ok, err := cfg.Log.Meta(metaHardState); err != nil {
		return nil, fmt.Errorf("zab: reading hard state: %w", err)
	} else if ok && len(b) == 16 {
		hs.AcceptedEpoch = int64(binary.BigEndian.Uint64(b))
		hs.CurrentEpoch = int64(binary.BigEndian.Uint64(b[8:]))
	} else if last := cfg.Log.LastZxid(); last > 0 {
		// A log written before hard state existed: its epochs are accepted.
		hs.AcceptedEpoch, hs.CurrentEpoch = core.EpochOf(last), core.EpochOf(last)
	}
	lg := &walLog{w: cfg.Log}
	node, err := core.NewNode(core.Config{
		ID:             cfg.ID,
		Voters:         cfg.Voters,
		Observers:      cfg.Observers,
		Log:            lg,
		HardState:      hs,
		Applied:        cfg.Applied,
		Rand:           rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(cfg.ID)^uint64(time.Now().UnixNano()))),
		InitLimit:      cfg.InitLimit,
		SyncLimit:      cfg.SyncLimit,
		Logger:         cfg.Logf,
		MaxDiffEntries: cfg.MaxDiffEntries,
	})
	if err != nil {
		return nil, err
	}
	d := &Driver{
		cfg:        cfg,
		node:       node,
		log:        lg,
		proposeCh:  make(chan Batch, 1024),
		appCh:      make(chan appOut, 1<<16),
		persisted:  make(chan []readyItem, maxInflight),
		snapDone:   make(chan snapResult, 16),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		ctxs:       map[int64]any{},
		dispatched: cfg.Applied,
		backlogEnd: cfg.Log.LastZxid(),
		snapshots:  map[uint64][]byte{},
		persistQ:   make(chan []readyItem, maxInflight),
		commitQ:    make(chan commitItem, 256),
		proposedAt: map[int64]time.Time{},
	}
	d.status.Store(&Status{})
	if s := cfg.Metrics; s != nil {
		d.mBatch = s.NewHistogram(`zen_zab_proposal_batch_size`)
		d.mPersist = s.NewHistogram(`zen_zab_persist_seconds`)
		d.mCommitLag = s.NewHistogram(`zen_zab_commit_lag_seconds`)
		d.mElections = s.NewCounter(`zen_zab_elections_total`)
		d.mAck = map[int64]*metrics.Histogram{}
		d.ackedBy = map[int64]int64{}
		for _, v := range cfg.Voters {
			if v != cfg.ID {
				d.mAck[v] = s.NewHistogram(fmt.Sprintf(`zen_zab_ack_latency_seconds{peer="%d"}`, v))
			}
		}
		s.NewGauge(`zen_zab_epoch`, func() float64 { return float64(d.status.Load().Epoch) })
		s.NewGauge(`zen_zab_commit_zxid`, func() float64 { return float64(d.status.Load().Commit) })
		s.NewGauge(`zen_zab_synced`, func() float64 {
			if d.status.Load().Synced {
				return 1
			}
			return 0
		})
	}
	return d, nil
}

// Start starts the goroutines. The node starts LOOKING; a standalone node
// elects itself.
func (d *Driver) Start() {
	d.wg.Add(2)
	go d.persistLoop()
	go d.commitLoop()
	go d.run()
}

// Propose hands a batch to the driver (proposer goroutine). It blocks only
// when the driver is far behind.
func (d *Driver) Propose(b Batch) {
	select {
	case d.proposeCh <- b:
	case <-d.stop:
	}
}

// SendApp sends an engine payload to a peer (any goroutine, including the
// driver's own callbacks): a learner to its leader, a leader to a synced
// learner. It never blocks; it reports false when the payload was dropped
// (driver stopped or hopelessly behind).
func (d *Driver) SendApp(to int64, payload []byte) bool {
	select {
	case d.appCh <- appOut{to, payload}:
		return true
	default:
		d.cfg.Logf("zab: app queue full, payload to %d dropped", to)
		return false
	}
}

// Status is the latest published status.
func (d *Driver) Status() Status { return *d.status.Load() }

// CommitPoint is the highest zxid this server knows to be committed, at
// least as high as any commit it has told a peer about. A leader's sync
// waits until the state machine has applied it: a write acknowledged by a
// follower is committed here before its COMMIT leaves, but this server's
// own applier may not have caught up yet. Any goroutine.
func (d *Driver) CommitPoint() int64 { return d.commitSeen.Load() }

// Stop stops the driver: what was handed to the persister is made durable
// and applied first.
func (d *Driver) Stop() {
	select {
	case <-d.stop:
	default:
		close(d.stop)
	}
	<-d.done
}

func (d *Driver) fatal(err error) {
	if d.failed.CompareAndSwap(false, true) && d.cfg.OnFatal != nil {
		d.cfg.OnFatal(err)
	}
}

// run is the driver goroutine.
func (d *Driver) run() {
	defer func() {
		close(d.persistQ)
		d.wg.Wait()
		close(d.done)
	}()
	tick := time.NewTicker(d.cfg.Tick)
	defer tick.Stop()
	var recv <-chan Inbound
	var down <-chan int64
	if d.cfg.Net != nil {
		recv, down = d.cfg.Net.Recv(), d.cfg.Net.Down()
	}
	d.pump()
	for {
		select {
		case <-d.stop:
			// Let the persister finish what it has; the committer then
			// applies it.
			for d.inflight > 0 {
				rds := <-d.persisted
				d.afterPersist(rds)
			}
			return
		case <-tick.C:
			d.node.Tick()
			d.publish(true)
		case in := <-recv:
			if err := d.node.Step(in.Msg); err != nil {
				d.cfg.Logf("zab: dropping message %v from %d: %v", in.Msg.Type, in.Msg.From, err)
			} else if in.Msg.Type == core.MsgAck {
				d.timeAck(in.Msg.From, in.Msg.Zxid)
			}
		case id := <-down:
			if d.soft.Role != core.Leading && d.soft.Leader == id && id != d.cfg.ID {
				// The leader's connection broke: do not wait for syncLimit.
				d.cfg.Logf("zab: connection from leader %d lost; looking for a new one", id)
				d.node.Campaign()
			}
		case b := <-d.proposeCh:
			d.propose(b)
			// Take everything queued: one core Ready, one batch.
			for more := true; more; {
				select {
				case b := <-d.proposeCh:
					d.propose(b)
				default:
					more = false
				}
			}
		case a := <-d.appCh:
			if err := d.node.SendApp(a.to, a.payload); err != nil {
				d.cfg.Logf("zab: app message to %d dropped: %v", a.to, err)
			}
		case rds := <-d.persisted:
			d.afterPersist(rds)
		case sr := <-d.snapDone:
			if sr.err != nil {
				d.cfg.Logf("zab: snapshot for peer %d failed: %v", sr.req.Peer, sr.err)
				d.node.ReportSnapshot(sr.req, 0, false)
			} else {
				d.snapshots[sr.req.Conn] = sr.raw
				d.node.ReportSnapshot(sr.req, sr.zxid, true)
			}
		}
		d.pump()
	}
}

// propose hands a batch of the current leadership to the core.
func (d *Driver) propose(b Batch) {
	if len(b.Props) == 0 {
		return
	}
	if b.Gen != d.gen || d.soft.Role != core.Leading || !d.soft.Synced {
		return // an old leadership's batch: its requests' connections are gone
	}
	datas := make([][]byte, len(b.Props))
	for i := range b.Props {
		datas[i] = b.Props[i].Data
	}
	first, last, err := d.node.Propose(datas)
	if err != nil {
		d.cfg.Logf("zab: proposal of %d txns refused: %v", len(datas), err)
		return
	}
	if first != b.Props[0].Zxid || last != b.Props[len(b.Props)-1].Zxid {
		d.fatal(fmt.Errorf("zab: proposer zxids %#x..%#x, core assigned %#x..%#x",
			b.Props[0].Zxid, b.Props[len(b.Props)-1].Zxid, first, last))
		return
	}
	for i := range b.Props {
		if b.Props[i].Ctx != nil {
			d.ctxs[b.Props[i].Zxid] = b.Props[i].Ctx
		}
	}
	if d.mBatch != nil {
		now := time.Now()
		d.mBatch.Update(float64(len(b.Props)))
		d.proposedAt[last] = now
		if len(d.sent) == maxTimedBatches {
			d.sent = append(d.sent[:0], d.sent[maxTimedBatches/2:]...)
		}
		d.sent = append(d.sent, batchTime{last: last, at: now})
	}
}

// timeAck records, per voter, how long its acknowledgement of each batch
// took (zen_zab_ack_latency_seconds).
func (d *Driver) timeAck(from, zxid int64) {
	h := d.mAck[from]
	if h == nil {
		return
	}
	prev := d.ackedBy[from]
	if zxid <= prev {
		return
	}
	now := time.Now()
	i := sort.Search(len(d.sent), func(i int) bool { return d.sent[i].last > prev })
	for ; i < len(d.sent) && d.sent[i].last <= zxid; i++ {
		h.Update(now.Sub(d.sent[i].at).Seconds())
	}
	d.ackedBy[from] = zxid
}

// pump takes the core's Readys: messages and role changes at once,
// persistence to the persister.
//
// Commits and app payloads do not wait for the Ready's own writes: a commit
// covers only entries already durable (appended by Readys advanced
// earlier), so unless an install or truncation is still on its way to disk
// they are acted on here, at once. Otherwise a commit would wait for the
// fsync of the next batch. A Ready with nothing to persist and nothing
// ahead of it is advanced without a trip through the persister.
func (d *Driver) pump() {
	for d.inflight < maxInflight && d.node.HasReady() {
		rd := d.node.Ready()
		if rd.SoftState != nil {
			d.roleChange(*rd.SoftState)
		}
		seen := rd.Commit
		for i := range rd.Messages {
			switch m := &rd.Messages[i]; m.Type {
			case core.MsgCommit:
				seen = max(seen, m.Zxid)
			case core.MsgInform, core.MsgUpToDate:
				seen = max(seen, m.Commit)
			}
		}
		if seen > d.commitSeen.Load() {
			d.commitSeen.Store(seen)
		}
		for i := range rd.Messages {
			m := &rd.Messages[i]
			var snap []byte
			if m.Type == core.MsgSnap {
				snap = d.snapshots[m.Conn]
				delete(d.snapshots, m.Conn)
			}
			if m.Type == core.MsgDiff || m.Type == core.MsgTrunc || m.Type == core.MsgSnap {
				d.cfg.Logf("zab: syncing learner %d by %v (zxid %#x)", m.To, m.Type, m.Zxid)
			}
			if d.cfg.Net != nil {
				d.cfg.Net.Send(*m, snap)
			}
		}
		barrier := rd.Install != nil || rd.Truncate
		it := readyItem{rd: rd}
		if !barrier && d.barriers == 0 {
			it.early = true
			d.deliver(&rd)
			if !rd.MustPersist() && d.inflight == 0 {
				d.finish(&it)
				continue
			}
		}
		if barrier {
			d.barriers++
		}
		d.inflight++
		d.persistQ <- []readyItem{it}
	}
}

// roleChange reacts to a new SoftState.
func (d *Driver) roleChange(st core.SoftState) {
	prev := d.soft
	d.soft = st
	if st.Role != prev.Role || st.Leader != prev.Leader || st.Epoch != prev.Epoch {
		clear(d.ctxs)
		if st.Role == core.Looking && d.mElections != nil {
			d.mElections.Inc()
		}
	}
	next := int64(0)
	if st.Role == core.Leading && st.Synced && !(prev.Role == core.Leading && prev.Synced && prev.Epoch == st.Epoch) {
		d.gen++
		next = d.node.NextZxid()
	}
	d.cfg.Logf("zab: %v (leader %d, epoch %d, synced %v)", st.Role, st.Leader, st.Epoch, st.Synced)
	d.publish(true)
	caughtUp := d.status.Load().Commit
	if st.Role == core.Leading {
		caughtUp = d.status.Load().LastZxid
	}
	d.cfg.SM.State(st, d.gen, next, caughtUp)
}

// afterPersist finishes Readys whose writes are durable, in order.
func (d *Driver) afterPersist(items []readyItem) {
	for i := range items {
		d.inflight--
		if items[i].rd.Install != nil || items[i].rd.Truncate {
			d.barriers--
		}
		if d.failed.Load() {
			continue
		}
		d.finish(&items[i])
	}
	d.publish(false)
}

// finish completes one durable Ready: its entries join the ones waiting
// for a commit, what was not done early is done, and the core is told.
func (d *Driver) finish(it *readyItem) {
	rd := &it.rd
	if rd.Install != nil {
		d.pending = d.pending[:0]
		d.dispatched = rd.Install.Zxid
		d.backlogEnd = rd.Install.Zxid
		d.commitQ <- commitItem{install: rd.Install.Zxid}
	}
	if rd.Truncate {
		for len(d.pending) > 0 && d.pending[len(d.pending)-1].Zxid > rd.TruncateAfter {
			d.pending = d.pending[:len(d.pending)-1]
		}
		d.backlogEnd = min(d.backlogEnd, rd.TruncateAfter)
	}
	for _, e := range rd.Entries {
		p := Proposal{Zxid: e.Zxid, Data: e.Data}
		if ctx, ok := d.ctxs[e.Zxid]; ok {
			p.Ctx = ctx
			delete(d.ctxs, e.Zxid)
		}
		d.pending = append(d.pending, p)
	}
	if !it.early {
		d.deliver(rd)
	}
	for _, req := range rd.SnapshotRequests {
		req := req
		go func() {
			z, raw, err := d.cfg.SM.Snapshot()
			select {
			case d.snapDone <- snapResult{req, z, raw, err}:
			case <-d.stop:
			}
		}()
	}
	d.node.Advance(*rd)
}

// deliver dispatches a Ready's commits and hands its app payloads to the
// state machine in the order the leader sent them: a learner's payload
// after the commits before it (up to its Commit), before the later ones.
// (A sync's answer must reach the engine before the session's next write
// is applied.)
func (d *Driver) deliver(rd *core.Ready) {
	for _, am := range rd.AppMessages {
		if c := min(am.Commit, rd.Commit); c > d.dispatched {
			d.dispatch(c)
		}
		d.cfg.SM.App(am.From, am.Payload, am.Commit)
	}
	if rd.Commit > d.dispatched {
		d.dispatch(rd.Commit)
	}
}

// dispatch hands the committer every entry up to commit: first those only
// in the WAL (from before this process started, or synced then
// committed), then the ones that went through the persister.
func (d *Driver) dispatch(commit int64) {
	var batch []Proposal
	for d.dispatched < d.backlogEnd && d.dispatched < commit {
		es, err := d.cfg.Log.Entries(d.dispatched, 1024)
		if err != nil {
			d.fatal(fmt.Errorf("zab: reading committed entries after %#x: %w", d.dispatched, err))
			return
		}
		if len(es) == 0 {
			d.backlogEnd = d.dispatched
			break
		}
		for _, e := range es {
			if e.Zxid > commit || e.Zxid > d.backlogEnd {
				break
			}
			batch = append(batch, Proposal{Zxid: e.Zxid, Data: e.Data})
			d.dispatched = e.Zxid
		}
		if len(es) < 1024 {
			break
		}
	}
	n := 0
	for n < len(d.pending) && d.pending[n].Zxid <= commit {
		if d.pending[n].Zxid > d.dispatched {
			batch = append(batch, d.pending[n])
			d.dispatched = d.pending[n].Zxid
		}
		n++
	}
	d.pending = append(d.pending[:0], d.pending[n:]...)
	if d.mCommitLag != nil {
		for z, at := range d.proposedAt {
			if z <= commit {
				d.mCommitLag.UpdateDuration(at)
				delete(d.proposedAt, z)
			}
		}
	}
	if len(batch) > 0 {
		d.commitQ <- commitItem{batch: batch}
	}
}

// publish refreshes the status others read. The peer map is rebuilt only
// when full is set (it allocates).
func (d *Driver) publish(full bool) {
	cur := d.status.Load()
	st := d.node.Status()
	s := &Status{SoftState: st.SoftState, LastZxid: st.LastZxid, Commit: st.Commit, Peers: cur.Peers}
	if full {
		s.Peers = st.Peers
		for _, p := range st.Peers {
			if p.Phase == "synced" || p.Phase == "uptodate" {
				s.Learners++
			}
		}
	} else {
		s.Learners = cur.Learners
	}
	d.status.Store(s)
}

// persistLoop makes Readys durable in order. Consecutive appends become
// one WAL batch: one fsync for everything the core produced meanwhile.
func (d *Driver) persistLoop() {
	defer d.wg.Done()
	defer close(d.commitQ)
	for first := range d.persistQ {
		rds := first
		for more := true; more; {
			select {
			case next, ok := <-d.persistQ:
				if !ok {
					more = false
					break
				}
				rds = append(rds, next...)
			default:
				more = false
			}
		}
		start := time.Now()
		if err := d.persistAll(rds); err != nil {
			d.fatal(err)
			// Nothing after a failed write is acknowledged: the
			// Readys are reported so the driver can drain, but
			// afterPersist ignores them once failed.
		}
		if d.mPersist != nil {
			d.mPersist.UpdateDuration(start)
		}
		d.persisted <- rds
	}
}

func (d *Driver) persistAll(items []readyItem) error {
	if d.failed.Load() {
		return nil
	}
	var acc []wal.Entry
	flush := func() error {
		if len(acc) == 0 {
			return nil
		}
		err := d.cfg.Log.Append(acc)
		acc = acc[:0]
		return err
	}
	for i := range items {
		rd := &items[i].rd
		if rd.Install != nil || rd.Truncate {
			if err := flush(); err != nil {
				return err
			}
		}
		if rd.Install != nil {
			raw, _ := rd.Install.Data.([]byte)
			z, err := d.cfg.Log.ImportSnapshot(raw)
			if err != nil {
				return fmt.Errorf("zab: importing the leader's snapshot: %w", err)
			}
			if z != rd.Install.Zxid {
				return fmt.Errorf("zab: leader's snapshot is at %#x, expected %#x", z, rd.Install.Zxid)
			}
			if err := d.cfg.Log.Reset(z); err != nil {
				return err
			}
		}
		if rd.Truncate {
			if err := d.cfg.Log.TruncateAfter(rd.TruncateAfter); err != nil {
				return err
			}
		}
		for _, e := range rd.Entries {
			acc = append(acc, wal.Entry{Zxid: e.Zxid, Data: e.Data})
		}
		if rd.HardState != nil {
			if err := flush(); err != nil {
				return err
			}
			var b [16]byte
			binary.BigEndian.PutUint64(b[:], uint64(rd.HardState.AcceptedEpoch))
			binary.BigEndian.PutUint64(b[8:], uint64(rd.HardState.CurrentEpoch))
			if err := d.cfg.Log.SetMeta(metaHardState, b[:]); err != nil {
				return err
			}
		}
	}
	return flush()
}

// commitLoop applies committed entries and installs snapshots in order.
func (d *Driver) commitLoop() {
	defer d.wg.Done()
	for it := range d.commitQ {
		if it.install > 0 {
			if err := d.cfg.SM.Install(it.install); err != nil {
				d.fatal(fmt.Errorf("zab: installing snapshot %#x: %w", it.install, err))
				continue
			}
		}
		if len(it.batch) > 0 && !d.failed.Load() {
			d.cfg.SM.Apply(it.batch)
		}
	}
}

// walLog adapts the WAL to core.Log.
type walLog struct{ w WAL }

func (l *walLog) Base() int64     { return l.w.Base() }
func (l *walLog) LastZxid() int64 { return l.w.LastZxid() }
func (l *walLog) Floor(z int64) (int64, error) {
	f, err := l.w.Floor(z)
	if errors.Is(err, wal.ErrCompacted) {
		return 0, core.ErrCompacted
	}
	return f, err
}
func (l *walLog) Entries(after int64, max int) ([]core.Entry, error) {
	es, err := l.w.Entries(after, max)
	if errors.Is(err, wal.ErrCompacted) {
		return nil, core.ErrCompacted
	}
	out := make([]core.Entry, len(es))
	for i, e := range es {
		out[i] = core.Entry{Zxid: e.Zxid, Data: e.Data}
	}
	return out, err
}
