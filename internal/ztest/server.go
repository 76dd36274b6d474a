package ztest

import (
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zen-coord/zen/engine"
)

// Server is an in-process zen server for a test.
type Server struct {
	*engine.Server
	Dir string
	Cfg engine.Config
	t   testing.TB
}

// StartServer starts zen on 127.0.0.1:0 with its data in a temp dir. mod
// may adjust the configuration (tickTime defaults to 200 ms here so session
// tests run fast; all 4lw are enabled). The server is closed at test end.
func StartServer(t testing.TB, mod func(*engine.Config)) *Server {
	t.Helper()
	dir := t.TempDir()
	return StartServerIn(t, dir, mod)
}

// StartServerIn is StartServer on an existing data dir (for restarts).
func StartServerIn(t testing.TB, dir string, mod func(*engine.Config)) *Server {
	t.Helper()
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
	if mod != nil {
		mod(&cfg)
	}
	if err := cfg.Finish(); err != nil {
		t.Fatalf("config: %v", err)
	}
	var out io.Writer = io.Discard
	if os.Getenv("ZEN_TEST_LOG") != "" {
		out = os.Stderr
	}
	srv, err := engine.New(cfg, engine.Options{
		Logger:  log.New(out, "zen ", log.Lmicroseconds),
		OnFatal: func(err error) { t.Errorf("server fatal: %v", err) },
	})
	if err != nil {
		t.Fatalf("starting zen: %v", err)
	}
	s := &Server{Server: srv, Dir: dir, Cfg: cfg, t: t}
	t.Cleanup(func() { srv.Close() })
	return s
}
