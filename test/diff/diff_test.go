package diff

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zen-coord/zen/engine"
	"github.com/zen-coord/zen/internal/ztest"
)

var showAll = flag.Bool("diff.show", false, "print both transcripts of every scenario, not only of failing ones")

// shared holds one ZooKeeper per variant, started on first use and shared
// by the scenarios of that variant (one at a time, each in its subtree).
type shared struct {
	once sync.Once
	zk   *ZK
	err  error
	mu   sync.Mutex
}

var (
	sharedMu sync.Mutex
	sharedZK = map[string]*shared{}
)

func sharedFor(variant string) *shared {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	s := sharedZK[variant]
	if s == nil {
		s = &shared{}
		sharedZK[variant] = s
	}
	return s
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	sharedMu.Lock()
	for _, s := range sharedZK {
		if s.zk != nil {
			s.zk.Stop()
		}
	}
	sharedMu.Unlock()
	os.Exit(code)
}

var closing sync.WaitGroup

// startZen starts an in-process zen with variant v's configuration on
// 127.0.0.1:0 in a new temporary directory. Unlike ztest.StartServer it
// closes the server in the background when the scenario ends (closing
// takes a while and is not part of what the scenario compares); TestDiff
// waits for all of them.
func startZen(t *testing.T, v Variant) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "zendiff-zen")
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.ClientAddr = "127.0.0.1:0"
	zenConfig(t, v)(&cfg)
	if err := cfg.Finish(); err != nil {
		t.Fatalf("zen config: %v", err)
	}
	var out io.Writer = io.Discard
	if os.Getenv("ZEN_TEST_LOG") != "" {
		out = os.Stderr
	}
	var fatal atomic.Value
	srv, err := engine.New(cfg, engine.Options{
		Logger:  log.New(out, "zen ", log.Lmicroseconds),
		OnFatal: func(err error) { fatal.Store(err.Error()) },
	})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("starting zen: %v", err)
	}
	closing.Add(1)
	t.Cleanup(func() {
		if f := fatal.Load(); f != nil {
			t.Errorf("zen fatal error: %v", f)
		}
		go func() {
			defer closing.Done()
			srv.Close()
			os.RemoveAll(dir)
		}()
	})
	return srv.Addr()
}

// zenConfig builds zen's configuration from a variant's zoo.cfg lines.
func zenConfig(t *testing.T, v Variant) func(*engine.Config) {
	parsed, err := engine.ParseConfig(strings.NewReader(strings.Join(v.Cfg, "\n") + "\n"))
	if err != nil {
		t.Fatalf("zen cannot parse the variant's zoo.cfg: %v", err)
	}
	return func(c *engine.Config) {
		p := parsed
		p.DataDir, p.DataLogDir, p.ClientAddr = c.DataDir, "", c.ClientAddr
		*c = p
	}
}

// TestDiff runs every scenario of testdata/*.zs against zen and against a
// real ZooKeeper 3.8.0 and compares the normalised transcripts.
func TestDiff(t *testing.T) {
	ztest.RequireZooKeeper(t)
	scs, err := LoadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) == 0 {
		t.Fatal("no scenarios in testdata")
	}
	t.Cleanup(closing.Wait)
	for i, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			runScenario(t, sc, fmt.Sprintf("/zdiff%03d", i))
		})
	}
}

type side struct {
	lines []string
	err   error
}

func runScenario(t *testing.T, sc *Scenario, prefix string) {
	v := Variants[sc.Variant]
	t0 := time.Now()
	zenAddr := startZen(t, v)
	tZen := time.Since(t0)
	var zkAddr string
	var zkProc *ZK
	cleanup := false
	if sc.Fresh {
		prefix = ""
		z, err := StartZK(v)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(z.Stop)
		zkAddr, zkProc = z.Addr, z
	} else {
		s := sharedFor(sc.Variant)
		s.once.Do(func() { s.zk, s.err = StartZK(v) })
		if s.err != nil {
			t.Fatal(s.err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		zkAddr, zkProc = s.zk.Addr, s.zk
		cleanup = true
	}

	var wg sync.WaitGroup
	var zkSide, zenSide side
	run := func(addr string, cleanup bool, out *side) {
		defer wg.Done()
		r, err := NewRunner(addr, prefix, cleanup)
		if err != nil {
			out.err = err
			return
		}
		r.Run(sc.Steps)
		out.lines = r.Transcript()
		if err := r.Close(); err != nil {
			out.err = fmt.Errorf("cleanup: %w", err)
		}
	}
	wg.Add(2)
	go run(zkAddr, cleanup, &zkSide)
	go run(zenAddr, false, &zenSide)
	wg.Wait()
	if *showAll {
		t.Logf("zen start %v, both sides %v", tZen, time.Since(t0)-tZen)
	}
	if zkSide.err != nil {
		out := zkProc.Output()
		if len(out) > 4000 {
			out = out[len(out)-4000:]
		}
		t.Fatalf("ZooKeeper side: %v\nZooKeeper log (tail):\n%s", zkSide.err, out)
	}
	if zenSide.err != nil {
		t.Fatalf("zen side: %v", zenSide.err)
	}
	if equal(zkSide.lines, zenSide.lines) {
		if *showAll {
			t.Logf("%s:%d (identical)\n%s", sc.File, sc.Line, strings.Join(zkSide.lines, "\n"))
		}
		return
	}
	t.Errorf("%s:%d: zen differs from ZooKeeper 3.8.0 (- ZooKeeper, + zen):\n%s",
		sc.File, sc.Line, Diff(zkSide.lines, zenSide.lines))
	if *showAll {
		t.Logf("ZooKeeper:\n%s\nzen:\n%s", strings.Join(zkSide.lines, "\n"), strings.Join(zenSide.lines, "\n"))
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
