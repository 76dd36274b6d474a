package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zen-coord/zen/bench"
)

const benchUsage = `usage:
  zen bench [workload] [flags]            run a workload against ZooKeeper-protocol servers
  zen bench wait [flags]                  wait until servers serve (after a restart) or reach a zxid
  zen bench failover -kill PID [flags]    SIGKILL a server, time the first write another acks
  zen bench report -o out.html r.json...  HTML report of saved results
  zen bench table [flags] r.json...       markdown comparison of saved results

workloads: ` + bench.Workloads + `
`

// openLoopInflight is the default cap on outstanding requests per session
// with -rate.
const openLoopInflight = 128

// runBench is `zen bench`.
func runBench(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "wait":
			return benchWait(args[1:])
		case "failover":
			return benchFailover(args[1:])
		case "report":
			return benchReport(args[1:])
		case "table":
			return benchTable(args[1:])
		case "help", "-h", "--help", "-help":
			fmt.Fprint(os.Stderr, benchUsage)
			benchRunFlags(nil).PrintDefaults()
			return 0
		}
	}
	return benchRun(args)
}

type benchFlags struct {
	fs                                 *flag.FlagSet
	servers, workload, label, pids     string
	caseName                           string
	root, out, report                  string
	clients, inflight, valueSize, keys int
	duration, warmup, sessionTimeout   time.Duration
	rate                               float64
	seed                               uint64
	jsonOut, lockCounter, noCleanup    bool
	progress                           bool
	cpuProfile                         string
}

func benchRunFlags(f *benchFlags) *flag.FlagSet {
	if f == nil {
		f = &benchFlags{}
	}
	d := bench.DefaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&f.servers, "servers", "127.0.0.1:2181", "comma list of host:port; session i connects to servers[i % n] (lock and watch-fanout need them to be one ensemble)")
	fs.StringVar(&f.workload, "workload", "get", "workload: "+bench.Workloads)
	fs.IntVar(&f.clients, "clients", d.Clients, "sessions (watch-fanout: watchers)")
	fs.IntVar(&f.inflight, "inflight", d.Inflight, "pipelined outstanding requests per session (lock: contenders per session; with -rate: a cap, default 128)")
	fs.DurationVar(&f.duration, "duration", d.Duration, "measured time (delete: a cap, 0 = until done; load: ignored)")
	fs.DurationVar(&f.warmup, "warmup", d.Warmup, "unmeasured warm-up before measuring (load: ignored)")
	fs.IntVar(&f.valueSize, "value-size", d.ValueSize, "bytes of data per set/create")
	fs.IntVar(&f.keys, "keys", d.Keys, "key space of get/set/exists/children/mixed; nodes setup makes for delete; nodes for load without :N")
	fs.Float64Var(&f.rate, "rate", 0, "open loop at this total rate (requests/s), latency from the intended send time; 0 = closed loop")
	fs.BoolVar(&f.jsonOut, "json", false, "print the result as JSON on stdout (the summary goes to stderr)")
	fs.StringVar(&f.out, "out", "", "also write the JSON result to this file")
	fs.StringVar(&f.report, "report", "", "write an HTML report (latency plots and a table) to this file")
	fs.StringVar(&f.label, "label", "", "series name in results and reports (default: the server list)")
	fs.StringVar(&f.caseName, "case", "", "case name in results and tables (default: workload and shape, e.g. \"get 64x8\")")
	fs.StringVar(&f.pids, "pids", "", "server process ids, one per server, to report server CPU per op and RSS")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed (0 = from the clock)")
	fs.BoolVar(&f.lockCounter, "lock-counter", false, "lock: increment a counter znode under the lock and verify it at the end")
	fs.BoolVar(&f.noCleanup, "no-cleanup", false, "keep the nodes create, multi and create-delete made")
	fs.StringVar(&f.root, "root", d.Root, "znode under which the bench works")
	fs.DurationVar(&f.sessionTimeout, "session-timeout", d.SessionTimeout, "requested session timeout")
	fs.BoolVar(&f.progress, "progress", true, "live progress line on stderr")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write the harness's CPU profile to this file")
	f.fs = fs
	return fs
}

func benchRun(args []string) int {
	var f benchFlags
	fs := benchRunFlags(&f)
	fs.Usage = func() { fmt.Fprint(os.Stderr, benchUsage); fs.PrintDefaults() }
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		f.workload = args[0]
		args = args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "zen bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg := bench.DefaultConfig()
	w, err := bench.ParseWorkload(f.workload)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
		return 2
	}
	cfg.Workload = w
	cfg.Servers = bench.ParseServers(f.servers)
	cfg.Clients, cfg.Inflight = f.clients, f.inflight
	inflightSet := false
	fs.Visit(func(fl *flag.Flag) { inflightSet = inflightSet || fl.Name == "inflight" })
	if f.rate > 0 && !inflightSet {
		// In open loop the schedule decides when requests go; -inflight only
		// caps what may be outstanding, so by default leave it generous.
		cfg.Inflight = openLoopInflight
	}
	cfg.Duration, cfg.Warmup = f.duration, f.warmup
	cfg.ValueSize, cfg.Keys, cfg.Rate = f.valueSize, f.keys, f.rate
	cfg.Label, cfg.Seed, cfg.Root = f.label, f.seed, f.root
	cfg.LockCounter, cfg.NoCleanup = f.lockCounter, f.noCleanup
	cfg.Case = f.caseName
	cfg.SessionTimeout = f.sessionTimeout
	if cfg.PIDs, err = bench.ParsePIDs(f.pids); err != nil {
		fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
		return 2
	}
	if f.progress {
		cfg.Progress = os.Stderr
		if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			cfg.ProgressTTY = true
		}
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
			return 1
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
		return 1
	}
	var text io.Writer = os.Stdout
	if f.jsonOut {
		text = os.Stderr
		if err := res.WriteJSON(os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
			return 1
		}
	}
	res.WriteText(text)
	if f.out != "" {
		if err := writeFile(f.out, res.WriteJSON); err != nil {
			fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
			return 1
		}
	}
	if f.report != "" {
		err := writeFile(f.report, func(w io.Writer) error {
			return bench.WriteReport(w, "zen bench: "+res.Case, []*bench.Result{res}, nil)
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "zen bench: %v\n", err)
			return 1
		}
	}
	if res.Lock != nil && res.Lock.Violations > 0 {
		return 3
	}
	return 0
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchWait waits until every server serves and reports how long it took
// since -since (a restart's start), as a "restart" result.
func benchWait(args []string) int {
	fs := flag.NewFlagSet("bench wait", flag.ContinueOnError)
	servers := fs.String("servers", "127.0.0.1:2181", "comma list of host:port")
	path := fs.String("path", "/", "znode that must exist (e.g. the last node load made)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	since := fs.Int64("since", 0, "start of the wait in Unix nanoseconds (date +%s%N when the server was launched); default now")
	label := fs.String("label", "", "series name in the result")
	caseName := fs.String("case", "restart", "case name in the result")
	pids := fs.String("pids", "", "server process ids, one per server, for RSS once serving")
	zxid := fs.String("zxid", "", "instead of -path, wait until each server's srvr Zxid is at least this (e.g. 0x100000000); the result is an event")
	jsonOut := fs.Bool("json", false, "print the result as JSON on stdout")
	out := fs.String("out", "", "also write the JSON result to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var minZxid int64 = -1
	if *zxid != "" {
		z, err := strconv.ParseInt(*zxid, 0, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "zen bench wait: bad -zxid %q\n", *zxid)
			return 2
		}
		minZxid = z
	}
	start := time.Now()
	if *since > 0 {
		start = time.Unix(0, *since)
	}
	pl, err := bench.ParsePIDs(*pids)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zen bench wait: %v\n", err)
		return 2
	}
	addrs := bench.ParseServers(*servers)
	if len(pl) > 0 && len(pl) != len(addrs) {
		fmt.Fprintf(os.Stderr, "zen bench wait: %d pids for %d servers\n", len(pl), len(addrs))
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res := &bench.Result{Label: *label, Case: *caseName, Workload: "restart", Servers: addrs, Started: start}
	if minZxid >= 0 {
		res.Workload = "event"
	}
	if res.Label == "" {
		res.Label = *servers
	}
	var last time.Time
	for i, a := range addrs {
		var t time.Time
		var err error
		if minZxid >= 0 {
			t, err = bench.WaitZxid(ctx, a, minZxid, 0)
		} else {
			t, err = bench.WaitServing(ctx, a, *path, 0)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "zen bench wait: %v\n", err)
			return 1
		}
		sr := bench.ServerResult{Addr: a, Series: res.Label}
		if len(pl) > 0 {
			sr.PID = pl[i]
			if s, err := bench.SampleProc(pl[i]); err == nil {
				sr.RSS = s.RSSBytes
				res.ServerRSS += s.RSSBytes
			}
		}
		res.PerServer = append(res.PerServer, sr)
		last = t
	}
	res.Elapsed = last.Sub(start).Seconds()
	if *jsonOut {
		res.WriteJSON(os.Stdout)
	}
	what := "serving " + *path
	if minZxid >= 0 {
		what = fmt.Sprintf("at zxid >= 0x%x", minZxid)
	}
	msg := fmt.Sprintf("%s [%s]: %s after %.3fs", res.Case, res.Label, what, res.Elapsed)
	if res.ServerRSS > 0 {
		msg += ", rss " + bench.FormatBytes(res.ServerRSS)
	}
	if *jsonOut {
		fmt.Fprintln(os.Stderr, msg)
	} else {
		fmt.Println(msg)
	}
	if *out != "" {
		if err := writeFile(*out, res.WriteJSON); err != nil {
			fmt.Fprintf(os.Stderr, "zen bench wait: %v\n", err)
			return 1
		}
	}
	return 0
}

// benchFailover is `zen bench failover`: SIGKILL one server (normally the
// leader) and time how long until any of -servers acknowledges a write.
func benchFailover(args []string) int {
	fs := flag.NewFlagSet("bench failover", flag.ContinueOnError)
	servers := fs.String("servers", "127.0.0.1:2182,127.0.0.1:2183", "the surviving servers: comma list of host:port")
	kill := fs.Int("kill", 0, "process id to SIGKILL (the leader)")
	path := fs.String("path", "/zen-bench-failover", "znode to set (created if missing)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	attempt := fs.Duration("attempt", 2*time.Second, "timeout of one connect+write attempt")
	label := fs.String("label", "", "series name in the result")
	caseName := fs.String("case", "failover: leader kill -9 to first acked write", "case name in the result")
	jsonOut := fs.Bool("json", false, "print the result as JSON on stdout")
	out := fs.String("out", "", "also write the JSON result to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *kill <= 0 {
		fmt.Fprintln(os.Stderr, "zen bench failover: -kill PID is required")
		return 2
	}
	addrs := bench.ParseServers(*servers)
	// A write before the kill: the survivors serve and the path exists, so
	// the timed write is a setData.
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if _, _, err := bench.FirstWrite(ctx, addrs, *path, *attempt, 0); err != nil {
		fmt.Fprintf(os.Stderr, "zen bench failover: before the kill: %v\n", err)
		return 1
	}
	start := time.Now()
	if err := syscall.Kill(*kill, syscall.SIGKILL); err != nil {
		fmt.Fprintf(os.Stderr, "zen bench failover: kill %d: %v\n", *kill, err)
		return 1
	}
	at, by, err := bench.FirstWrite(ctx, addrs, *path, *attempt, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zen bench failover: %v\n", err)
		return 1
	}
	res := &bench.Result{Label: *label, Case: *caseName, Workload: "event", Servers: addrs, Started: start,
		Elapsed: at.Sub(start).Seconds()}
	if res.Label == "" {
		res.Label = *servers
	}
	if *jsonOut {
		res.WriteJSON(os.Stdout)
	}
	msg := fmt.Sprintf("%s [%s]: killed pid %d, first write acked by %s after %.3fs", res.Case, res.Label, *kill, by, res.Elapsed)
	if *jsonOut {
		fmt.Fprintln(os.Stderr, msg)
	} else {
		fmt.Println(msg)
	}
	if *out != "" {
		if err := writeFile(*out, res.WriteJSON); err != nil {
			fmt.Fprintf(os.Stderr, "zen bench failover: %v\n", err)
			return 1
		}
	}
	return 0
}

func benchReport(args []string) int {
	fs := flag.NewFlagSet("bench report", flag.ContinueOnError)
	out := fs.String("o", "bench-report.html", "output file")
	title := fs.String("title", "zen bench report", "page title")
	labels := fs.String("labels", "", "comma list of labels for the overview's columns; the ratio is the first over the second")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	results, err := bench.ReadResults(fs.Args()...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zen bench report: %v\n", err)
		return 1
	}
	if len(results) == 0 {
		fmt.Fprintln(os.Stderr, "zen bench report: no results given")
		return 2
	}
	var runs []*bench.Result
	for _, r := range results {
		if r.Workload != "restart" {
			runs = append(runs, r)
		}
	}
	var ls []string
	if *labels != "" {
		ls = strings.Split(*labels, ",")
	}
	if err := writeFile(*out, func(w io.Writer) error { return bench.WriteReport(w, *title, runs, ls) }); err != nil {
		fmt.Fprintf(os.Stderr, "zen bench report: %v\n", err)
		return 1
	}
	return 0
}

func benchTable(args []string) int {
	fs := flag.NewFlagSet("bench table", flag.ContinueOnError)
	labels := fs.String("labels", "", "comma list of labels in column order; the ratio is the first over the second (default: order of appearance)")
	out := fs.String("o", "", "write the markdown here instead of stdout")
	jsonPath := fs.String("json", "", "also write the comparison as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	results, err := bench.ReadResults(fs.Args()...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zen bench table: %v\n", err)
		return 1
	}
	var ls []string
	if *labels != "" {
		ls = strings.Split(*labels, ",")
	}
	cmp := bench.Compare(results, ls)
	if *out == "" {
		cmp.WriteMarkdown(os.Stdout)
	} else if err := writeFile(*out, func(w io.Writer) error { cmp.WriteMarkdown(w); return nil }); err != nil {
		fmt.Fprintf(os.Stderr, "zen bench table: %v\n", err)
		return 1
	}
	if *jsonPath != "" {
		err := writeFile(*jsonPath, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(cmp)
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "zen bench table: %v\n", err)
			return 1
		}
	}
	return 0
}
