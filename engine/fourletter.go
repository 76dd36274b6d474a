package engine

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zen-coord/zen/proto"
	"github.com/zen-coord/zen/tree"
	"github.com/zen-coord/zen/zab/core"
)

// Version is what srvr/stat/mntr/envi report. The "3.9.3" prefix tells
// tools which ZooKeeper feature level to expect.
const Version = "3.9.3-zen"

// BuildDate is stamped by the build (make build); the format is ZK's.
var BuildDate = "2026-11-23 00:00 UTC"

// fourLetter answers a four-letter word.
func (s *Server) fourLetter(cmd string) string {
	var mask []byte
	if len(cmd) == 12 && cmd[:4] == "stmk" {
		cmd, mask = cmd[:4], []byte(cmd[4:])
	}
	if !s.cfg.FourLetterWords[cmd] {
		return cmd + " is not executed because it is not in the whitelist.\n"
	}
	if !s.serving.Load() {
		switch cmd {
		case "ruok", "conf", "envi", "gtmk", "stmk":
		case "isro":
			return "null"
		default:
			return "This ZooKeeper instance is not currently serving requests\n"
		}
	}
	var b strings.Builder
	switch cmd {
	case "ruok":
		return "imok"
	case "isro":
		return "rw"
	case "srvr":
		s.writeSrvr(&b, false)
	case "stat":
		s.writeSrvr(&b, true)
	case "mntr":
		s.writeMntr(&b)
	case "conf":
		for _, l := range s.confLines() {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		if s.cfg.Ensemble() {
			// ZooKeeper's quorum servers add the ensemble, ending with the
			// membership (no final newline).
			me := s.cfg.Servers[s.cfg.ServerID]
			peerType := 0
			if me.Observer {
				peerType = 1
			}
			fmt.Fprintf(&b, "initLimit=%d\nsyncLimit=%d\nelectionAlg=3\nelectionPort=%d\nquorumPort=%d\npeerType=%d\nmembership: \n%s",
				s.cfg.InitLimit, s.cfg.SyncLimit, me.ElectionPort, me.PeerPort, peerType, s.cfg.Membership())
		}
	case "cons":
		for _, c := range s.sortedConns() {
			s.writeCons(&b, c, true)
		}
		b.WriteByte('\n')
	case "crst":
		for _, c := range s.sortedConns() {
			c.latMin.Store(0)
			c.latMax.Store(0)
			c.latSum.Store(0)
			c.latCnt.Store(0)
			c.recv.Store(0)
			c.sent.Store(0)
		}
		return "Connection stats reset.\n"
	case "srst":
		s.m.resetLatency()
		return "Server stats reset.\n"
	case "envi":
		s.writeEnvi(&b)
	case "wchs":
		watchers, paths, watches := s.tr().DataWatchStats()
		fmt.Fprintf(&b, "%d connections watching %d paths\nTotal watches:%d\n", watchers, paths, watches)
	case "wchc":
		type entry struct {
			sid   int64
			paths []string
		}
		var list []entry
		s.tr().WatchesByWatcher(func(w tree.Watcher, paths []string) {
			if c, ok := w.(*conn); ok {
				var sid int64
				if sess := c.sess.Load(); sess != nil {
					sid = sess.id
				}
				list = append(list, entry{sid, append([]string(nil), paths...)})
			}
		})
		sort.Slice(list, func(i, j int) bool { return list[i].sid < list[j].sid })
		for _, e := range list {
			fmt.Fprintf(&b, "0x%x\n", e.sid)
			sort.Strings(e.paths)
			for _, p := range e.paths {
				fmt.Fprintf(&b, "\t%s\n", p)
			}
		}
		b.WriteByte('\n')
	case "wchp":
		type entry struct {
			path string
			sids []int64
		}
		var list []entry
		s.tr().WatchesByPath(func(path string, ws []tree.Watcher) {
			e := entry{path: path}
			for _, w := range ws {
				if c, ok := w.(*conn); ok {
					if sess := c.sess.Load(); sess != nil {
						e.sids = append(e.sids, sess.id)
					}
				}
			}
			list = append(list, e)
		})
		sort.Slice(list, func(i, j int) bool { return list[i].path < list[j].path })
		for _, e := range list {
			b.WriteString(e.path + "\n")
			for _, sid := range e.sids {
				fmt.Fprintf(&b, "\t0x%x\n", sid)
			}
		}
		b.WriteByte('\n')
	case "dump":
		s.writeDump(&b)
	case "dirs":
		fmt.Fprintf(&b, "datadir_size: %d\nlogdir_size: %d\n",
			dirSize(filepath.Join(s.cfg.DataDir, "zen-snap")), dirSize(filepath.Join(s.cfg.DataLogDir, "zen-log")))
	case "gtmk":
		return strconv.FormatInt(s.traceMask.Load(), 10)
	case "stmk":
		if len(mask) == 8 {
			s.traceMask.Store(int64(binary.BigEndian.Uint64(mask)))
		}
		return strconv.FormatInt(s.traceMask.Load(), 10)
	case "hash":
		// ZK prints its digest log, one line per 128 txns once digests are
		// taken; zen keeps no digest history, so there is nothing to print.
	default:
		return cmd + " is not executed because it is not in the whitelist.\n"
	}
	return b.String()
}

func (s *Server) writeSrvr(b *strings.Builder, withClients bool) {
	fmt.Fprintf(b, "Zookeeper version: %s, built on %s\n", Version, BuildDate)
	if withClients {
		b.WriteString("Clients:\n")
		for _, c := range s.sortedConns() {
			s.writeCons(b, c, false)
		}
		b.WriteByte('\n')
	}
	lo, avg, hi := s.m.latency()
	fmt.Fprintf(b, "Latency min/avg/max: %d/%s/%d\n", lo, javaDouble(avg), hi)
	fmt.Fprintf(b, "Received: %d\n", s.m.packetsReceived.Get())
	fmt.Fprintf(b, "Sent: %d\n", s.m.packetsSent.Get())
	fmt.Fprintf(b, "Connections: %d\n", s.connCount())
	fmt.Fprintf(b, "Outstanding: %d\n", s.outstanding.Load())
	fmt.Fprintf(b, "Zxid: 0x%x\n", s.tr().LastZxid())
	b.WriteString("Mode: " + s.modeName() + "\n")
	fmt.Fprintf(b, "Node count: %d\n", s.tr().NodeCount())
	if s.cfg.Ensemble() && s.isLeader() {
		// ZooKeeper prints proposal sizes for a quorum leader only, never standalone.
		fmt.Fprintf(b, "Proposal sizes last/min/max: %d/%d/%d\n", s.m.propLast.Load(), s.m.propMin.Load(), s.m.propMax.Load())
	}
}

// javaDouble prints a float the way Java's Double.toString does for the
// values seen here ("0.0", "1.25").
func javaDouble(f float64) string {
	str := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(str, ".") {
		str += ".0"
	}
	return str
}

func (s *Server) writeMntr(b *strings.Builder) {
	lo, avg, hi := s.m.latency()
	_, _, watches := s.tr().WatchStats()
	kv := func(k string, v any) { fmt.Fprintf(b, "zk_%s\t%v\n", k, v) }
	kv("version", Version+", built on "+BuildDate)
	kv("server_state", s.modeName())
	kv("ephemerals_count", s.tr().EphemeralCount())
	kv("num_alive_connections", s.connCount())
	kv("avg_latency", javaDouble(avg))
	kv("outstanding_requests", s.outstanding.Load())
	kv("znode_count", s.tr().NodeCount())
	kv("global_sessions", s.sessions.count())
	last, minSize, maxSize := s.m.responseSizes()
	kv("last_client_response_size", last)
	kv("packets_sent", s.m.packetsSent.Get())
	kv("packets_received", s.m.packetsReceived.Get())
	kv("max_client_response_size", maxSize)
	kv("connection_drop_probability", "0.0")
	kv("watch_count", watches)
	kv("auth_failed_count", s.m.authFailed.Get())
	kv("min_latency", lo)
	open, maxFD := fdCounts()
	kv("max_file_descriptor_count", maxFD)
	kv("approximate_data_size", s.tr().ApproxDataSize())
	kv("open_file_descriptor_count", open)
	kv("local_sessions", 0)
	kv("uptime", s.now().Sub(s.started).Milliseconds())
	kv("max_latency", hi)
	kv("outstanding_tls_handshake", 0)
	kv("min_client_response_size", minSize)
	if s.cfg.Ensemble() {
		voters, observers := s.cfg.Members()
		kv("peer_state", s.peerState())
		kv("quorum_size", len(voters))
		if st := s.soft.Load(); st != nil && st.Role == core.Observing {
			// The server the observer learns from: zen's observers follow
			// the leader.
			kv("observer_master_id", st.Leader)
		}
		if s.isLeader() {
			isObserver := map[int64]bool{}
			for _, o := range observers {
				isObserver[o] = true
			}
			st := s.driver.Status()
			learners, followers, obs := 0, 0, 0
			for id, p := range st.Peers {
				learners++
				if p.Phase == "synced" || p.Phase == "uptodate" {
					if isObserver[id] {
						obs++
					} else {
						followers++
					}
				}
			}
			kv("learners", learners)
			kv("synced_followers", followers)
			kv("synced_non_voting_followers", 0)
			kv("synced_observers", obs)
			kv("pending_syncs", 0)
			kv("leader_uptime", s.now().UnixMilli()-s.m.leaderSince.Load())
			kv("last_proposal_size", s.m.propLast.Load())
			kv("max_proposal_size", s.m.propMax.Load())
			kv("min_proposal_size", s.m.propMin.Load())
			// ZooKeeper's per-learner queue summaries (zen's peer send
			// queues are not measured the same way: zeros, as for the
			// other keys zen has no figure for).
			ids := make([]int64, 0, len(st.Peers))
			for id := range st.Peers {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				for _, m := range []string{"learner_handler_qp_size", "learner_handler_qp_time_ms"} {
					kv(fmt.Sprintf("avg_%d_%s", id, m), "0.0")
					for _, stat := range []string{"min", "max", "cnt", "sum"} {
						kv(fmt.Sprintf("%s_%d_%s", stat, id, m), 0)
					}
				}
				for _, p := range []string{"p50", "p95", "p99", "p999"} {
					kv(fmt.Sprintf("%s_%d_learner_handler_qp_time_ms", p, id), 0)
				}
			}
		}
	}
	// (zen's own figures are on /metrics: mntr keeps ZK's key set.)
	for _, dir := range []struct {
		name string
		ns   *namespaceStats
	}{{"read", &s.m.readNS}, {"write", &s.m.writeNS}} {
		dir.ns.each(func(name string, st *nsStats) {
			cnt, sum := st.cnt.Load(), st.sum.Load()
			avg := 0.0
			if cnt > 0 {
				avg = float64(sum) / float64(cnt)
			}
			key := name + "_" + dir.name + "_per_namespace"
			kv("avg_"+key, javaDouble(avg))
			kv("min_"+key, st.min.Load())
			kv("max_"+key, st.max.Load())
			kv("cnt_"+key, cnt)
			kv("sum_"+key, sum)
		})
	}
	// ZK keys zen has a real figure for: the log's fsync (commit) time in
	// ms and the number of proposals/commits.
	wm := s.wal.Metrics()
	fs := wm.CommitMicros
	real := map[string]string{
		"cnt_fsynctime":  strconv.FormatInt(fs.Count, 10),
		"min_fsynctime":  strconv.FormatInt(fs.Min/1000, 10),
		"max_fsynctime":  strconv.FormatInt(fs.Max/1000, 10),
		"sum_fsynctime":  strconv.FormatInt(int64(fs.Mean*float64(fs.Count))/1000, 10),
		"avg_fsynctime":  javaDouble(fs.Mean / 1000),
		"proposal_count": strconv.FormatUint(wm.Entries, 10),
		"commit_count":   strconv.FormatUint(s.m.txns.Get(), 10),
	}
	for _, k := range mntrZeroInts {
		if v, ok := real[k]; ok {
			kv(k, v)
			continue
		}
		kv(k, 0)
	}
	for _, k := range mntrZeroFloats {
		if v, ok := real[k]; ok {
			kv(k, v)
			continue
		}
		kv(k, "0.0")
	}
}

// writeEnvi prints ZK's envi keys. zen is a Go program: the java.* keys
// describe its runtime and binary instead.
func (s *Server) writeEnvi(b *strings.Builder) {
	b.WriteString("Environment:\n")
	host, _ := os.Hostname()
	exe, _ := os.Executable()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mb := func(n uint64) string { return strconv.FormatUint(n>>20, 10) + "MB" }
	var uts syscall.Utsname
	osVersion := ""
	if syscall.Uname(&uts) == nil {
		osVersion = utsString(uts.Release[:])
	}
	kv := func(k, v string) { fmt.Fprintf(b, "%s=%s\n", k, v) }
	kv("zookeeper.version", Version+", built on "+BuildDate)
	kv("host.name", host)
	kv("java.version", runtime.Version())
	kv("java.vendor", "zen (Go runtime)")
	kv("java.home", runtime.GOROOT())
	kv("java.class.path", exe)
	kv("java.library.path", "")
	kv("java.io.tmpdir", os.TempDir())
	kv("java.compiler", "<NA>")
	kv("os.name", map[string]string{"linux": "Linux", "darwin": "Mac OS X"}[runtime.GOOS])
	kv("os.arch", runtime.GOARCH)
	kv("os.version", osVersion)
	if u, err := user.Current(); err == nil {
		kv("user.name", u.Username)
		kv("user.home", u.HomeDir)
	}
	if wd, err := os.Getwd(); err == nil {
		kv("user.dir", wd)
	}
	kv("os.memory.free", mb(ms.HeapIdle))
	kv("os.memory.max", mb(ms.Sys))
	kv("os.memory.total", mb(ms.HeapSys))
}

func utsString(b []int8) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}

// lopName is the short last-operation name ZK 3.8 prints in cons.
func lopName(op proto.OpCode) string {
	switch op {
	case proto.OpPing:
		return "PING"
	case proto.OpCreateSession:
		return "SESS"
	case proto.OpMulti:
		return "MULT"
	case proto.OpMultiRead:
		return "MLTR"
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
		return "CREA"
	case proto.OpDelete, proto.OpDeleteContainer:
		return "DELE"
	case proto.OpSetData:
		return "SETD"
	case proto.OpReconfig:
		return "RECO"
	case proto.OpSetACL:
		return "SETA"
	case proto.OpCloseSession:
		return "CLOS"
	case proto.OpSync:
		return "SYNC"
	case proto.OpCheck:
		return "CHEC"
	case proto.OpExists:
		return "EXIS"
	case proto.OpGetData:
		return "GETD"
	case proto.OpSetWatches:
		return "SETW"
	case proto.OpSetWatches2:
		return "STW2"
	case proto.OpAddWatch:
		return "ADDW"
	case proto.OpGetACL:
		return "GETA"
	case proto.OpGetChildren, proto.OpGetChildren2:
		return "GETC"
	case proto.OpGetAllChildrenNumber:
		return "GETACN"
	case proto.OpCheckWatches:
		return "CHKW"
	case proto.OpRemoveWatches:
		return "REMW"
	case proto.OpWhoAmI:
		return "HOMI"
	case proto.OpGetEphemerals:
		return "GETE"
	}
	return "NA"
}

// writeCons prints one connection as ZK's cons/stat do: a connection
// without a session gets the short form.
func (s *Server) writeCons(b *strings.Builder, c *conn, full bool) {
	c.qmu.Lock()
	queued := len(c.q)
	c.qmu.Unlock()
	sess := c.sess.Load()
	interest := 1 // ZK prints the selector interest set: OP_READ
	if sess == nil {
		interest = 0
	}
	fmt.Fprintf(b, " /%s[%d](queued=%d,recved=%d,sent=%d", c.nc.RemoteAddr(), interest, queued, c.recv.Load(), c.sent.Load())
	if full && sess != nil {
		n := c.latCnt.Load()
		avg := int64(0)
		if n > 0 {
			avg = c.latSum.Load() / n
		}
		fmt.Fprintf(b, ",sid=0x%x,lop=%s,est=%d,to=%d,lcxid=0x%x,lzxid=0x%x,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d",
			sess.id, lopName(proto.OpCode(c.lastOp.Load())), c.established.UnixMilli(), sess.timeout.Load(), uint64(int64(c.lastCxid.Load())),
			c.lastZxid.Load(), c.lastResp.Load(), c.lastLat.Load(), c.latMin.Load(), avg, c.latMax.Load())
	}
	b.WriteString(")\n")
}

// writeDump prints ZK's dump layout: the session expiry buckets, the
// ephemerals of each session, and the connections by expiry.
func (s *Server) writeDump(b *strings.Builder) {
	b.WriteString("SessionTracker dump:\n")
	if s.cfg.Ensemble() && !s.isLeader() {
		// A learner tracks no expiry: ZooKeeper's LearnerSessionTracker
		// lists the global sessions, by id, with their creation timeouts.
		sessions := s.tr().Sessions()
		fmt.Fprintf(b, "Global Sessions(%d):\n", len(sessions))
		for _, si := range sessions {
			fmt.Fprintf(b, "0x%x\t%dms\n", si.ID, si.Timeout)
		}
	} else {
		buckets := s.sessions.bucketList()
		total := 0
		for _, bk := range buckets {
			total += len(bk.ids)
		}
		fmt.Fprintf(b, "Session Sets (%d)/(%d):\n", len(buckets), total)
		for _, bk := range buckets {
			fmt.Fprintf(b, "%d expire at %s:\n", len(bk.ids), javaDate(bk.at))
			for _, id := range bk.ids {
				fmt.Fprintf(b, "\t0x%x\n", id)
			}
		}
	}
	b.WriteString("ephemeral nodes dump:\n")
	sessions := s.sessions.all()
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].id < sessions[j].id })
	var withEph []int64
	eph := map[int64][]string{}
	for _, sess := range sessions {
		if p := s.tr().SessionEphemerals(sess.id); len(p) > 0 {
			withEph = append(withEph, sess.id)
			eph[sess.id] = p
		}
	}
	fmt.Fprintf(b, "Sessions with Ephemerals (%d):\n", len(withEph))
	for _, id := range withEph {
		fmt.Fprintf(b, "0x%x:\n", id)
		for _, p := range eph[id] {
			fmt.Fprintf(b, "\t%s\n", p)
		}
	}
	// Connections expire with their session (sessionless ones after ZK's
	// 10 s sessionless timeout).
	b.WriteString("Connections dump:\n")
	type cexp struct {
		at    int64
		lines []string
	}
	byAt := map[int64]*cexp{}
	conns := s.sortedConns()
	for _, c := range conns {
		var at, sid int64
		if sess := c.sess.Load(); sess != nil {
			at, sid = sess.expiry.Load(), sess.id
		}
		if at == 0 {
			at = s.sessions.roundUp(s.now().UnixMilli() + 10000)
		}
		e := byAt[at]
		if e == nil {
			e = &cexp{at: at}
			byAt[at] = e
		}
		e.lines = append(e.lines, fmt.Sprintf("ip: /%s sessionId: 0x%x", c.nc.RemoteAddr(), sid))
	}
	ats := make([]int64, 0, len(byAt))
	for at := range byAt {
		ats = append(ats, at)
	}
	slices.Sort(ats)
	fmt.Fprintf(b, "Connections Sets (%d)/(%d):\n", len(ats), len(conns))
	for _, at := range ats {
		fmt.Fprintf(b, "%d expire at %s:\n", len(byAt[at].lines), javaDate(at))
		for _, l := range byAt[at].lines {
			fmt.Fprintf(b, "\t%s\n", l)
		}
	}
}

// javaDate formats ms since the epoch as java.util.Date.toString does.
func javaDate(ms int64) string {
	return time.UnixMilli(ms).Format("Mon Jan 02 15:04:05 MST 2006")
}

func (s *Server) sortedConns() []*conn {
	s.connsMu.Lock()
	list := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		list = append(list, c)
	}
	s.connsMu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	return list
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

func fdCounts() (open int, max uint64) {
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		open = len(ents)
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		max = lim.Cur
	}
	return open, max
}

// confLines is what conf prints: ZK's keys, in ZK's order.
func (s *Server) confLines() []string {
	// The bound port (the configured one may be 0).
	_, port, _ := net.SplitHostPort(s.Addr())
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	snapDir, logDir := filepath.Join(s.cfg.DataDir, "zen-snap"), filepath.Join(s.cfg.DataLogDir, "zen-log")
	return []string{
		"clientPort=" + port,
		"secureClientPort=-1",
		"dataDir=" + snapDir,
		"dataDirSize=" + strconv.FormatInt(dirSize(snapDir), 10),
		"dataLogDir=" + logDir,
		"dataLogSize=" + strconv.FormatInt(dirSize(logDir), 10),
		"tickTime=" + ms(s.cfg.TickTime),
		"maxClientCnxns=" + strconv.Itoa(s.cfg.MaxClientCnxns),
		"minSessionTimeout=" + ms(s.cfg.MinSessionTimeout),
		"maxSessionTimeout=" + ms(s.cfg.MaxSessionTimeout),
		"clientPortListenBacklog=-1",
		"serverId=" + strconv.FormatInt(s.cfg.ServerID, 10),
	}
}
