package bench

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Kind is a workload.
type Kind int

// The workloads. Keyed workloads (get, set, exists, children, mixed) work on
// a fixed key space that setup creates; create, create-delete and multi make
// fresh nodes (deleted again by cleanup); delete removes nodes setup made;
// load creates N nodes as fast as possible and keeps them.
const (
	KindGet          Kind = iota // getData of a random key
	KindSet                      // setData of a random key (unconditional)
	KindExists                   // exists of a random key
	KindChildren                 // getChildren of a random key group
	KindCreate                   // create of a new persistent node
	KindDelete                   // delete of a node made by setup
	KindCreateDelete             // create a node, then delete it
	KindMixed                    // Param% getData, the rest setData
	KindMulti                    // one multi of Param creates
	KindLock                     // ZooKeeper lock recipe, clients×inflight contenders
	KindWatchFanout              // one writer, Param (or clients) watchers
	KindLoad                     // create Param (or -keys) nodes, as fast as possible
	KindSessions                 // connect + close
	numKinds
)

var kindNames = [numKinds]string{
	KindGet: "get", KindSet: "set", KindExists: "exists", KindChildren: "children",
	KindCreate: "create", KindDelete: "delete", KindCreateDelete: "create-delete",
	KindMixed: "mixed", KindMulti: "multi", KindLock: "lock", KindWatchFanout: "watch-fanout",
	KindLoad: "load", KindSessions: "sessions",
}

func (k Kind) String() string {
	if k >= 0 && k < numKinds {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Workload is a parsed workload name: a Kind and its parameter (mixed:R, the
// read percentage; multi:N, creates per multi; load:N, nodes to create;
// watch-fanout:N, watchers). Param 0 means "use the default".
type Workload struct {
	Kind  Kind
	Param int
}

// Workloads lists the workload names ParseWorkload accepts, for usage text.
const Workloads = "get, set, exists, children, create, delete, create-delete, mixed:R, multi:N, lock, watch-fanout[:N], load[:N], sessions"

// ParseWorkload parses "get", "mixed:90", "multi:10", "load:200000" ...
func ParseWorkload(s string) (Workload, error) {
	name, arg, hasArg := strings.Cut(strings.TrimSpace(s), ":")
	var w Workload
	found := false
	for k := Kind(0); k < numKinds; k++ {
		if kindNames[k] == name {
			w.Kind, found = k, true
			break
		}
	}
	if !found {
		return w, fmt.Errorf("unknown workload %q (want one of %s)", s, Workloads)
	}
	switch w.Kind {
	case KindMixed, KindMulti:
		if !hasArg {
			return w, fmt.Errorf("workload %q needs a parameter: %s:N", s, name)
		}
	case KindWatchFanout, KindLoad:
	default:
		if hasArg {
			return w, fmt.Errorf("workload %q takes no parameter", s)
		}
		return w, nil
	}
	if !hasArg {
		return w, nil
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 {
		return w, fmt.Errorf("workload %q: bad parameter %q", s, arg)
	}
	switch {
	case w.Kind == KindMixed && n > 100:
		return w, fmt.Errorf("workload %q: read percentage must be 0..100", s)
	case w.Kind == KindMulti && (n < 1 || n > 10000):
		return w, fmt.Errorf("workload %q: creates per multi must be 1..10000", s)
	case (w.Kind == KindLoad || w.Kind == KindWatchFanout) && n < 1:
		return w, fmt.Errorf("workload %q: parameter must be positive", s)
	}
	w.Param = n
	return w, nil
}

func (w Workload) String() string {
	switch w.Kind {
	case KindMixed, KindMulti:
		return w.Kind.String() + ":" + strconv.Itoa(w.Param)
	case KindLoad, KindWatchFanout:
		if w.Param > 0 {
			return w.Kind.String() + ":" + strconv.Itoa(w.Param)
		}
	}
	return w.Kind.String()
}

// openLoop reports whether the workload supports -rate (a request stream a
// schedule can pace); the others are driven by their own protocol.
func (w Workload) openLoop() bool {
	switch w.Kind {
	case KindLock, KindWatchFanout, KindLoad, KindSessions, KindDelete:
		return false
	}
	return true
}

// Config is one benchmark run.
type Config struct {
	Servers        []string      // host:port; session i connects to Servers[i%len] (one ensemble for lock and watch-fanout)
	Workload       Workload      // what to run
	Clients        int           // sessions (watchers for watch-fanout)
	Inflight       int           // pipelined outstanding requests per session
	Duration       time.Duration // measured time (delete: a cap, 0 = until done; load: ignored)
	Warmup         time.Duration // unmeasured time before it (load: ignored)
	ValueSize      int           // bytes of data per set/create
	Keys           int           // key space (keyed workloads) or nodes made by setup (delete)
	Rate           float64       // total requests/s, open loop; 0 = closed loop
	SessionTimeout time.Duration // requested session timeout
	Label          string        // series name in results (default: the server address)
	PIDs           []int         // server process ids, aligned with Servers, for CPU and RSS
	Seed           uint64        // random seed (0 = from the clock)
	LockCounter    bool          // lock: increment a counter znode under the lock and verify it
	NoCleanup      bool          // keep the nodes create/multi/create-delete made
	Case           string        // the result's case name (default: workload and shape)
	Root           string        // parent of everything the bench makes (default /zen-bench)
	Progress       io.Writer     // live progress line (nil = none)
	ProgressTTY    bool          // rewrite the progress line in place (\r) rather than print lines
	DrainTimeout   time.Duration // how long to wait for outstanding replies at the end
	DialTimeout    time.Duration // connect + handshake timeout per session

	brokenLock bool // tests only: contenders ignore their predecessor
}

// Defaults used when a Config field is zero.
const (
	DefaultClients        = 16
	DefaultInflight       = 1
	DefaultDuration       = 10 * time.Second
	DefaultWarmup         = 2 * time.Second
	DefaultValueSize      = 100
	DefaultKeys           = 10000
	DefaultSessionTimeout = 30 * time.Second
	DefaultRoot           = "/zen-bench"
	DefaultDrainTimeout   = 10 * time.Second
	DefaultDialTimeout    = 10 * time.Second
	// maxValueSize keeps requests under jute.maxbuffer with headers.
	maxValueSize = 1<<20 - 4096
)

// DefaultConfig returns a Config with every default filled in and no server.
func DefaultConfig() Config {
	return Config{
		Workload:       Workload{Kind: KindGet},
		Clients:        DefaultClients,
		Inflight:       DefaultInflight,
		Duration:       DefaultDuration,
		Warmup:         DefaultWarmup,
		ValueSize:      DefaultValueSize,
		Keys:           DefaultKeys,
		SessionTimeout: DefaultSessionTimeout,
		Root:           DefaultRoot,
		DrainTimeout:   DefaultDrainTimeout,
		DialTimeout:    DefaultDialTimeout,
	}
}

// Validate checks c and fills the defaults of fields left zero that have no
// meaningful zero (Inflight, Root, timeouts).
func (c *Config) Validate() error {
	if len(c.Servers) == 0 {
		return errors.New("no servers")
	}
	for _, s := range c.Servers {
		if s == "" {
			return errors.New("empty server address")
		}
	}
	if c.Clients < 1 {
		return errors.New("clients must be at least 1")
	}
	if c.Inflight < 1 {
		c.Inflight = 1
	}
	if c.Inflight > 1<<16 {
		return errors.New("inflight must be at most 65536")
	}
	if c.Duration < 0 || c.Warmup < 0 {
		return errors.New("duration and warmup must not be negative")
	}
	if c.Duration == 0 && c.Workload.Kind != KindLoad && c.Workload.Kind != KindDelete {
		return errors.New("duration must be positive")
	}
	if c.ValueSize < 0 || c.ValueSize > maxValueSize {
		return fmt.Errorf("value size must be 0..%d", maxValueSize)
	}
	if c.Keys < 1 {
		return errors.New("keys must be at least 1")
	}
	if c.Rate < 0 {
		return errors.New("rate must not be negative")
	}
	if c.Rate > 0 && !c.Workload.openLoop() {
		return fmt.Errorf("-rate is not supported by %s (it paces itself)", c.Workload)
	}
	if len(c.PIDs) > 0 && len(c.PIDs) != len(c.Servers) {
		return fmt.Errorf("%d pids for %d servers: give one per server", len(c.PIDs), len(c.Servers))
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = DefaultSessionTimeout
	}
	if c.Root == "" {
		c.Root = DefaultRoot
	}
	if c.Root[0] != '/' || (len(c.Root) > 1 && strings.HasSuffix(c.Root, "/")) {
		return fmt.Errorf("root %q must be an absolute znode path", c.Root)
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	return nil
}

// contenders is the number of lock contenders.
func (c *Config) contenders() int { return c.Clients * c.Inflight }

// watchers is the number of watch-fanout watchers.
func (c *Config) watchers() int {
	if c.Workload.Param > 0 {
		return c.Workload.Param
	}
	return c.Clients
}

// loadNodes is the number of nodes load creates.
func (c *Config) loadNodes() int {
	if c.Workload.Param > 0 {
		return c.Workload.Param
	}
	return c.Keys
}

// ParseServers splits a comma list of host:port.
func ParseServers(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParsePIDs splits a comma list of process ids.
func ParsePIDs(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad pid %q", p)
		}
		out = append(out, n)
	}
	return out, nil
}
