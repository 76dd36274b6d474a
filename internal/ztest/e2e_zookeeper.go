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

// StartZooKeeperOpts runs a real standalone Apache ZooKeeper like
// StartZooKeeper, with extra Java system properties (jvmProps, each
// "name=value", passed as -Dname=value) and extra zoo.cfg lines (which
// override the defaults: a later key wins in java.util.Properties). The
// process is killed at test end.
func StartZooKeeperOpts(t testing.TB, jvmProps []string, cfgLines ...string) *Proc {
	t.Helper()
	RequireZooKeeper(t)
	dir := t.TempDir()
	port := FreePort(t)
	cfg := append([]string{
		"tickTime=200",
		"dataDir=" + filepath.Join(dir, "data"),
		fmt.Sprintf("clientPort=%d", port),
		"clientPortAddress=127.0.0.1",
		"4lw.commands.whitelist=*",
		"maxClientCnxns=0",
		"admin.enableServer=false",
	}, cfgLines...)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Proc{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, Log: &bytes.Buffer{}, done: make(chan struct{})}
	args := []string{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", ZooKeeperClasspath,
		"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}
	for _, prop := range jvmProps {
		args = append(args, "-D"+prop)
	}
	args = append(args, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath)
	p.Cmd = exec.Command("java", args...)
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
	})
	// ruok may be outside a custom whitelist; srvr is always enabled.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("ZooKeeper exited:\n%s", p.Output())
		default:
		}
		if out, err := FourLetter(p.Addr, "srvr"); err == nil && strings.Contains(out, "Mode:") {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("ZooKeeper did not come up on %s:\n%s", p.Addr, p.Output())
	return nil
}
