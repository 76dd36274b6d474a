package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Comparison is a side-by-side view of results from several labels (for
// example "zen" and "zookeeper") over the same cases. Ratios are the first
// label over the second.
type Comparison struct {
	Labels []string         `json:"labels"`
	Rows   []ComparisonRow  `json:"rows"`
	Load   []ComparisonLoad `json:"load,omitempty"`
	// Events are one-off timings (Workload "event": failover, catch-up).
	Events []ComparisonRow `json:"events,omitempty"`
}

// Figures are the numbers a comparison shows for one label in one case.
// Latencies in microseconds; zero means not measured.
type Figures struct {
	Runs       int     `json:"runs"` // results for this label and case; the median run by throughput is shown
	OpsPerSec  float64 `json:"ops_per_s"`
	P50        float64 `json:"p50_us"`
	P99        float64 `json:"p99_us"`
	P999       float64 `json:"p999_us"`
	CPUPerOp   float64 `json:"server_cpu_us_per_op,omitempty"`
	RSS        int64   `json:"server_rss_bytes,omitempty"`
	Errors     int64   `json:"errors,omitempty"`
	Seconds    float64 `json:"seconds,omitempty"`     // load: time to create every node
	Restart    float64 `json:"restart_s,omitempty"`   // load: restart to serving
	RestartRSS int64   `json:"restart_rss,omitempty"` // load: RSS once serving after the restart
}

// ComparisonRow is one case.
type ComparisonRow struct {
	Case    string             `json:"case"`
	Primary string             `json:"primary"`
	By      map[string]Figures `json:"by"`
}

// ComparisonLoad is one load case with its restart.
type ComparisonLoad = ComparisonRow

// Compare builds a comparison of results. labels orders the columns (the
// first two make the ratio); when empty, labels are taken in order of first
// appearance. Results of Workload "restart" are attached to the load case
// of the same label.
func Compare(results []*Result, labels []string) *Comparison {
	if len(labels) == 0 {
		seen := map[string]bool{}
		for _, r := range results {
			if !seen[r.Label] {
				seen[r.Label] = true
				labels = append(labels, r.Label)
			}
		}
	}
	cmp := &Comparison{Labels: labels}
	type key struct{ c, l string }
	groups := map[key][]*Result{}
	var cases []string
	seenCase := map[string]bool{}
	restarts := map[string][]*Result{}
	var events []string
	eventRuns := map[key][]*Result{}
	for _, r := range results {
		if r.Workload == "restart" {
			restarts[r.Label] = append(restarts[r.Label], r)
			continue
		}
		if r.Workload == "event" {
			k := key{r.Case, r.Label}
			if !seenCase["event:"+r.Case] {
				seenCase["event:"+r.Case] = true
				events = append(events, r.Case)
			}
			eventRuns[k] = append(eventRuns[k], r)
			continue
		}
		if !seenCase[r.Case] {
			seenCase[r.Case] = true
			cases = append(cases, r.Case)
		}
		groups[key{r.Case, r.Label}] = append(groups[key{r.Case, r.Label}], r)
	}
	for _, c := range cases {
		row := ComparisonRow{Case: c, By: map[string]Figures{}}
		isLoad := false
		for _, l := range labels {
			rs := groups[key{c, l}]
			if len(rs) == 0 {
				continue
			}
			m := median(rs)
			row.Primary = m.Primary
			f := Figures{Runs: len(rs), OpsPerSec: m.Throughput, P50: float64(m.Latency.P50),
				P99: float64(m.Latency.P99), P999: float64(m.Latency.P999), CPUPerOp: m.ServerCPUPerOp, RSS: m.ServerRSS}
			for _, n := range m.Errors {
				f.Errors += n
			}
			if m.Load != nil {
				isLoad = true
				f.Seconds = m.Load.Seconds
				if rr := restarts[l]; len(rr) > 0 {
					f.Restart = rr[len(rr)-1].Elapsed
					f.RestartRSS = rr[len(rr)-1].ServerRSS
				}
			}
			row.By[l] = f
		}
		if isLoad {
			cmp.Load = append(cmp.Load, row)
		} else {
			cmp.Rows = append(cmp.Rows, row)
		}
	}
	for _, c := range events {
		row := ComparisonRow{Case: c, By: map[string]Figures{}}
		for _, l := range labels {
			rs := eventRuns[key{c, l}]
			if len(rs) == 0 {
				continue
			}
			secs := make([]float64, len(rs))
			for i, r := range rs {
				secs[i] = r.Elapsed
			}
			sort.Float64s(secs)
			row.By[l] = Figures{Runs: len(rs), Seconds: secs[len(secs)/2]}
		}
		cmp.Events = append(cmp.Events, row)
	}
	return cmp
}

// median returns the run with the median throughput.
func median(rs []*Result) *Result {
	s := append([]*Result(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Throughput < s[j].Throughput })
	return s[len(s)/2]
}

// cell renders "a / b (r×)" for the first two labels, or the values alone.
func (c *Comparison) cell(by map[string]Figures, get func(Figures) float64, format func(float64) string) string {
	var vals []float64
	var parts []string
	for _, l := range c.Labels {
		f, ok := by[l]
		v := 0.0
		if ok {
			v = get(f)
		}
		vals = append(vals, v)
		if !ok || v == 0 {
			parts = append(parts, "–")
		} else {
			parts = append(parts, format(v))
		}
	}
	s := strings.Join(parts, " / ")
	if len(vals) >= 2 && vals[0] > 0 && vals[1] > 0 {
		s += fmt.Sprintf(" (%s×)", ratio(vals[0]/vals[1]))
	}
	return s
}

func ratio(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.2f", r)
}

// fmtMillis renders µs as ms with 3 significant figures.
func fmtMillis(us float64) string {
	ms := us / 1000
	if ms <= 0 {
		return "0"
	}
	d := 2 - int(math.Floor(math.Log10(ms)))
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.*f", d, ms)
}

func fmtMiB(b float64) string { return fmt.Sprintf("%.0f", b/(1<<20)) }

func fmtSig(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	if v >= 10 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// WriteMarkdown writes the comparison as markdown tables.
func (c *Comparison) WriteMarkdown(w io.Writer) {
	names := strings.Join(c.Labels, " / ")
	if len(c.Labels) >= 2 {
		fmt.Fprintf(w, "Each cell: %s (%s ÷ %s). Above 1× is better for ops/s, below 1× is better for latency, CPU and memory.\n\n",
			names, c.Labels[0], c.Labels[1])
	}
	if len(c.Rows) > 0 {
		fmt.Fprintln(w, "| case | ops/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/op | server RSS MiB | errors |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- |")
		for _, r := range c.Rows {
			errs := c.errorsCell(r.By)
			name := r.Case
			if r.Primary != "" && !strings.HasPrefix(r.Case, r.Primary) {
				name += " (" + r.Primary + ")"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name,
				c.cell(r.By, func(f Figures) float64 { return f.OpsPerSec }, FormatCount),
				c.cell(r.By, func(f Figures) float64 { return f.P50 }, fmtMillis),
				c.cell(r.By, func(f Figures) float64 { return f.P99 }, fmtMillis),
				c.cell(r.By, func(f Figures) float64 { return f.P999 }, fmtMillis),
				c.cell(r.By, func(f Figures) float64 { return f.CPUPerOp }, fmtSig),
				c.cell(r.By, func(f Figures) float64 { return float64(f.RSS) }, fmtMiB),
				errs)
		}
	}
	if len(c.Load) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| load | time s | creates/s | p99 ms | RSS after MiB | restart to serving s | RSS after restart MiB |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
		for _, r := range c.Load {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Case,
				c.cell(r.By, func(f Figures) float64 { return f.Seconds }, fmtSig),
				c.cell(r.By, func(f Figures) float64 { return f.OpsPerSec }, FormatCount),
				c.cell(r.By, func(f Figures) float64 { return f.P99 }, fmtMillis),
				c.cell(r.By, func(f Figures) float64 { return float64(f.RSS) }, fmtMiB),
				c.cell(r.By, func(f Figures) float64 { return f.Restart }, fmtSig),
				c.cell(r.By, func(f Figures) float64 { return float64(f.RestartRSS) }, fmtMiB))
		}
	}
	if len(c.Events) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| event | seconds (median of runs) | runs |")
		fmt.Fprintln(w, "| --- | --- | --- |")
		for _, r := range c.Events {
			var runs []string
			for _, l := range c.Labels {
				runs = append(runs, fmt.Sprint(r.By[l].Runs))
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", r.Case,
				c.cell(r.By, func(f Figures) float64 { return f.Seconds }, func(v float64) string { return fmt.Sprintf("%.3f", v) }), strings.Join(runs, " / "))
		}
	}
}

// errorsCell lists each label's error count ("0" when none had any).
func (c *Comparison) errorsCell(by map[string]Figures) string {
	var parts []string
	any := false
	for _, l := range c.Labels {
		f, ok := by[l]
		switch {
		case !ok:
			parts = append(parts, "–")
		default:
			parts = append(parts, fmt.Sprint(f.Errors))
			any = any || f.Errors != 0
		}
	}
	if !any {
		return "0"
	}
	return strings.Join(parts, " / ")
}
