package bench

import (
	"os"
	"testing"
)

func TestHistPercentiles(t *testing.T) {
	h := NewHist()
	for us := int64(1); us <= 1000; us++ {
		h.Record(us * 1000) // ns
	}
	st := h.Stats(2)
	if st.Count != 1000 || st.Rate != 500 {
		t.Fatalf("count %d rate %v", st.Count, st.Rate)
	}
	near := func(name string, got, want int64) {
		if got < want-2 || got > want+2 {
			t.Errorf("%s = %d, want about %d", name, got, want)
		}
	}
	near("p50", st.P50, 500)
	near("p90", st.P90, 900)
	near("p99", st.P99, 990)
	near("p99.9", st.P999, 999)
	near("max", st.Max, 1000)
	near("min", st.Min, 1)
	if st.Mean < 499 || st.Mean > 502 {
		t.Errorf("mean %v", st.Mean)
	}
	// the curve runs from the min to the max, never decreasing
	c := st.Curve
	if len(c) < 20 || c[0].P != 0 || c[len(c)-1].P != 100 || c[len(c)-1].Micros != st.Max || c[0].Micros != st.Min {
		t.Fatalf("curve %v", c)
	}
	for i := 1; i < len(c); i++ {
		if c[i].P <= c[i-1].P || c[i].Micros < c[i-1].Micros {
			t.Fatalf("curve not monotonic at %d: %v %v", i, c[i-1], c[i])
		}
	}
}

func TestHistClampsAndMerges(t *testing.T) {
	a, b := NewHist(), NewHist()
	a.Record(-5)            // clock oddity → 0
	a.Record(10 * 60 * 1e9) // ten minutes → clamped to one
	b.Record(250_000)       // 250 µs
	a.Merge(b)
	if a.Count() != 3 {
		t.Fatal(a.Count())
	}
	if max := a.Quantile(100); max < histMaxMicros-histMaxMicros/500 {
		t.Fatalf("max %d", max)
	}
	if min := a.Quantile(0); min != 0 {
		t.Fatalf("min %d", min)
	}
	a.Reset()
	if st := a.Stats(1); st.Count != 0 || st.Curve != nil {
		t.Fatalf("empty stats %+v", st)
	}
}

func TestProcStatParsing(t *testing.T) {
	// a command name with spaces and parentheses, as /proc shows it
	line := []byte("1234 (java (x) y) S 1 1234 1234 0 -1 4194560 2000 0 0 0 250 75 0 0 20 0 40 0 100 5000000 3000 18446744073709551615 1 1 0 0 0 0 0 0 2 0 0 0 17 1 0 0 0 0 0\n")
	cpu, err := parseStatCPU(line)
	if err != nil || cpu != 3.25 {
		t.Fatalf("cpu %v, %v", cpu, err)
	}
	if _, err := parseStatCPU([]byte("1234 (x) S 1")); err == nil {
		t.Fatal("short line accepted")
	}
	status := []byte("Name:\tjava\nVmPeak:\t 999 kB\nVmRSS:\t  123456 kB\nThreads:\t40\n")
	if rss, err := parseStatusRSS(status); err != nil || rss != 123456*1024 {
		t.Fatalf("rss %v, %v", rss, err)
	}
	if rss, err := parseStatusRSS([]byte("Name:\tzombie\n")); err != nil || rss != 0 {
		t.Fatalf("zombie rss %v, %v", rss, err)
	}
	self, err := SampleProc(0)
	if err != nil || self.RSSBytes <= 0 || self.CPU < 0 {
		t.Fatalf("self %+v, %v", self, err)
	}
	pid, err := SampleProc(os.Getpid())
	if err != nil || pid.RSSBytes <= 0 {
		t.Fatalf("own pid %+v, %v", pid, err)
	}
	if _, err := SampleProc(1 << 30); err == nil {
		t.Fatal("no error for a missing process")
	}
}
