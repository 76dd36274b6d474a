package bench

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// synthetic makes a result of one server with a latency curve.
func synthetic(label, cas string, tput float64, p50 int64) *Result {
	h := NewHist()
	for i := int64(1); i <= 1000; i++ {
		h.Record(p50 * 1000 * i / 500)
	}
	st := h.Stats(1)
	sr := ServerResult{Addr: "127.0.0.1:1", Series: label, Sessions: 1, Throughput: tput, Latency: st,
		Ops: map[string]Stats{"get": st}, CPUPerOp: 10, RSS: 64 << 20}
	return &Result{Label: label, Case: cas, Workload: "get", Primary: "get", Throughput: tput, Latency: st,
		Ops: map[string]Stats{"get": st}, PerServer: []ServerResult{sr}, ServerCPUPerOp: 10, ServerRSS: 64 << 20,
		Clients: 16, Inflight: 1, Elapsed: 10}
}

func TestCompareTable(t *testing.T) {
	rs := []*Result{
		synthetic("zookeeper", "get 16x1", 1000, 800),
		synthetic("zen", "get 16x1", 3000, 200),
		synthetic("zen", "get 16x1", 2000, 250), // median of 2000, 3000, 9000 is 3000
		synthetic("zen", "get 16x1", 9000, 100),
		synthetic("zen", "set 16x1", 500, 2000),
	}
	rs[4].Errors = map[string]int64{"BadVersion": 3}
	load := synthetic("zen", "load 1000", 4000, 1000)
	load.Load = &LoadResult{Nodes: 1000, Seconds: 0.25}
	zkLoad := synthetic("zookeeper", "load 1000", 2000, 2000)
	zkLoad.Load = &LoadResult{Nodes: 1000, Seconds: 0.5}
	restart := &Result{Label: "zen", Case: "restart 1000", Workload: "restart", Elapsed: 0.5, ServerRSS: 40 << 20}
	rs = append(rs, load, zkLoad, restart)

	cmp := Compare(rs, []string{"zen", "zookeeper"})
	if len(cmp.Rows) != 2 || len(cmp.Load) != 1 {
		t.Fatalf("rows %d, load rows %d", len(cmp.Rows), len(cmp.Load))
	}
	get := cmp.Rows[0].By
	if get["zen"].Runs != 3 || get["zen"].OpsPerSec != 3000 || get["zookeeper"].OpsPerSec != 1000 {
		t.Fatalf("get row %+v", get)
	}
	if f := cmp.Load[0].By["zen"]; f.Seconds != 0.25 || f.Restart != 0.5 || f.RestartRSS != 40<<20 {
		t.Fatalf("load row %+v", f)
	}
	var b bytes.Buffer
	cmp.WriteMarkdown(&b)
	md := b.String()
	for _, want := range []string{
		"| get 16x1 | 3.00k / 1.00k (3.00×) |",
		"0.200 / 0.800 (0.25×)", // p50 ms
		"| set 16x1 (get) | 500 / – |",
		"| 3 / – |", // errors of set, zen only
		"| load 1000 | 0.25 / 0.50 (0.50×) | 4.00k / 2.00k (2.00×) |",
		"0.50 / –", // restart
		"zen / zookeeper (zen ÷ zookeeper)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
	// every table row has as many cells as its header
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| get") || strings.HasPrefix(line, "| set") {
			if n := strings.Count(line, "|"); n != 9 {
				t.Errorf("row with %d bars: %s", n, line)
			}
		}
	}
	if _, err := json.Marshal(cmp); err != nil {
		t.Fatal(err)
	}
}

func TestResultJSONRoundTrip(t *testing.T) {
	r := synthetic("zen", "get 16x1", 1234, 300)
	r.Lock = &LockResult{Contenders: 4, Acquisitions: 10}
	dir := t.TempDir()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	p1 := filepath.Join(dir, "one.json")
	os.WriteFile(p1, b.Bytes(), 0o644)
	arr, _ := json.Marshal([]*Result{r, r})
	p2 := filepath.Join(dir, "two.json")
	os.WriteFile(p2, arr, 0o644)
	rs, err := ReadResults(p1, p2)
	if err != nil || len(rs) != 3 {
		t.Fatalf("%d results, %v", len(rs), err)
	}
	got := rs[0]
	if got.Throughput != 1234 || got.Latency.P50 != r.Latency.P50 || got.Lock.Acquisitions != 10 ||
		len(got.PerServer[0].Ops["get"].Curve) != len(r.Latency.Curve) {
		t.Fatalf("round trip lost data: %+v", got)
	}
	var text bytes.Buffer
	got.WriteText(&text)
	if !strings.Contains(text.String(), "get 16x1") || !strings.Contains(text.String(), "lock: 4 contenders") {
		t.Fatalf("text summary:\n%s", text.String())
	}
}

func TestReportHTML(t *testing.T) {
	rs := []*Result{
		synthetic("zen", "get 16x1", 3000, 200),
		synthetic("zookeeper", "get 16x1", 1000, 800),
		synthetic("zen", "set 16x1", 500, 2000),
		synthetic("<zk&>", "set 16x1", 400, 2500), // must be escaped
	}
	rs[1].Warnings = []string{"something <odd>"}
	var b bytes.Buffer
	if err := WriteReport(&b, "zen vs ZooKeeper", rs, []string{"zen", "zookeeper", "<zk&>"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.HasPrefix(page, "<!doctype html>") || !strings.HasSuffix(strings.TrimSpace(page), "</html>") {
		t.Fatal("not a whole page")
	}
	if strings.Contains(page, "<zk&>") || !strings.Contains(page, "&lt;zk&amp;&gt;") || !strings.Contains(page, "something &lt;odd&gt;") {
		t.Fatal("labels not escaped")
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org/2000/svg") {
		t.Fatal("page is not self-contained")
	}
	svgs := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(page, -1)
	if len(svgs) != 4 { // a percentile plot and a throughput chart per case
		t.Fatalf("%d svg elements", len(svgs))
	}
	for i, s := range svgs {
		d := xml.NewDecoder(strings.NewReader(s))
		for {
			_, err := d.Token()
			if err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("svg %d is not well-formed: %v", i, err)
				}
				break
			}
		}
	}
	// one line per series in each plot, in the series' colour
	plot := svgs[0]
	if n := strings.Count(plot, "<polyline"); n != 2 {
		t.Fatalf("%d lines in the get plot", n)
	}
	if !strings.Contains(plot, palette[0]) || !strings.Contains(plot, palette[1]) {
		t.Fatal("series colours missing")
	}
	// a server keeps its colour across cases
	if !strings.Contains(svgs[2], `stroke="`+palette[0]+`"`) {
		t.Fatal("zen changed colour in the second plot")
	}
	if !strings.Contains(page, "<table>") || strings.Count(page, "<tr>") < 5 {
		t.Fatal("tables missing")
	}
	// the overview compares the first two labels: zen does 3× zookeeper's get
	if !strings.Contains(page, "<h2>Overview</h2>") || !strings.Contains(page, "<td>get 16x1</td><td>3.00k</td><td>1.00k</td><td>–</td><td>3.00×</td>") {
		t.Fatal("overview missing")
	}
}
