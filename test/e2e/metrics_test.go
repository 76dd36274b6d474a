package e2e

// The Prometheus endpoint (engine.Config.MetricsAddr; zen-only).

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// scrape fetches /metrics and returns the samples by their full name
// (metric name plus labels as written).
func scrape(t testing.TB, addr string) (map[string]float64, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("/metrics Content-Type %q", ct)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string]float64{}
	for _, l := range strings.Split(string(body), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			t.Fatalf("bad sample line %q", l)
		}
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample value in %q", l)
		}
		samples[l[:i]] = v
	}
	return samples, string(body)
}

func TestMetricsEndpoint(t *testing.T) {
	zenOnly(t)
	maddr := fmt.Sprintf("127.0.0.1:%d", ztest.FreePort(t))
	s := serve(t, opts{MetricsAddr: maddr})
	maddr = s.MetricsAddr
	var m map[string]float64
	eventually(t, 5*time.Second, "the metrics endpoint", func() bool {
		resp, err := http.Get("http://" + maddr + "/metrics")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	base, _ := scrape(t, maddr)
	c := dial(t, s.Addr)
	c2 := dial(t, s.Addr)
	for i := 0; i < 3; i++ {
		c.ok(proto.OpCreate, createBody("/n"+itoa(int32(i)), nil, openACL, 0))
	}
	c.ok(proto.OpCreate, createBody("/e", nil, openACL, proto.FlagEphemeral))
	for i := 0; i < 5; i++ {
		c.ok(proto.OpGetData, pathWatch("/n0", i == 0))
	}
	c.fails(proto.OpGetData, pathWatch("/missing", false), proto.ErrNoNode)
	c2.ok(proto.OpGetChildren, pathWatch("/", true))
	c2.ok(proto.OpSetData, setDataBody("/n1", b("x"), -1))
	eventually(t, 5*time.Second, "the counters to settle", func() bool {
		m, _ = scrape(t, maddr)
		return m[`zen_requests_total{op="getData"}`]-base[`zen_requests_total{op="getData"}`] == 6
	})
	m, text := scrape(t, maddr)
	delta := func(k string) float64 { return m[k] - base[k] }
	wantDelta := map[string]float64{
		`zen_requests_total{op="create"}`:                  4,
		`zen_requests_total{op="getData"}`:                 6,
		`zen_requests_total{op="getChildren"}`:             1,
		`zen_requests_total{op="setData"}`:                 1,
		`zen_request_duration_seconds_count{op="create"}`:  4,
		`zen_request_duration_seconds_count{op="getData"}`: 6,
	}
	for k, w := range wantDelta {
		if _, ok := m[k]; !ok {
			t.Errorf("no sample %s in:\n%s", k, text)
			continue
		}
		if d := delta(k); d != w {
			t.Errorf("%s went up by %v, want %v", k, d, w)
		}
	}
	if !strings.Contains(text, `zen_request_duration_seconds_bucket{op="create",vmrange="`) {
		t.Errorf("no latency histogram buckets for create:\n%s", text)
	}
	if v, ok := m[`zen_request_duration_seconds_sum{op="create"}`]; !ok || v < 0 {
		t.Errorf("no latency sum for create")
	}
	gauges := map[string]float64{
		"zen_sessions":             2,
		"zen_znodes":               float64(mntrValue(t, s.Addr, "zk_znode_count")),
		"zen_watches":              float64(mntrValue(t, s.Addr, "zk_watch_count")),
		"zen_outstanding_requests": 0,
		"zen_ephemerals":           1,
	}
	for k, w := range gauges {
		if v, ok := m[k]; !ok || v != w {
			t.Errorf("%s = %v (present %v), want %v", k, v, ok, w)
		}
	}
	// The gauges follow the state: closing c drops its session, its
	// ephemeral and its watch, and the delete fires c2's child watch.
	c.ok(proto.OpCloseSession, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, _ = scrape(t, maddr)
		if m["zen_sessions"] == 1 && m["zen_ephemerals"] == 0 && m["zen_watches"] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after closeSession: sessions %v ephemerals %v watches %v, want 1, 0, 0",
				m["zen_sessions"], m["zen_ephemerals"], m["zen_watches"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
