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

// ZooKeeperClasspath is the classpath of Debian's zookeeper package.
const ZooKeeperClasspath = "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"

// HaveZooKeeper reports whether Java and Debian's zookeeper are installed.
func HaveZooKeeper() bool {
	if _, err := exec.LookPath("java"); err != nil {
		return false
	}
	_, err := os.Stat("/usr/share/java/zookeeper.jar")
	return err == nil
}

// RequireZooKeeper fails the test when Apache ZooKeeper is missing: the
// repo's scripts/install-test-deps.sh installs it (make test runs it).
func RequireZooKeeper(t testing.TB) {
	t.Helper()
	if !HaveZooKeeper() {
		t.Fatal("Apache ZooKeeper (Debian package zookeeper) and java are required: run scripts/install-test-deps.sh")
	}
}

// StartZooKeeper runs a real standalone Apache ZooKeeper with the given
// extra zoo.cfg lines, waits until it serves, and kills it at test end.
func StartZooKeeper(t testing.TB, extra ...string) *Proc {
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
	}, extra...)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
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
	})
	if !WaitRuok(p.Addr, 60*time.Second, p.done) {
		t.Fatalf("ZooKeeper did not come up on %s:\n%s", p.Addr, p.Output())
	}
	return p
}
