// Package bench is zen's load generator. It speaks the ZooKeeper client
// protocol itself (with package proto, no server internals), so it drives zen
// and Apache ZooKeeper alike, and it is built to stay out of the way of the
// server it measures.
//
// What it owns, file by file:
//
//	config.go     Config, workload names (get, mixed:90, multi:10, ...), defaults
//	conn.go       one client session: handshake, pipelined frames, sync calls
//	session.go    the per-session event loop: pending ring, open/closed loop,
//	              pings, phases (warm-up, measure, drain), per-session stats
//	workload.go   request generators for the keyed and create/delete workloads
//	lock.go       the ZooKeeper lock recipe (ephemeral-sequential + predecessor watch)
//	fanout.go     watch-fanout: one writer, N watchers
//	sessions.go   connect + close rate
//	layout.go     the znode layout under /zen-bench, setup and cleanup
//	hist.go       HdrHistogram wrapper, percentiles, percentile curves
//	procstat.go   CPU and RSS from /proc/PID/stat and /proc/PID/status
//	run.go        Run: setup, sessions, phases, results
//	progress.go   the live progress line
//	wait.go       WaitServing (restart-to-serving checks)
//	result.go     Result (JSON), the text summary
//	report.go     the self-contained HTML report (inline SVG plots)
//	compare.go    the markdown comparison table of several results
//
// Goroutines: Run starts one goroutine per session (never one per request).
// A session goroutine owns its connection, its pending ring, its histograms
// and its counters; the only state it shares is atomic: the run phase, the
// per-session op and error counters read by the progress line, and the
// handful of cross-session values a workload needs (lock holders, the
// fan-out writer's send time). Histograms are merged after every session
// goroutine has returned.
//
// Hot loop: a session appends requests to one write buffer (one write
// syscall per batch), reads replies into one read buffer and decodes them in
// place; requests are tracked in a fixed ring (replies come back in request
// order), keys are preformatted paths, random numbers come from a
// per-session PCG. Sending and completing a request allocates nothing.
//
// Latency is measured from the intended send time: in closed loop that is
// when the request was written; with -rate (open loop) it is the slot the
// schedule assigned, so a server that falls behind is charged for the
// queueing it causes (no coordinated omission).
package bench
