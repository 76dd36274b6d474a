package engine

import (
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/zen-coord/zen/netpoll"
	"github.com/zen-coord/zen/tree"
	"github.com/zen-coord/zen/wal"
	"github.com/zen-coord/zen/zab"
	"github.com/zen-coord/zen/zab/core"
)

// Options are the parts of a server that tests and the binary inject.
type Options struct {
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logger receives log lines (nil: the standard logger).
	Logger *log.Logger
	// OnFatal is called when the server cannot go on (a failed fsync, a
	// corrupt txn). Nil logs and exits the process with status 2.
	OnFatal func(error)
	// FS is the filesystem under the WAL (nil: the OS).
	FS vfs.FS
	// Loops is the number of network event loops (0: netpoll.DefaultLoops).
	Loops int
	// PeerAddrs overrides where peers are dialled (tests put proxies
	// between servers this way); missing ids use the server.N lines.
	PeerAddrs map[int64]string
}

// Server is one zen server: standalone, or (later) an ensemble member.
type Server struct {
	cfg    Config
	opts   Options
	logger *log.Logger

	treeP     atomic.Pointer[tree.Tree] // replaced only by a snapshot install
	wal       *wal.Log
	driver    *zab.Driver
	transport *zab.Transport // nil standalone
	np        *netpoll.Server

	// role, as the driver last reported it
	soft    atomic.Pointer[core.SoftState]
	lead    atomic.Pointer[leadership] // non-nil while the established leader
	serving atomic.Bool                // clients are served
	serveAt atomic.Int64               // serve once applied up to here (-1: not waiting)

	loadedBase    int64     // zxid of the snapshot loaded at startup
	recoveredOnce sync.Once // logs the recovery when serving starts

	// learner bookkeeping of requests answered through the leader
	pendingMu          sync.Mutex
	pendingConnects    map[int64]*conn              // session id → connection awaiting createSession
	pendingRevalidates map[int64]*pendingRevalidate // session id → reattach awaiting the leader
	waitSyncs          []*conn                      // connections whose head sync waits for the applier
	waitRevalidates    []waitRevalidate             // learners' reattach questions awaiting the leader's applier
	sessions           *sessionTable
	prop               *proposer
	metrics            *metrics.Set
	m                  *serverMetrics
	httpSrv            *http.Server

	// fireMu is held by the applier while a txn applies (and fires its
	// watches), and by an event loop answering a ping.
	fireMu sync.Mutex

	// reportMu orders a learner's session reports to the leader: a touch
	// carries the timeout it read, so one read before a reattach's new
	// timeout must not reach the leader after that reattach's revalidate.
	reportMu sync.Mutex

	// submissions to the proposer
	subMu     sync.Mutex
	subQ      []*request
	subSignal chan struct{}

	applyScratch scratch // applier-only

	outstanding atomic.Int64
	throttleMu  sync.Mutex
	throttled   []*conn

	connsMu sync.Mutex
	conns   map[*conn]struct{}

	traceMask   atomic.Int64 // gtmk/stmk; ZK's default is 306
	nextConnID  atomic.Uint64
	nextSession atomic.Int64
	started     time.Time

	// snapshots
	sinceSnap    int
	snapAt       int
	snapshotting atomic.Bool
	snapWG       sync.WaitGroup

	stopOnce  sync.Once // Close
	haltOnce  sync.Once // closing stop
	stop      chan struct{}
	wg        sync.WaitGroup
	fatalOnce sync.Once
	failed    atomic.Bool
}

// New recovers the server's state from disk and starts serving.
func New(cfg Config, opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = log.New(os.Stderr, "zen ", log.LstdFlags|log.Lmicroseconds)
	}
	s := &Server{
		cfg:       cfg,
		opts:      opts,
		logger:    opts.Logger,
		subSignal: make(chan struct{}, 1),
		conns:     map[*conn]struct{}{},
		stop:      make(chan struct{}),
		metrics:   metrics.NewSet(),
		started:   opts.Now(),
	}
	s.m = newServerMetrics(s)
	s.traceMask.Store(306)
	for _, k := range cfg.Unknown {
		s.logf("config: ignoring key %q", k)
	}
	base, err := s.recover()
	if err != nil {
		return nil, err
	}
	s.loadedBase = base
	now := opts.Now()
	s.sessions = newSessionTable(cfg.TickTime.Milliseconds(), now.UnixMilli())
	for _, si := range s.tr().Sessions() {
		s.sessions.add(si.ID, si.Timeout, now.UnixMilli())
	}
	s.pendingConnects = map[int64]*conn{}
	s.pendingRevalidates = map[int64]*pendingRevalidate{}
	s.serveAt.Store(-1)
	s.nextSession.Store(sessionIDBase(now.UnixMilli(), cfg.ServerID))
	s.snapAt = s.nextSnapThreshold()
	s.prop = newProposer(s)
	voters, observers := cfg.Members()
	var peerNet zab.Net
	if cfg.Ensemble() {
		me := cfg.Servers[cfg.ServerID]
		listen := me.PeerAddr()
		if cfg.ListenOnAllIPs {
			listen = net.JoinHostPort("0.0.0.0", strconv.Itoa(me.PeerPort))
		}
		peers := map[int64]string{}
		for id, sp := range cfg.Servers {
			if id != cfg.ServerID {
				peers[id] = sp.PeerAddr()
			}
		}
		for id, a := range opts.PeerAddrs {
			if id != cfg.ServerID {
				peers[id] = a
			}
		}
		s.transport = zab.NewTransport(zab.TransportConfig{ID: cfg.ServerID, Listen: listen, Peers: peers, Logf: s.logf})
		if err := s.transport.Start(); err != nil {
			s.wal.Close()
			return nil, fmt.Errorf("peer port %s: %w", listen, err)
		}
		peerNet = s.transport
	}
	// The core's clock runs at a tenth of tickTime, and at least every
	// 50 ms, so that an election (which waits a core tick for a better
	// vote once a quorum agrees) and a follower's reaction to a lost
	// leader take a fraction of a tick; initLimit and syncLimit keep their
	// meaning in tickTime units.
	tick := min(max(cfg.TickTime/10, 5*time.Millisecond), 50*time.Millisecond)
	sub := max(int(cfg.TickTime/tick), 1)
	driver, err := zab.New(zab.Config{
		ID:             cfg.ServerID,
		Voters:         voters,
		Observers:      observers,
		Log:            s.wal,
		Net:            peerNet,
		Tick:           tick,
		InitLimit:      cfg.InitLimit * sub,
		SyncLimit:      cfg.SyncLimit * sub,
		MaxDiffEntries: cfg.MaxDiffEntries,
		Applied:        base,
		SM:             s,
		OnFatal:        s.fatal,
		Logf:           s.logf,
		Metrics:        s.metrics,
	})
	if err != nil {
		if s.transport != nil {
			s.transport.Stop()
		}
		s.wal.Close()
		return nil, err
	}
	s.driver = driver
	driver.Start()
	s.wg.Add(4)
	go s.proposeLoop()
	go s.expireLoop()
	go s.reapLoop()
	go s.touchLoop()
	if cfg.PurgeInterval > 0 {
		s.wg.Add(1)
		go s.purgeLoop()
	}
	if cfg.MetricsAddr != "" {
		if err := s.serveMetrics(); err != nil {
			s.shutdownCore()
			return nil, err
		}
	}
	s.np = netpoll.New(netpoll.Config{
		Addr:          cfg.ClientAddr,
		Loops:         opts.Loops,
		MaxFrame:      cfg.MaxBuffer,
		MaxConnsPerIP: cfg.MaxClientCnxns,
		MaxOutbound:   64 << 20,
		// Far above what pipelining clients send while throttled.
		MaxPausedInput: 64 << 20,
		Logf:           s.logf,
	}, s)
	if err := s.np.Start(); err != nil {
		s.shutdownCore()
		return nil, fmt.Errorf("listening on %s: %w", cfg.ClientAddr, err)
	}
	s.logf("listening on %s as server %d (%s; applied %#x, %d znodes, %d sessions)",
		s.np.Addr(), cfg.ServerID, s.modeName(), s.tr().LastZxid(), s.tr().NodeCount(), s.sessions.count())
	if !cfg.Ensemble() {
		// A standalone server elects itself at once and replays its log:
		// return when it serves, as a standalone ZooKeeper does.
		if !s.WaitServing(5 * time.Minute) {
			s.Close()
			return nil, errors.New("standalone server did not start serving")
		}
	}
	return s, nil
}

// Serving reports whether the server serves clients.
func (s *Server) Serving() bool { return s.serving.Load() }

// WaitServing waits until the server serves clients, or timeout.
func (s *Server) WaitServing(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !s.serving.Load() {
		if time.Now().After(deadline) || s.failed.Load() {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

// Addr is the client address the server listens on.
func (s *Server) Addr() string { return s.np.Addr() }

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) logf(format string, args ...any) { s.logger.Printf(format, args...) }

// fatal stops the server: nothing after a failed write may be acknowledged.
func (s *Server) fatal(err error) {
	s.fatalOnce.Do(func() {
		s.failed.Store(true)
		s.logger.Printf("FATAL: %v", err)
		if s.opts.OnFatal != nil {
			s.opts.OnFatal(err)
			return
		}
		os.Exit(2)
	})
}

// recover opens the log and loads the newest valid snapshot. It returns the
// snapshot's zxid: the log entries after it are applied by the driver once
// the ensemble (standalone: this server alone) has committed them.
func (s *Server) recover() (int64, error) {
	lw, err := wal.Open(wal.Options{
		Dir:     filepath.Join(s.cfg.DataLogDir, "zen-log"),
		SnapDir: filepath.Join(s.cfg.DataDir, "zen-snap"),
		FS:      s.opts.FS,
		NoSync:  !s.cfg.ForceSync,
		OnFatal: s.fatal,
		Logger:  s.logf,
		Metrics: s.metrics,
	})
	if err != nil {
		return 0, fmt.Errorf("opening the log: %w", err)
	}
	s.wal = lw
	start := time.Now()
	var t *tree.Tree
	var base int64
	logBase := lw.Base()
	for _, z := range lw.Snapshots() {
		if z < logBase {
			// The log no longer holds the txns after this snapshot.
			s.logf("snapshot %#x is older than the log's start (%#x); not usable", z, logBase)
			continue
		}
		loaded, zxid, err := loadSnapshot(lw, z)
		if err != nil {
			s.logf("snapshot %#x is unusable, trying an older one: %v", z, err)
			continue
		}
		t, base = loaded, zxid
		break
	}
	if t == nil {
		if logBase > 0 {
			lw.Close()
			return 0, fmt.Errorf("no usable snapshot, and the log starts after %#x: refusing to serve a partial tree", logBase)
		}
		t = tree.New()
	}
	s.initConfigNode(t)
	s.treeP.Store(t)
	s.logf("loaded snapshot %#x in %v; the log holds up to %#x", base, time.Since(start).Round(time.Millisecond), lw.LastZxid())
	return base, nil
}

// initConfigNode writes an ensemble's membership into /zookeeper/config of
// a tree this server loaded or received, as ZooKeeper's quorum servers do
// (a standalone server leaves the node empty).
func (s *Server) initConfigNode(t *tree.Tree) {
	if s.cfg.Ensemble() {
		m := s.cfg.Membership()
		t.SetConfigData([]byte(m), s.now().UnixMilli())
		// ZooKeeper's write goes through its data tree's setData, which
		// counts it in mntr's zookeeper namespace.
		s.m.writeNS.record("/zookeeper/config", int64(len(m)))
	}
}

func loadSnapshot(lw *wal.Log, z int64) (*tree.Tree, int64, error) {
	r, err := lw.OpenSnapshot(z)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	t, zxid, err := tree.Load(r)
	if err != nil {
		return nil, 0, err
	}
	// Read to the end so the checksum in the trailer is verified.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, 0, err
	}
	return t, zxid, nil
}

// submit hands a request to the proposer.
func (s *Server) submit(req *request) {
	s.subMu.Lock()
	s.subQ = append(s.subQ, req)
	s.subMu.Unlock()
	s.signalProposer()
}

// proposeLoop is the proposer goroutine: it preps what was submitted, in
// order, and hands the driver one batch per round (the driver and the
// persister cut the group commits).
func (s *Server) proposeLoop() {
	defer s.wg.Done()
	var batch []*request
	for {
		select {
		case <-s.subSignal:
		case <-s.stop:
			return
		}
		s.subMu.Lock()
		batch, s.subQ = s.subQ, batch[:0]
		s.subMu.Unlock()
		if s.failed.Load() {
			return
		}
		l := s.lead.Load()
		if l == nil {
			// Not (or no longer) the leader: these requests belonged to a
			// leadership that is gone; their clients were disconnected.
			clear(batch)
			continue
		}
		s.prop.lead(l)
		props := make([]zab.Proposal, 0, len(batch))
		for i, req := range batch {
			if prop, ok := s.prop.prep(req); ok {
				props = append(props, prop)
			}
			batch[i] = nil
		}
		if len(props) > 0 {
			s.driver.Propose(zab.Batch{Gen: s.prop.gen, Props: props})
		}
	}
}

// signalProposer wakes the proposer (any goroutine, never blocks).
func (s *Server) signalProposer() {
	select {
	case s.subSignal <- struct{}{}:
	default:
	}
}

// maybeThrottle pauses a connection while too many requests are in flight
// (globalOutstandingLimit).
func (s *Server) maybeThrottle(c *conn) {
	if s.outstanding.Load() < int64(s.cfg.GlobalOutstandingLimit) {
		return
	}
	s.throttleMu.Lock()
	if !c.throttled {
		c.throttled = true
		s.throttled = append(s.throttled, c)
		c.nc.Pause()
		s.m.throttles.Inc()
	}
	s.throttleMu.Unlock()
}

// afterBatch resumes throttled connections once the backlog has drained,
// and schedules snapshots.
func (s *Server) afterBatch(n int) {
	if s.outstanding.Load() < int64(s.cfg.GlobalOutstandingLimit) {
		s.throttleMu.Lock()
		list := s.throttled
		s.throttled = nil
		for _, c := range list {
			c.throttled = false
		}
		s.throttleMu.Unlock()
		for _, c := range list {
			if c.state.Load() == stateOpen {
				c.nc.Resume()
			}
		}
	}
	s.sinceSnap += n
	if s.sinceSnap >= s.snapAt && s.snapshotting.CompareAndSwap(false, true) {
		s.sinceSnap = 0
		s.snapAt = s.nextSnapThreshold()
		s.snapWG.Add(1)
		go s.takeSnapshot()
	}
}

// nextSnapThreshold randomises the snapshot interval like ZK: snapCount/2
// plus a random part, so ensemble members do not all snapshot at once.
func (s *Server) nextSnapThreshold() int {
	half := s.cfg.SnapCount / 2
	if half < 1 {
		half = 1
	}
	return half + rand.IntN(half+1)
}

// takeSnapshot writes a fuzzy snapshot while writes continue.
func (s *Server) takeSnapshot() {
	defer s.snapWG.Done()
	defer s.snapshotting.Store(false)
	start := time.Now()
	z, err := s.wal.WriteSnapshot(s.tr().WriteSnapshot)
	if err != nil {
		s.logf("snapshot failed: %v", err)
		return
	}
	s.logf("snapshot %#x written in %v", z, time.Since(start).Round(time.Millisecond))
}

// TakeSnapshot writes a snapshot now (for tests and tools).
func (s *Server) TakeSnapshot() (int64, error) {
	return s.wal.WriteSnapshot(s.tr().WriteSnapshot)
}

// expireLoop expires sessions whose timeout passed without a touch.
func (s *Server) expireLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.TickTime / 4)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-s.stop:
			return
		}
		if !s.isLeader() {
			continue // only the leader expires sessions
		}
		expired, _ := s.sessions.expired(s.now().UnixMilli())
		for _, sess := range expired {
			s.logf("expiring session %#x (timeout %d ms)", sess.id, sess.timeout.Load())
			s.m.expired.Inc()
			if c := sess.conn.Load(); c != nil {
				c.nc.Close()
			}
			s.submit(&request{kind: kindClose, op: 0, sess: sess, recv: s.now()})
		}
	}
}

// reapLoop deletes empty containers and expired TTL nodes.
func (s *Server) reapLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.ContainerInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-s.stop:
			return
		}
		if !s.isLeader() {
			continue
		}
		limit := int(int64(s.cfg.ContainerMaxPerMin) * s.cfg.ContainerInterval.Milliseconds() / 60000)
		if limit < 1 {
			limit = 1
		}
		for _, p := range s.tr().ReapCandidates(s.now().UnixMilli(), limit) {
			s.submit(&request{kind: kindReap, reapPath: p, recv: s.now()})
		}
	}
}

// purgeLoop runs autopurge every purgeInterval hours.
func (s *Server) purgeLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(time.Duration(s.cfg.PurgeInterval) * time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := s.wal.Purge(s.cfg.SnapRetainCount); err != nil {
				s.logf("autopurge: %v", err)
			}
		case <-s.stop:
			return
		}
	}
}

// Purge runs autopurge now.
func (s *Server) Purge() error { return s.wal.Purge(s.cfg.SnapRetainCount) }

func (s *Server) serveMetrics() error {
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listener on %s: %w", s.cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		s.metrics.WritePrometheus(w)
	})
	// Profiles for performance work: /debug/pprof/profile?seconds=10 etc.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s.httpSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("metrics server: %v", err)
		}
	}()
	s.logf("metrics on http://%s/metrics", ln.Addr())
	return nil
}

// MetricsAddr is where /metrics is served ("" if not).
func (s *Server) MetricsAddr() string { return s.cfg.MetricsAddr }

// Close stops serving, lets in-flight writes finish, and closes the log.
func (s *Server) Close() error {
	var err error
	s.stopOnce.Do(func() {
		// Background work stops first: no session may expire because the
		// server stopped reading its pings while shutting down.
		s.halt()
		if s.transport != nil {
			// Leave the ensemble at once: peers see the links close and,
			// if this was the leader, elect another now rather than after
			// the client loops have stopped (gnet takes ~0.5 s for that).
			s.transport.Stop()
		}
		if s.np != nil {
			if err := s.np.Stop(); err != nil {
				s.logf("stopping the network loops: %v", err)
			}
		}
		err = s.shutdownCore()
	})
	return err
}

// halt stops the proposer, expiry, reaping and purge goroutines.
func (s *Server) halt() { s.haltOnce.Do(func() { close(s.stop) }) }

func (s *Server) shutdownCore() error {
	s.halt()
	s.wg.Wait()
	if s.driver != nil {
		s.driver.Stop()
	}
	if s.transport != nil {
		s.transport.Stop()
	}
	s.snapWG.Wait()
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
	return s.wal.Close()
}

// Tree exposes the state machine (tests and tools).
func (s *Server) Tree() *tree.Tree { return s.tr() }

// tr is the current tree. A learner installing a leader's snapshot swaps it
// while it serves no client.
func (s *Server) tr() *tree.Tree { return s.treeP.Load() }
