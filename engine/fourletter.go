package engine

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/zen-coord/zen/proto"
	"github.com/zen-coord/zen/tree"
)

// Version is what srvr/stat/mntr/envi report. The "3.9.3" prefix tells
// tools which ZooKeeper feature level to expect.
const Version = "3.9.3-zen"

// BuildDate is stamped by the build (make build); the format is ZK's.
var BuildDate = "2026-11-23 00:00 UTC"

// fourLetter answers a four-letter word.
func (s *Server) fourLetter(cmd string) string {
	if !s.cfg.FourLetterWords[cmd] {
		return cmd + " is not executed because it is not in the whitelist.\n"
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
		for _, l := range s.cfg.Lines() {
			b.WriteString(l)
			b.WriteByte('\n')
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
		watchers, paths, watches := s.tree.DataWatchStats()
		fmt.Fprintf(&b, "%d connections watching %d paths\nTotal watches:%d\n", watchers, paths, watches)
	case "wchc":
		type entry struct {
			sid   int64
			paths []string
		}
		var list []entry
		s.tree.WatchesByWatcher(func(w tree.Watcher, paths []string) {
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
	case "wchp":
		type entry struct {
			path string
			sids []int64
		}
		var list []entry
		s.tree.WatchesByPath(func(path string, ws []tree.Watcher) {
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
	case "dump":
		s.writeDump(&b)
	case "dirs":
		fmt.Fprintf(&b, "datadir_size: %d\nlogdir_size: %d\n",
			dirSize(filepath.Join(s.cfg.DataDir, "zen-snap")), dirSize(filepath.Join(s.cfg.DataLogDir, "zen-log")))
	case "gtmk", "stmk":
		return "0\n"
	case "hash":
		fmt.Fprintf(&b, "%x: %d\n", s.tree.LastZxid(), s.tree.Digest())
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
	fmt.Fprintf(b, "Zxid: 0x%x\n", s.tree.LastZxid())
	b.WriteString("Mode: standalone\n")
	fmt.Fprintf(b, "Node count: %d\n", s.tree.NodeCount())
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
	watchers, paths, watches := s.tree.WatchStats()
	_ = watchers
	_ = paths
	kv := func(k string, v any) { fmt.Fprintf(b, "zk_%s\t%v\n", k, v) }
	kv("version", Version+", built on "+BuildDate)
	kv("server_state", "standalone")
	kv("avg_latency", javaDouble(avg))
	kv("max_latency", hi)
	kv("min_latency", lo)
	kv("packets_received", s.m.packetsReceived.Get())
	kv("packets_sent", s.m.packetsSent.Get())
	kv("num_alive_connections", s.connCount())
	kv("outstanding_requests", s.outstanding.Load())
	kv("uptime", s.now().Sub(s.started).Milliseconds())
	kv("znode_count", s.tree.NodeCount())
	kv("watch_count", watches)
	kv("ephemerals_count", s.tree.EphemeralCount())
	kv("approximate_data_size", s.tree.ApproxDataSize())
	kv("global_sessions", s.sessions.count())
	kv("local_sessions", 0)
	open, maxFD := fdCounts()
	kv("open_file_descriptor_count", open)
	kv("max_file_descriptor_count", maxFD)
	kv("connection_drop_probability", "0.0")
	kv("auth_failed_count", s.m.authFailed.Get())
	kv("last_proposal_size", 0)
	kv("txns_applied", s.m.txns.Get())
	kv("sessions_expired", s.m.expired.Get())
	kv("throttled_connections", s.m.throttles.Get())
	kv("zab_epoch", s.node.Epoch())
}

func (s *Server) writeEnvi(b *strings.Builder) {
	b.WriteString("Environment:\n")
	host, _ := os.Hostname()
	kv := func(k, v string) { fmt.Fprintf(b, "%s=%s\n", k, v) }
	kv("zookeeper.version", Version+", built on "+BuildDate)
	kv("host.name", host)
	kv("go.version", runtime.Version())
	kv("os.name", runtime.GOOS)
	kv("os.arch", runtime.GOARCH)
	if u, err := user.Current(); err == nil {
		kv("user.name", u.Username)
		kv("user.home", u.HomeDir)
	}
	if wd, err := os.Getwd(); err == nil {
		kv("user.dir", wd)
	}
	kv("os.memory.free", "-")
	kv("os.procs", strconv.Itoa(runtime.NumCPU()))
}

// lopName is the short last-operation name ZK prints in cons.
func lopName(op proto.OpCode) string {
	switch op {
	case proto.OpGetData:
		return "GETD"
	case proto.OpSetData:
		return "SETD"
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
		return "CREA"
	case proto.OpDelete:
		return "DELE"
	case proto.OpExists:
		return "EXIS"
	case proto.OpPing:
		return "PING"
	case proto.OpGetChildren, proto.OpGetChildren2:
		return "GETC"
	case proto.OpMulti:
		return "MULT"
	case proto.OpSync:
		return "SYNC"
	case proto.OpSetWatches, proto.OpSetWatches2:
		return "SETW"
	case proto.OpGetACL:
		return "GETA"
	case proto.OpSetACL:
		return "SETA"
	case 0:
		return "NA"
	}
	return strings.ToUpper(op.String())
}

func (s *Server) writeCons(b *strings.Builder, c *conn, full bool) {
	queued := 0
	c.qmu.Lock()
	queued = len(c.q)
	c.qmu.Unlock()
	fmt.Fprintf(b, " /%s[1](queued=%d,recved=%d,sent=%d", c.nc.RemoteAddr(), queued, c.recv.Load(), c.sent.Load())
	if full {
		var sid int64
		var to int32
		if sess := c.sess.Load(); sess != nil {
			sid, to = sess.id, sess.timeout.Load()
		}
		n := c.latCnt.Load()
		avg := int64(0)
		if n > 0 {
			avg = c.latSum.Load() / n
		}
		fmt.Fprintf(b, ",sid=0x%x,lop=%s,est=%d,to=%d,lcxid=0x%x,lzxid=0x%x,lresp=%d,llat=%d,minlat=%d,avglat=%d,maxlat=%d",
			sid, lopName(proto.OpCode(c.lastOp.Load())), c.established.UnixMilli(), to, c.lastCxid.Load(),
			c.lastZxid.Load(), c.lastResp.Load(), c.lastLat.Load(), c.latMin.Load(), avg, c.latMax.Load())
	}
	b.WriteString(")\n")
}

func (s *Server) writeDump(b *strings.Builder) {
	sessions := s.sessions.all()
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].id < sessions[j].id })
	b.WriteString("SessionTracker dump:\n")
	fmt.Fprintf(b, "Global Sessions(%d):\n", len(sessions))
	for _, sess := range sessions {
		fmt.Fprintf(b, "0x%x\t%dms\n", sess.id, sess.timeout.Load())
	}
	b.WriteString("ephemeral nodes dump:\n")
	var withEph []int64
	eph := map[int64][]string{}
	for _, sess := range sessions {
		if p := s.tree.SessionEphemerals(sess.id); len(p) > 0 {
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
	b.WriteString("Connections dump:\n")
	conns := s.sortedConns()
	fmt.Fprintf(b, "Connections Sets (%d):\n", len(conns))
	for _, c := range conns {
		if sess := c.sess.Load(); sess != nil {
			fmt.Fprintf(b, "0x%x\n", sess.id)
		}
	}
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
