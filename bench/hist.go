package bench

import (
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, 3 significant digits (1 µs
// resolution below 2 ms), up to a minute; anything slower is clamped to a
// minute. One histogram is about 140 KiB.
const (
	histMaxMicros = 60_000_000
	histDigits    = 3
)

// Hist is a latency histogram. It belongs to one goroutine.
type Hist struct{ h *hdrhistogram.Histogram }

// NewHist returns an empty histogram.
func NewHist() *Hist { return &Hist{h: hdrhistogram.New(1, histMaxMicros, histDigits)} }

// Record adds one latency in nanoseconds. It does not allocate.
func (h *Hist) Record(ns int64) {
	us := (ns + 500) / 1000
	if us < 0 {
		us = 0
	} else if us > histMaxMicros {
		us = histMaxMicros
	}
	h.h.RecordValue(us)
}

// Count is the number of recorded values.
func (h *Hist) Count() int64 { return h.h.TotalCount() }

// Merge adds every value of o to h.
func (h *Hist) Merge(o *Hist) { h.h.Merge(o.h) }

// Reset empties h.
func (h *Hist) Reset() { h.h.Reset() }

// Quantile returns the latency in microseconds at percentile p (0..100).
func (h *Hist) Quantile(p float64) int64 { return h.h.ValueAtQuantile(p) }

// CurvePoint is one point of a percentile curve: latency Micros at
// percentile P.
type CurvePoint struct {
	P      float64 `json:"p"`
	Micros int64   `json:"us"`
}

// Stats summarises a histogram. Latencies are in microseconds.
type Stats struct {
	Count int64        `json:"count"`
	Rate  float64      `json:"rate"` // Count per second of the measured window
	Mean  float64      `json:"mean_us"`
	Min   int64        `json:"min_us"`
	P50   int64        `json:"p50_us"`
	P90   int64        `json:"p90_us"`
	P99   int64        `json:"p99_us"`
	P999  int64        `json:"p999_us"`
	Max   int64        `json:"max_us"`
	Curve []CurvePoint `json:"curve,omitempty"`
}

// Stats summarises h over a measured window of seconds (for Rate).
func (h *Hist) Stats(seconds float64) Stats {
	n := h.Count()
	s := Stats{Count: n}
	if seconds > 0 {
		s.Rate = float64(n) / seconds
	}
	if n == 0 {
		return s
	}
	s.Mean = h.h.Mean()
	s.Min = h.h.Min()
	s.P50 = h.Quantile(50)
	s.P90 = h.Quantile(90)
	s.P99 = h.Quantile(99)
	s.P999 = h.Quantile(99.9)
	s.Max = h.h.Max()
	s.Curve = h.curve()
	return s
}

// curvePerDecade is the number of curve points per decade of 1/(1-p).
const curvePerDecade = 10

// curve samples the percentile curve evenly on the log scale of 1/(1-p)
// (the usual HdrHistogram plot: 0, 90, 99, 99.9 ... evenly spaced), out to
// where fewer than one value lies beyond, then the maximum.
func (h *Hist) curve() []CurvePoint {
	n := h.Count()
	decades := math.Log10(float64(n))
	var pts []CurvePoint
	for i := 0; ; i++ {
		d := float64(i) / curvePerDecade
		if d > decades {
			break
		}
		p := 100 * (1 - math.Pow(10, -d))
		v := h.Quantile(p)
		if i == 0 {
			v = h.h.Min()
		}
		pts = append(pts, CurvePoint{P: p, Micros: v})
	}
	pts = append(pts, CurvePoint{P: 100, Micros: h.h.Max()})
	return pts
}
