package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// Result is the outcome of one run (or of `zen bench wait`, Workload
// "restart"). It is what -json prints and what reports and comparison
// tables are built from. Latencies are in microseconds.
type Result struct {
	Label     string    `json:"label"`    // series name: -label, else the server list
	Case      string    `json:"case"`     // workload and shape, e.g. "get 16x1", "lock 64"
	Workload  string    `json:"workload"` // e.g. "mixed:90"
	Servers   []string  `json:"servers"`
	Clients   int       `json:"clients"`
	Inflight  int       `json:"inflight"`
	Rate      float64   `json:"rate,omitempty"` // open-loop target, requests/s
	ValueSize int       `json:"value_size"`
	Keys      int       `json:"keys"`
	Warmup    float64   `json:"warmup_s"`
	Duration  float64   `json:"duration_s"`
	Started   time.Time `json:"started"`
	Elapsed   float64   `json:"elapsed_s"` // measured window

	Primary    string           `json:"primary"`   // the headline op
	Throughput float64          `json:"ops_per_s"` // headline ops per second
	Latency    Stats            `json:"latency"`   // headline latency
	Ops        map[string]Stats `json:"ops"`       // every op kind
	Errors     map[string]int64 `json:"errors,omitempty"`

	PerServer []ServerResult `json:"per_server"`

	// Server process figures, summed over -pids (absent without them).
	ServerCPUPerOp float64 `json:"server_cpu_us_per_op,omitempty"`
	ServerRSS      int64   `json:"server_rss_bytes,omitempty"`

	Harness HarnessResult `json:"harness"`

	Lock   *LockResult   `json:"lock,omitempty"`
	Fanout *FanoutResult `json:"fanout,omitempty"`
	Load   *LoadResult   `json:"load,omitempty"`

	Warnings []string `json:"warnings,omitempty"`
	Machine  Machine  `json:"machine"`
}

// ServerResult is the part of a run that went to one server.
type ServerResult struct {
	Addr       string           `json:"addr"`
	Series     string           `json:"series"` // name in reports
	Sessions   int              `json:"sessions"`
	Throughput float64          `json:"ops_per_s"`
	Latency    Stats            `json:"latency"`
	Ops        map[string]Stats `json:"ops"`
	Errors     map[string]int64 `json:"errors,omitempty"`
	PID        int              `json:"pid,omitempty"`
	CPUSeconds float64          `json:"cpu_s,omitempty"` // over the measured window
	CPUPerOp   float64          `json:"cpu_us_per_op,omitempty"`
	RSS        int64            `json:"rss_bytes,omitempty"` // at the end of the window
}

// HarnessResult is the load generator's own cost over the measured window.
type HarnessResult struct {
	CPUSeconds float64 `json:"cpu_s"`
	CPUPercent float64 `json:"cpu_percent"` // of one core
	CPUPerOp   float64 `json:"cpu_us_per_op"`
	RSS        int64   `json:"rss_bytes"`
}

// LockResult is the lock workload's own accounting (all phases).
type LockResult struct {
	Contenders   int   `json:"contenders"`
	Acquisitions int64 `json:"acquisitions"`
	Increments   int64 `json:"increments,omitempty"` // counter writes under the lock
	Counter      int64 `json:"counter,omitempty"`    // the counter's final value
	Violations   int64 `json:"violations"`           // must be 0
}

// FanoutResult is watch-fanout's own accounting.
type FanoutResult struct {
	Watchers int   `json:"watchers"`
	Writes   int64 `json:"writes"` // all phases
}

// LoadResult is load's own accounting.
type LoadResult struct {
	Nodes    int     `json:"nodes"`
	Seconds  float64 `json:"seconds"`
	LastPath string  `json:"last_path"`
}

// Machine describes where the harness ran.
type Machine struct {
	Host      string `json:"host"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
}

// WriteJSON writes r as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadResults reads results from JSON files (each one Result, or an array).
func ReadResults(paths ...string) ([]*Result, error) {
	var out []*Result
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		b = []byte(strings.TrimSpace(string(b)))
		if len(b) > 0 && b[0] == '[' {
			var rs []*Result
			if err := json.Unmarshal(b, &rs); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			out = append(out, rs...)
			continue
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, &r)
	}
	return out, nil
}

// caseName is the workload plus its shape: clients×inflight for request
// workloads, contenders for lock, watchers for watch-fanout, nodes for load.
func caseName(cfg *Config) string {
	if cfg.Case != "" {
		return cfg.Case
	}
	w := cfg.Workload
	switch w.Kind {
	case KindLock:
		return fmt.Sprintf("lock %d", cfg.contenders())
	case KindWatchFanout:
		return fmt.Sprintf("watch-fanout %d", cfg.watchers())
	case KindLoad:
		return fmt.Sprintf("load %d", cfg.loadNodes())
	case KindSessions:
		return fmt.Sprintf("sessions %d", cfg.Clients)
	}
	s := fmt.Sprintf("%s %dx%d", w, cfg.Clients, cfg.Inflight)
	if cfg.Rate > 0 {
		s += fmt.Sprintf(" @%g/s", cfg.Rate)
	}
	return s
}

// FormatMicros renders a latency in µs with a unit that keeps 3 figures.
func FormatMicros(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 10_000:
		return fmt.Sprintf("%.2fms", us/1000)
	case us < 100_000:
		return fmt.Sprintf("%.1fms", us/1000)
	case us < 1_000_000:
		return fmt.Sprintf("%.0fms", us/1000)
	}
	return fmt.Sprintf("%.2fs", us/1e6)
}

// FormatCount renders a count or rate compactly (12.3k, 1.20M).
func FormatCount(v float64) string {
	switch {
	case v >= 10e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 10e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.2fk", v/1e3)
	case v >= 100 || v == 0:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// FormatBytes renders a size in MiB.
func FormatBytes(b int64) string { return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20)) }

// WriteText writes the human summary of r.
func (r *Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%s  [%s]  %s, %.1fs measured", r.Case, r.Label, r.Workload, r.Elapsed)
	if r.Rate > 0 {
		fmt.Fprintf(w, ", open loop at %g/s", r.Rate)
	}
	fmt.Fprintf(w, ", value %d B\n", r.ValueSize)
	names := make([]string, 0, len(r.Ops))
	for k := range r.Ops {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "  %-24s %-10s %10s %10s %9s %9s %9s %9s %9s\n", "server", "op", "count", "ops/s", "p50", "p90", "p99", "p99.9", "max")
	line := func(server, op string, s Stats) {
		fmt.Fprintf(w, "  %-24s %-10s %10d %10s %9s %9s %9s %9s %9s\n", server, op, s.Count, FormatCount(s.Rate),
			FormatMicros(float64(s.P50)), FormatMicros(float64(s.P90)), FormatMicros(float64(s.P99)),
			FormatMicros(float64(s.P999)), FormatMicros(float64(s.Max)))
	}
	if len(r.PerServer) > 1 {
		for _, sr := range r.PerServer {
			for _, n := range names {
				if st, ok := sr.Ops[n]; ok {
					line(sr.Addr, n, st)
				}
			}
		}
	}
	for _, n := range names {
		line("total", n, r.Ops[n])
	}
	fmt.Fprintf(w, "  headline: %s ops/s of %s, p50 %s p99 %s p99.9 %s\n", FormatCount(r.Throughput), r.Primary,
		FormatMicros(float64(r.Latency.P50)), FormatMicros(float64(r.Latency.P99)), FormatMicros(float64(r.Latency.P999)))
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "  errors:")
		for _, k := range sortedKeys(r.Errors) {
			fmt.Fprintf(w, " %s=%d", k, r.Errors[k])
		}
		fmt.Fprintln(w)
	}
	for _, sr := range r.PerServer {
		if sr.PID > 0 {
			fmt.Fprintf(w, "  server %s (pid %d): cpu %.2fs, %.1fµs/op, rss %s\n", sr.Addr, sr.PID, sr.CPUSeconds, sr.CPUPerOp, FormatBytes(sr.RSS))
		}
	}
	if r.Lock != nil {
		fmt.Fprintf(w, "  lock: %d contenders, %d acquisitions, violations %d", r.Lock.Contenders, r.Lock.Acquisitions, r.Lock.Violations)
		if r.Lock.Increments > 0 || r.Lock.Counter > 0 {
			fmt.Fprintf(w, ", counter %d (increments %d)", r.Lock.Counter, r.Lock.Increments)
		}
		fmt.Fprintln(w)
	}
	if r.Fanout != nil {
		fmt.Fprintf(w, "  watch-fanout: %d watchers, %d writes\n", r.Fanout.Watchers, r.Fanout.Writes)
	}
	if r.Load != nil {
		fmt.Fprintf(w, "  load: %d nodes in %.2fs\n", r.Load.Nodes, r.Load.Seconds)
	}
	fmt.Fprintf(w, "  harness: cpu %.2fs (%.0f%% of a core, %.2fµs/op), rss %s\n", r.Harness.CPUSeconds, r.Harness.CPUPercent, r.Harness.CPUPerOp, FormatBytes(r.Harness.RSS))
	for _, m := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", m)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
