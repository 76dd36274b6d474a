package ztest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// StartZooKeeperAt is StartZooKeeper on a data dir and port the caller
// chooses (port 0: a free one), so that a test can kill ZooKeeper and start
// it again on the same state and address. It waits until the server
// answers ruok and kills it at test end.
func StartZooKeeperAt(t testing.TB, dir string, port int, extra ...string) *Proc {
	t.Helper()
	RequireZooKeeper(t)
	if port == 0 {
		port = FreePort(t)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lines := []string{
		"tickTime=200",
		"dataDir=" + filepath.Join(dir, "data"),
		fmt.Sprintf("clientPort=%d", port),
		"clientPortAddress=127.0.0.1",
		"4lw.commands.whitelist=*",
		"maxClientCnxns=0",
		"admin.enableServer=false",
	}
	lines = append(lines, extra...)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Proc{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, Log: &bytes.Buffer{}, done: make(chan struct{})}
	p.Cmd = exec.Command("java", "-Xmx512m", "-cp", ZooKeeperClasspath,
		"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath)
	p.Cmd.Stdout = lockedWriter{p}
	p.Cmd.Stderr = lockedWriter{p}
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.Kill()
		}
		if t.Failed() {
			t.Logf("ZooKeeper log (%s):\n%s", dir, p.Output())
		}
	})
	if !WaitRuok(p.Addr, 60*time.Second, p.done) || !WaitServing(p.Addr, 60*time.Second) {
		t.Fatalf("ZooKeeper did not come up on %s:\n%s", p.Addr, p.Output())
	}
	return p
}

// WaitServing polls the srvr 4lw until the server says it serves clients
// (a "Mode:" line). ZooKeeper answers ruok with imok before it serves:
// a client connecting in between is dropped ("ZooKeeperServer not
// running").
func WaitServing(addr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if out, err := FourLetter(addr, "srvr"); err == nil && strings.Contains(out, "\nMode: ") {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
