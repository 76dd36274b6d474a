package ztest

import (
	"os"
	"os/exec"
	"strconv"
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
	return startZooKeeper(t, dir, port, zkCommand(t, dir, port, false, nil, extra))
}

// StartZooKeeperOpts runs a real standalone Apache ZooKeeper like
// StartZooKeeper, with extra Java system properties (jvmProps, each
// "name=value", passed as -Dname=value) and extra zoo.cfg lines (which
// override the defaults: a later key wins in java.util.Properties), in a
// JVM that starts fast rather than runs fast. The process is killed at test
// end.
func StartZooKeeperOpts(t testing.TB, jvmProps []string, cfgLines ...string) *Proc {
	t.Helper()
	RequireZooKeeper(t)
	dir := t.TempDir()
	port := FreePort(t)
	return startZooKeeper(t, dir, port, zkCommand(t, dir, port, true, jvmProps, cfgLines))
}

// StartZooKeeperAt is StartZooKeeper on a data dir and port the caller
// chooses (port 0: a free one), so that a test can kill ZooKeeper and start
// it again on the same state and address.
func StartZooKeeperAt(t testing.TB, dir string, port int, extra ...string) *Proc {
	t.Helper()
	RequireZooKeeper(t)
	if port == 0 {
		port = FreePort(t)
	}
	return startZooKeeper(t, dir, port, zkCommand(t, dir, port, false, nil, extra))
}

// zkCommand writes dir/zoo.cfg (baseConfig plus cfgLines) and returns the
// java command that runs ZooKeeper on it. lean trades the JIT's peak speed
// for a quick start and a small heap; jvmProps are "name=value" system
// properties.
func zkCommand(t testing.TB, dir string, port int, lean bool, jvmProps, cfgLines []string) *exec.Cmd {
	t.Helper()
	cfgPath := writeZooCfg(t, dir, append(baseConfig(dir, port), cfgLines...))
	args := []string{"-Xmx512m"}
	if lean {
		args = []string{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"}
	}
	args = append(args, "-cp", ZooKeeperClasspath, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
	for _, prop := range jvmProps {
		args = append(args, "-D"+prop)
	}
	args = append(args, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath)
	return exec.Command("java", args...)
}

// startZooKeeper starts cmd as ZooKeeper on 127.0.0.1:port and waits until
// it serves clients (srvr shows a Mode: ZooKeeper answers ruok before it
// serves, and a custom whitelist may leave ruok out while srvr is always
// enabled).
func startZooKeeper(t testing.TB, dir string, port int, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := spawn(t, cmd, "127.0.0.1:"+strconv.Itoa(port), dir, "ZooKeeper")
	if !WaitServingProc(p, 60*time.Second) {
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
