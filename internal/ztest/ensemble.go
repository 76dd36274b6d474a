package ztest

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zen-coord/zen/engine"
)

// Member is one in-process ensemble member.
type Member struct {
	*engine.Server
	ID       int64
	Dir      string
	Cfg      engine.Config
	PeerPort int
	opts     engine.Options
	t        testing.TB
}

// EnsembleSpec describes an in-process ensemble for tests.
type EnsembleSpec struct {
	Voters    int
	Observers int
	Mod       func(*engine.Config)
	// PeerAddrs, if set, returns the dial address of member `to` as seen by
	// member `from` (tests route peers through proxies this way).
	PeerAddrs func(from, to int64, real string) string
}

// StartEnsemble starts an ensemble of in-process servers on 127.0.0.1 with
// their data in temp dirs, and waits until every member serves. Members
// are closed at test end.
func StartEnsemble(t testing.TB, spec EnsembleSpec) []*Member {
	t.Helper()
	for attempt := 1; ; attempt++ {
		members, err := startEnsemble(t, spec)
		if err == nil {
			for _, m := range members {
				if !m.WaitServing(30 * time.Second) {
					t.Fatalf("member %d did not start serving", m.ID)
				}
			}
			return members
		}
		// The peer ports were free when picked; something else may have
		// taken one since. Pick new ones.
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
	}
}

// startEnsemble configures and starts the members once, on new ports and
// dirs. On an error the members it started are closed.
func startEnsemble(t testing.TB, spec EnsembleSpec) ([]*Member, error) {
	t.Helper()
	n := spec.Voters + spec.Observers
	servers := map[int64]engine.ServerSpec{}
	ports := map[int64]int{}
	for i := 1; i <= n; i++ {
		id := int64(i)
		ports[id] = FreePort(t)
		servers[id] = engine.ServerSpec{ID: id, Host: "127.0.0.1", PeerPort: ports[id],
			ElectionPort: ports[id], Observer: i > spec.Voters}
	}
	var members []*Member
	for i := 1; i <= n; i++ {
		id := int64(i)
		dir := t.TempDir()
		m := &Member{ID: id, Dir: dir, PeerPort: ports[id], t: t}
		cfg := engine.DefaultConfig()
		cfg.TickTime = 200 * time.Millisecond
		cfg.DataDir = filepath.Join(dir, "data")
		cfg.ClientAddr = "127.0.0.1:0"
		cfg.MaxClientCnxns = 0
		cfg.FourLetterWords = map[string]bool{}
		for _, w := range []string{"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok",
			"stmk", "srst", "srvr", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash"} {
			cfg.FourLetterWords[w] = true
		}
		cfg.Servers = servers
		cfg.PeerObserver = i > spec.Voters
		if spec.Mod != nil {
			spec.Mod(&cfg)
		}
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cfg.DataDir, "myid"), []byte(strconv.FormatInt(id, 10)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Finish(); err != nil {
			t.Fatalf("config of %d: %v", id, err)
		}
		m.Cfg = cfg
		m.opts = engine.Options{
			Logger:  log.New(testLogOutput(), fmt.Sprintf("zen%d ", id), log.Lmicroseconds),
			OnFatal: func(err error) { t.Errorf("server %d fatal: %v", id, err) },
		}
		if spec.PeerAddrs != nil {
			m.opts.PeerAddrs = map[int64]string{}
			for j := 1; j <= n; j++ {
				to := int64(j)
				if to != id {
					m.opts.PeerAddrs[to] = spec.PeerAddrs(id, to, servers[to].PeerAddr())
				}
			}
		}
		members = append(members, m)
	}
	// Open the members' logs at the same time, and close them at the same
	// time at test end (this cleanup runs before the members' own).
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.start()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for _, m := range members {
				m.Stop()
			}
			return nil, fmt.Errorf("starting member %d: %w", members[i].ID, err)
		}
	}
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, m := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.Stop()
			}()
		}
		wg.Wait()
	})
	return members, nil
}

// Start (re)starts the member on its data dir.
func (m *Member) Start() {
	m.t.Helper()
	if err := m.start(); err != nil {
		m.t.Fatalf("starting member %d: %v", m.ID, err)
	}
}

func (m *Member) start() error {
	srv, err := engine.New(m.Cfg, m.opts)
	if err != nil {
		return err
	}
	m.Server = srv
	m.t.Cleanup(func() { srv.Close() })
	return nil
}

// Stop closes the member (it can be started again).
func (m *Member) Stop() {
	if m.Server != nil {
		m.Server.Close()
	}
}

// Addrs lists the members' client addresses.
func Addrs(ms []*Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Addr())
	}
	return out
}

func testLogOutput() io.Writer {
	if os.Getenv("ZEN_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}
