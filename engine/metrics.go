package engine

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/zen-coord/zen/proto"
)

// serverMetrics are the server's counters. They are exported in Prometheus
// format on metricsProvider.httpPort and shown by mntr/srvr/stat.
type serverMetrics struct {
	packetsReceived *metrics.Counter
	packetsSent     *metrics.Counter
	txns            *metrics.Counter
	authFailed      *metrics.Counter
	expired         *metrics.Counter
	throttles       *metrics.Counter

	byOp  map[proto.OpCode]*opMetrics
	other *opMetrics

	latMin, latMax, latSum, latCnt atomic.Int64 // ms, for srvr/mntr

	respLast, respMin, respMax atomic.Int64 // reply sizes (bytes), for mntr

	readNS, writeNS namespaceStats

	propLast, propMin, propMax atomic.Int64 // txn sizes proposed as leader (srvr, mntr)
	leaderSince                atomic.Int64 // unix ms the current leadership began (0: not leading)
}

// proposalSize records the size of a proposed txn.
func (m *serverMetrics) proposalSize(n int64) {
	m.propLast.Store(n)
	for {
		cur := m.propMin.Load()
		if cur > 0 && cur <= n || m.propMin.CompareAndSwap(cur, n) {
			break
		}
	}
	for {
		cur := m.propMax.Load()
		if cur >= n || m.propMax.CompareAndSwap(cur, n) {
			break
		}
	}
}

// responseSize records the size of a reply frame.
func (m *serverMetrics) responseSize(n int64) {
	m.respLast.Store(n)
	for {
		cur := m.respMin.Load()
		if cur > 0 && cur <= n || m.respMin.CompareAndSwap(cur, n) {
			break
		}
	}
	for {
		cur := m.respMax.Load()
		if cur >= n || m.respMax.CompareAndSwap(cur, n) {
			break
		}
	}
}

// responseSizes is last/min/max as ZK reports them (-1 before any reply).
func (m *serverMetrics) responseSizes() (last, lo, hi int64) {
	if m.respMin.Load() == 0 {
		return -1, -1, -1
	}
	return m.respLast.Load(), m.respMin.Load(), m.respMax.Load()
}

type opMetrics struct {
	count   *metrics.Counter
	latency *metrics.Histogram
}

func newServerMetrics(s *Server) *serverMetrics {
	set := s.metrics
	m := &serverMetrics{
		packetsReceived: set.NewCounter(`zen_packets_received_total`),
		packetsSent:     set.NewCounter(`zen_packets_sent_total`),
		txns:            set.NewCounter(`zen_txns_applied_total`),
		authFailed:      set.NewCounter(`zen_auth_failed_total`),
		expired:         set.NewCounter(`zen_sessions_expired_total`),
		throttles:       set.NewCounter(`zen_connections_throttled_total`),
		byOp:            map[proto.OpCode]*opMetrics{},
	}
	m.latMin.Store(-1)
	for op := proto.OpCode(-11); op <= 107; op++ {
		name := op.String()
		if len(name) > 3 && name[:3] == "op(" {
			continue
		}
		m.byOp[op] = &opMetrics{
			count:   set.NewCounter(fmt.Sprintf(`zen_requests_total{op=%q}`, name)),
			latency: set.NewHistogram(fmt.Sprintf(`zen_request_duration_seconds{op=%q}`, name)),
		}
	}
	m.other = &opMetrics{
		count:   set.NewCounter(`zen_requests_total{op="other"}`),
		latency: set.NewHistogram(`zen_request_duration_seconds{op="other"}`),
	}
	set.NewGauge(`zen_sessions`, func() float64 { return float64(s.sessions.count()) })
	set.NewGauge(`zen_znodes`, func() float64 { return float64(s.tr().NodeCount()) })
	set.NewGauge(`zen_watches`, func() float64 { _, _, w := s.tr().WatchStats(); return float64(w) })
	set.NewGauge(`zen_outstanding_requests`, func() float64 { return float64(s.outstanding.Load()) })
	set.NewGauge(`zen_connections`, func() float64 { return float64(s.connCount()) })
	set.NewGauge(`zen_ephemerals`, func() float64 { return float64(s.tr().EphemeralCount()) })
	set.NewGauge(`zen_approximate_data_size_bytes`, func() float64 { return float64(s.tr().ApproxDataSize()) })
	set.NewGauge(`zen_last_zxid`, func() float64 { return float64(s.tr().LastZxid()) })
	return m
}

// observe counts a finished request and its latency.
func (m *serverMetrics) observe(op proto.OpCode, d time.Duration) {
	om := m.byOp[op]
	if om == nil {
		om = m.other
	}
	om.count.Inc()
	om.latency.Update(d.Seconds())
	ms := d.Milliseconds()
	m.latSum.Add(ms)
	m.latCnt.Add(1)
	for {
		cur := m.latMin.Load()
		if cur >= 0 && cur <= ms || m.latMin.CompareAndSwap(cur, ms) {
			break
		}
	}
	for {
		cur := m.latMax.Load()
		if cur >= ms || m.latMax.CompareAndSwap(cur, ms) {
			break
		}
	}
}

func (m *serverMetrics) resetLatency() {
	m.latMin.Store(-1)
	m.latMax.Store(0)
	m.latSum.Store(0)
	m.latCnt.Store(0)
}

// latency returns min/avg/max in ms as ZK's ServerStats reports them.
func (m *serverMetrics) latency() (lo int64, avg float64, hi int64) {
	lo, hi = m.latMin.Load(), m.latMax.Load()
	if lo < 0 {
		lo = 0
	}
	if n := m.latCnt.Load(); n > 0 {
		avg = float64(m.latSum.Load()) / float64(n)
	}
	return lo, avg, hi
}

func (s *Server) connCount() int {
	s.connsMu.Lock()
	defer s.connsMu.Unlock()
	return len(s.conns)
}
