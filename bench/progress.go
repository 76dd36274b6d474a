package bench

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints the live progress line on Config.Progress: rewritten in
// place every half second on a terminal, one line every 5 s otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	name     string
	sessions []*session
	run      *runState

	mu      sync.Mutex
	phase   string
	phaseAt time.Time
	stop    chan struct{}
	done    chan struct{}
	closed  bool
}

func newProgress(cfg *Config) *progress {
	p := &progress{w: cfg.Progress, tty: cfg.ProgressTTY, name: caseName(cfg)}
	if cfg.Label != "" {
		p.name += " [" + cfg.Label + "]"
	}
	return p
}

// status records the phase the run is in.
func (p *progress) status(phase string) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.phaseAt = phase, time.Now()
	if p.stop == nil && !p.closed {
		if p.tty {
			fmt.Fprintf(p.w, "\r\033[K%s: %s", p.name, phase)
		} else {
			fmt.Fprintf(p.w, "%s: %s\n", p.name, phase)
		}
	}
}

// start begins the periodic line; sessions and run must be set.
func (p *progress) start() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	every := 5 * time.Second
	if p.tty {
		every = 500 * time.Millisecond
	}
	go p.loop(every)
}

func (p *progress) loop(every time.Duration) {
	defer close(p.done)
	t := time.NewTicker(every)
	defer t.Stop()
	lastT := time.Now()
	var lastOps int64
	lastCPU, _ := SampleProc(0)
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			var ops, errs int64
			for _, s := range p.sessions {
				ops += s.live.Load()
				errs += s.liveErr.Load()
			}
			cpu, _ := SampleProc(0)
			dt := now.Sub(lastT).Seconds()
			rate := float64(ops-lastOps) / dt
			cpuPct := (cpu.CPU - lastCPU.CPU) / dt * 100
			lastT, lastOps, lastCPU = now, ops, cpu
			p.mu.Lock()
			line := fmt.Sprintf("%s: %s %.0fs  %s ops/s  total %s  errors %d  harness cpu %.0f%%",
				p.name, p.phase, now.Sub(p.phaseAt).Seconds(), FormatCount(rate), FormatCount(float64(ops)), errs, cpuPct)
			if p.tty {
				fmt.Fprintf(p.w, "\r\033[K%s", line)
			} else {
				fmt.Fprintln(p.w, line)
			}
			p.mu.Unlock()
		}
	}
}

// close stops the line (idempotent).
func (p *progress) close() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	stop, done := p.stop, p.done
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
