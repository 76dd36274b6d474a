package wal

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/VictoriaMetrics/metrics"
)

// Metrics is a point-in-time copy of the Log's counters and distributions.
type Metrics struct {
	Appends uint64 // successful Append calls (= WAL fsyncs requested by Append)
	Entries uint64 // entries written by successful Appends
	Bytes   uint64 // entry data bytes written by successful Appends

	// CommitMicros is the latency of the Pebble commit of each successful
	// Append (write + fsync of the WAL record), in microseconds.
	CommitMicros Summary
	// BatchEntries is the number of entries per successful Append.
	BatchEntries Summary

	Snapshots            uint64        // snapshots written
	LastSnapshotBytes    int64         // compressed size of the newest one written
	LastSnapshotRawBytes int64         // its uncompressed size
	LastSnapshotDuration time.Duration // how long writing it took

	FirstZxid, LastZxid int64
	Failed              bool // the Log is poisoned
}

// Summary describes a distribution; the unit is given where it is used.
type Summary struct {
	Count                         int64
	Mean                          float64
	Min, P50, P90, P99, P999, Max int64
}

// walMetrics holds the Log's metrics: VictoriaMetrics ones (exported in
// Prometheus format by whoever owns the set) and HdrHistograms that back
// Metrics() quantiles.
//
// Metric names (all in Options.Metrics):
//
//	zen_wal_appends_total              counter   successful Appends
//	zen_wal_entries_total              counter   entries appended
//	zen_wal_bytes_total                counter   entry bytes appended
//	zen_wal_fsync_seconds              histogram commit (write+fsync) latency per Append
//	zen_wal_batch_entries              histogram entries per Append
//	zen_wal_first_zxid, zen_wal_last_zxid gauges
//	zen_wal_failed                     gauge     1 once poisoned
//	zen_wal_snapshots_total            counter
//	zen_wal_snapshot_seconds           histogram time to write one snapshot
//	zen_wal_snapshot_bytes             gauge     compressed size of the last snapshot
//	zen_wal_snapshot_raw_bytes         gauge     uncompressed size of the last snapshot
type walMetrics struct {
	appends, entries, bytes *metrics.Counter
	fsync, batch            *metrics.Histogram
	first, last, fatal      *metrics.Gauge
	snaps                   *metrics.Counter
	snapSeconds             *metrics.Histogram
	snapBytes, snapRaw      *metrics.Gauge

	mu          sync.Mutex
	fsyncHdr    *hdrhistogram.Histogram // microseconds
	batchHdr    *hdrhistogram.Histogram // entries
	lastSnapDur time.Duration
}

func newWALMetrics(s *metrics.Set) *walMetrics {
	return &walMetrics{
		appends:     s.GetOrCreateCounter("zen_wal_appends_total"),
		entries:     s.GetOrCreateCounter("zen_wal_entries_total"),
		bytes:       s.GetOrCreateCounter("zen_wal_bytes_total"),
		fsync:       s.GetOrCreateHistogram("zen_wal_fsync_seconds"),
		batch:       s.GetOrCreateHistogram("zen_wal_batch_entries"),
		first:       s.GetOrCreateGauge("zen_wal_first_zxid", nil),
		last:        s.GetOrCreateGauge("zen_wal_last_zxid", nil),
		fatal:       s.GetOrCreateGauge("zen_wal_failed", nil),
		snaps:       s.GetOrCreateCounter("zen_wal_snapshots_total"),
		snapSeconds: s.GetOrCreateHistogram("zen_wal_snapshot_seconds"),
		snapBytes:   s.GetOrCreateGauge("zen_wal_snapshot_bytes", nil),
		snapRaw:     s.GetOrCreateGauge("zen_wal_snapshot_raw_bytes", nil),
		fsyncHdr:    hdrhistogram.New(1, int64(time.Minute/time.Microsecond), 2),
		batchHdr:    hdrhistogram.New(1, 1<<24, 2),
	}
}

// appended records one successful Append. Called by the Append goroutine.
func (m *walMetrics) appended(entries, payload int, d time.Duration, first, last int64) {
	m.appends.Inc()
	m.entries.Add(entries)
	m.bytes.Add(payload)
	m.fsync.Update(d.Seconds())
	m.batch.Update(float64(entries))
	m.setBounds(first, last)
	us := max(int64(d/time.Microsecond), 1)
	m.mu.Lock()
	// Out-of-range values are clamped by hand: RecordValue rejects them.
	_ = m.fsyncHdr.RecordValue(min(us, m.fsyncHdr.HighestTrackableValue()))
	_ = m.batchHdr.RecordValue(min(int64(entries), m.batchHdr.HighestTrackableValue()))
	m.mu.Unlock()
}

func (m *walMetrics) setBounds(first, last int64) {
	m.first.Set(float64(first))
	m.last.Set(float64(last))
}

// snapshotted records one published snapshot.
func (m *walMetrics) snapshotted(raw, packed int64, d time.Duration) {
	m.snaps.Inc()
	m.snapSeconds.Update(d.Seconds())
	m.snapBytes.Set(float64(packed))
	m.snapRaw.Set(float64(raw))
	m.mu.Lock()
	m.lastSnapDur = d
	m.mu.Unlock()
}

func summarize(h *hdrhistogram.Histogram) Summary {
	if h.TotalCount() == 0 {
		return Summary{}
	}
	return Summary{
		Count: h.TotalCount(),
		Mean:  h.Mean(),
		Min:   h.Min(),
		P50:   h.ValueAtQuantile(50),
		P90:   h.ValueAtQuantile(90),
		P99:   h.ValueAtQuantile(99),
		P999:  h.ValueAtQuantile(99.9),
		Max:   h.Max(),
	}
}

// Metrics returns a copy of the Log's metrics. Safe to call at any time,
// also after Close.
func (l *Log) Metrics() Metrics {
	m := l.m
	m.mu.Lock()
	out := Metrics{
		CommitMicros:         summarize(m.fsyncHdr),
		BatchEntries:         summarize(m.batchHdr),
		LastSnapshotDuration: m.lastSnapDur,
	}
	m.mu.Unlock()
	out.Appends = m.appends.Get()
	out.Entries = m.entries.Get()
	out.Bytes = m.bytes.Get()
	out.Snapshots = m.snaps.Get()
	out.LastSnapshotBytes = int64(m.snapBytes.Get())
	out.LastSnapshotRawBytes = int64(m.snapRaw.Get())
	out.FirstZxid = l.FirstZxid()
	out.LastZxid = l.LastZxid()
	out.Failed = l.poisoned() != nil
	return out
}

// MetricsSet returns the set holding the zen_wal_* metrics (Options.Metrics,
// or the private set created when it was nil).
func (l *Log) MetricsSet() *metrics.Set { return l.o.Metrics }
