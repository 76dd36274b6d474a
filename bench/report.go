package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// The HTML report: one self-contained page (inline CSS and SVG, no
// scripts, nothing fetched) with, per case, a latency percentile plot of
// the headline op (one line per server series), a throughput bar per
// series, and a table of the figures.

// palette colours series by order of first appearance, so a server keeps
// its colour across every plot.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

// series is one line of a plot: a server's part of a result.
type series struct {
	name  string
	color string
	r     *Result
	sr    *ServerResult
}

// WriteReport writes the HTML report of results. labels orders the
// overview's columns (its ratio is the first over the second); nil takes
// them in order of appearance.
func WriteReport(w io.Writer, title string, results []*Result, labels []string) error {
	var b strings.Builder
	esc := html.EscapeString
	b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(title))
	b.WriteString(`<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin-top:8px}
th,td{padding:3px 9px;border-bottom:1px solid #eee;text-align:right}th{background:#f6f6f6}
td:first-child,th:first-child{text-align:left}
.sw{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
.plots{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.meta{color:#666;font-size:13px}.warn{color:#b00;font-size:13px}
svg text{font-family:inherit}
</style></head><body>
`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", esc(title))
	if len(results) > 0 {
		m := results[0].Machine
		fmt.Fprintf(&b, "<p class=\"meta\">%d runs, generated %s on %s (%d CPUs, %s, %s). Latency is measured from the intended send time; percentile axes are logarithmic.</p>\n",
			len(results), time.Now().UTC().Format("2006-01-02 15:04 UTC"), esc(m.Host), m.CPUs, esc(m.OS), esc(m.GoVersion))
	}
	writeOverview(&b, results, labels)
	colors := map[string]string{}
	color := func(name string) string {
		if c, ok := colors[name]; ok {
			return c
		}
		c := palette[len(colors)%len(palette)]
		colors[name] = c
		return c
	}
	var cases []string
	byCase := map[string][]*Result{}
	for _, r := range results {
		if _, ok := byCase[r.Case]; !ok {
			cases = append(cases, r.Case)
		}
		byCase[r.Case] = append(byCase[r.Case], r)
	}
	for _, c := range cases {
		var ss []series
		seen := map[string]int{}
		for _, r := range byCase[c] {
			for i := range r.PerServer {
				sr := &r.PerServer[i]
				name := sr.Series
				if name == "" {
					name = r.Label
				}
				seen[name]++
				if seen[name] > 1 {
					name = fmt.Sprintf("%s #%d", name, seen[name])
				}
				ss = append(ss, series{name: name, color: color(sr.Series), r: r, sr: sr})
			}
		}
		r0 := byCase[c][0]
		fmt.Fprintf(&b, "<h2>%s</h2>\n", esc(c))
		fmt.Fprintf(&b, "<p class=\"meta\">workload %s, %d clients × %d in flight, value %d B, %.0fs measured", esc(r0.Workload), r0.Clients, r0.Inflight, r0.ValueSize, r0.Elapsed)
		if r0.Rate > 0 {
			fmt.Fprintf(&b, ", open loop at %g/s", r0.Rate)
		}
		fmt.Fprintf(&b, "; headline op: %s.</p>\n<div class=\"plots\">\n", esc(r0.Primary))
		b.WriteString(percentilePlot(ss, r0.Primary+" latency"))
		b.WriteString(throughputBars(ss, r0.Primary+" per second"))
		b.WriteString("</div>\n")
		writeTable(&b, ss)
		for _, s := range ss {
			for _, m := range s.r.Warnings {
				fmt.Fprintf(&b, "<p class=\"warn\">%s: %s</p>\n", esc(s.name), esc(m))
			}
		}
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeTable(b *strings.Builder, ss []series) {
	esc := html.EscapeString
	b.WriteString("<table><tr><th>series</th><th>op</th><th>ops/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>errors</th><th>server CPU/op</th><th>server RSS</th><th>harness CPU</th></tr>\n")
	for _, s := range ss {
		names := sortedKeys(s.sr.Ops)
		for _, op := range names {
			st := s.sr.Ops[op]
			if st.Count == 0 && op != s.r.Primary {
				continue
			}
			var errs int64
			for _, n := range s.sr.Errors {
				errs += n
			}
			cpu, rss, harness := "", "", ""
			if op == s.r.Primary {
				if s.sr.CPUPerOp > 0 {
					cpu = fmt.Sprintf("%.1fµs", s.sr.CPUPerOp)
				}
				if s.sr.RSS > 0 {
					rss = FormatBytes(s.sr.RSS)
				}
				harness = fmt.Sprintf("%.0f%%", s.r.Harness.CPUPercent)
			} else {
				errs = 0
			}
			fmt.Fprintf(b, "<tr><td><span class=\"sw\" style=\"background:%s\"></span>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				s.color, esc(s.name), esc(op), FormatCount(st.Rate), FormatMicros(float64(st.P50)), FormatMicros(float64(st.P90)),
				FormatMicros(float64(st.P99)), FormatMicros(float64(st.P999)), FormatMicros(float64(st.Max)), errs, cpu, rss, harness)
		}
	}
	b.WriteString("</table>\n")
}

// Plot geometry.
const (
	plotW, plotH                   = 620, 360
	padL, padR, padT, padB float64 = 62, 34, 28, 44
)

// xOf maps a percentile to the plot's x axis: log10(1/(1-p)), so 90, 99,
// 99.9 ... are evenly spaced; 100 (the max) sits one curve step beyond the
// last finite point.
func xOf(p float64) float64 {
	if p >= 100 {
		return math.Inf(1)
	}
	return math.Log10(1 / (1 - p/100))
}

func percentilePlot(ss []series, title string) string {
	var b strings.Builder
	// bounds
	maxX, minY, maxY := 1.0, math.Inf(1), 0.0
	for _, s := range ss {
		st := s.sr.Ops[s.r.Primary]
		for _, pt := range st.Curve {
			if x := xOf(pt.P); !math.IsInf(x, 1) && x+1.0/curvePerDecade > maxX {
				maxX = x + 1.0/curvePerDecade
			}
			v := math.Max(float64(pt.Micros), 1)
			minY, maxY = math.Min(minY, v), math.Max(maxY, v)
		}
	}
	maxX = math.Ceil(maxX)
	if maxY == 0 {
		minY, maxY = 1, 1000
	}
	lo, hi := math.Floor(math.Log10(minY)), math.Ceil(math.Log10(maxY))
	if hi <= lo {
		hi = lo + 1
	}
	iw, ih := plotW-padL-padR, plotH-padT-padB
	px := func(x float64) float64 { return padL + x/maxX*iw }
	py := func(us float64) float64 { return padT + ih - (math.Log10(math.Max(us, 1))-lo)/(hi-lo)*ih }
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, "<text x=\"%.0f\" y=\"16\" font-size=\"13\" font-weight=\"600\">%s</text>\n", padL, html.EscapeString(title))
	// y grid: decades, with 2 and 5 between
	for d := lo; d <= hi; d++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, d)
			if math.Log10(v) > hi+1e-9 {
				break
			}
			y := py(v)
			stroke, width := "#eee", 1.0
			if m == 1 {
				stroke = "#ccc"
				fmt.Fprintf(&b, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">%s</text>\n", padL-6, y+4, tickLabel(v))
			}
			fmt.Fprintf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.0f\"/>\n", padL, y, padL+iw, y, stroke, width)
		}
	}
	// x grid: 0, 90, 99, 99.9 ...
	for d := 0.0; d <= maxX; d++ {
		x := px(d)
		label := "0%"
		if d > 0 {
			label = strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.*f", int(d), 100*(1-math.Pow(10, -d))), "0"), ".") + "%"
		}
		fmt.Fprintf(&b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n", x, padT, x, padT+ih)
		fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n", x, padT+ih+16, label)
	}
	fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">percentile</text>\n", padL+iw/2, plotH-6)
	fmt.Fprintf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>\n", padL, padT, iw, ih)
	// lines
	for _, s := range ss {
		st := s.sr.Ops[s.r.Primary]
		if len(st.Curve) == 0 {
			continue
		}
		var pts []string
		last := 0.0
		for _, pt := range st.Curve {
			x := xOf(pt.P)
			if math.IsInf(x, 1) {
				x = last + 1.0/curvePerDecade
			}
			last = x
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(math.Min(x, maxX)), py(float64(pt.Micros))))
		}
		fmt.Fprintf(&b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"><title>%s</title></polyline>\n",
			s.color, strings.Join(pts, " "), html.EscapeString(s.name))
	}
	// legend
	for i, s := range ss {
		y := padT + 14 + float64(i)*16
		fmt.Fprintf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>", padL+10, y-9, s.color)
		fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%s</text>\n", padL+26, y, html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func throughputBars(ss []series, title string) string {
	var b strings.Builder
	const w, rowH = 360, 26
	h := int(padT) + len(ss)*rowH + 12
	maxV := 0.0
	for _, s := range ss {
		maxV = math.Max(maxV, s.sr.Throughput)
	}
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", w, h, w, h)
	fmt.Fprintf(&b, "<text x=\"8\" y=\"16\" font-size=\"13\" font-weight=\"600\">%s</text>\n", html.EscapeString(title))
	for i, s := range ss {
		y := padT + float64(i*rowH)
		bw := 0.0
		if maxV > 0 {
			bw = s.sr.Throughput / maxV * (w - 150)
		}
		fmt.Fprintf(&b, "<rect x=\"8\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>%s</title></rect>\n", y, math.Max(bw, 1), s.color, html.EscapeString(s.name))
		fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%s %s</text>\n", 14+bw, y+13, FormatCount(s.sr.Throughput), html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// tickLabel names a decade of microseconds: 1µs, 10µs ... 1ms ... 10s.
func tickLabel(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%gµs", us)
	case us < 1e6:
		return fmt.Sprintf("%gms", us/1000)
	}
	return fmt.Sprintf("%gs", us/1e6)
}

// writeOverview is the at-a-glance table at the top of a report with more
// than one label: per case, each label's headline ops/s and p99, and the
// ratio of the first label to the second.
func writeOverview(b *strings.Builder, results []*Result, labels []string) {
	cmp := Compare(results, labels)
	if len(cmp.Labels) < 2 {
		return
	}
	esc := html.EscapeString
	a, z := cmp.Labels[0], cmp.Labels[1]
	fmt.Fprintf(b, "<h2>Overview</h2>\n<p class=\"meta\">Headline op per case; ratio = %s ÷ %s (ops/s: higher is better; p99: lower is better).</p>\n", esc(a), esc(z))
	b.WriteString("<table><tr><th>case</th>")
	for _, l := range cmp.Labels {
		fmt.Fprintf(b, "<th>%s ops/s</th>", esc(l))
	}
	b.WriteString("<th>ratio</th>")
	for _, l := range cmp.Labels {
		fmt.Fprintf(b, "<th>%s p99</th>", esc(l))
	}
	b.WriteString("<th>ratio</th></tr>\n")
	rows := append(append([]ComparisonRow(nil), cmp.Rows...), cmp.Load...)
	for _, r := range rows {
		fmt.Fprintf(b, "<tr><td>%s</td>", esc(r.Case))
		for _, l := range cmp.Labels {
			fmt.Fprintf(b, "<td>%s</td>", orDash(r.By, l, func(f Figures) string { return FormatCount(f.OpsPerSec) }))
		}
		fmt.Fprintf(b, "<td>%s</td>", ratioCell(r.By[a].OpsPerSec, r.By[z].OpsPerSec))
		for _, l := range cmp.Labels {
			fmt.Fprintf(b, "<td>%s</td>", orDash(r.By, l, func(f Figures) string { return FormatMicros(f.P99) }))
		}
		fmt.Fprintf(b, "<td>%s</td></tr>\n", ratioCell(r.By[a].P99, r.By[z].P99))
	}
	b.WriteString("</table>\n")
}

func orDash(by map[string]Figures, l string, f func(Figures) string) string {
	if v, ok := by[l]; ok {
		return f(v)
	}
	return "–"
}

func ratioCell(x, y float64) string {
	if x <= 0 || y <= 0 {
		return "–"
	}
	return ratio(x/y) + "×"
}
