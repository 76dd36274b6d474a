package diff

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// SuperPassword is the password of the super user configured on both
// servers of every variant (digest "super:<SuperPassword>").
const SuperPassword = "diffsuper"

// DigestID is the digest ACL id ZooKeeper derives from "user:password":
// user + ":" + base64(sha1("user:password")).
func DigestID(userPass string) string {
	user := userPass
	if i := strings.IndexByte(userPass, ':'); i >= 0 {
		user = userPass[:i]
	}
	h := sha1.Sum([]byte(userPass))
	return user + ":" + base64.StdEncoding.EncodeToString(h[:])
}

// Variant is one server configuration. Cfg holds zoo.cfg lines given to
// both servers (zen parses them with engine.ParseConfig; dataDir and the
// client address are added by the harness). JVM lists the keys ZooKeeper
// reads only as Java system properties (without the "zookeeper." prefix
// zoo.cfg pass-through would add): they are passed to the JVM as -D too.
type Variant struct {
	Cfg []string
	JVM []string
}

var baseCfg = []string{
	"tickTime=200",
	"maxSessionTimeout=20000",
	"maxClientCnxns=0",
	"forceSync=no",
	"DigestAuthenticationProvider.superDigest=" + "super:" + strings.SplitN(DigestID("super:"+SuperPassword), ":", 2)[1],
}

// Variants are the configurations scenarios can ask for (=== name variant=V).
//
//	main   extended types (TTL) on, every 4lw whitelisted
//	plain  ZooKeeper's defaults: extended types off, 4lw whitelist = srvr only
//	reap   main plus a 200 ms container/TTL check interval
var Variants = map[string]Variant{
	"main": {Cfg: append(append([]string{}, baseCfg...),
		"extendedTypesEnabled=true", "4lw.commands.whitelist=*")},
	"plain": {Cfg: append([]string{}, baseCfg...)},
	"reap": {Cfg: append(append([]string{}, baseCfg...),
		"extendedTypesEnabled=true", "4lw.commands.whitelist=*", "znode.container.checkIntervalMs=200"),
		JVM: []string{"znode.container.checkIntervalMs"}},
}

// ZooKeeperClasspath is the classpath of Debian's zookeeper package.
const ZooKeeperClasspath = "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"

// ZK is a real Apache ZooKeeper process started by the harness.
type ZK struct {
	Addr string
	Dir  string
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	log  bytes.Buffer
}

type zkLog struct{ z *ZK }

func (w zkLog) Write(b []byte) (int, error) {
	w.z.mu.Lock()
	defer w.z.mu.Unlock()
	return w.z.log.Write(b)
}

// Output is what the JVM printed so far.
func (z *ZK) Output() string {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.log.String()
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartZK starts a standalone ZooKeeper 3.8.0 with variant v in a new
// temporary directory and waits until it serves (srvr shows its mode). The JVM dies with
// the test binary (PR_SET_PDEATHSIG) even if Stop is never called.
func StartZK(v Variant) (*ZK, error) {
	dir, err := os.MkdirTemp("", "zendiff-zk")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := append([]string{
		"dataDir=" + filepath.Join(dir, "data"),
		fmt.Sprintf("clientPort=%d", port),
		"clientPortAddress=127.0.0.1",
		"admin.enableServer=false",
	}, v.Cfg...)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	args := []string{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}
	for _, key := range v.JVM {
		for _, l := range v.Cfg {
			if strings.HasPrefix(l, key+"=") {
				args = append(args, "-D"+l)
			}
		}
	}
	args = append(args, "-cp", ZooKeeperClasspath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfgPath)
	z := &ZK{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, done: make(chan struct{})}
	z.cmd = exec.Command("java", args...)
	z.cmd.Stdout = zkLog{z}
	z.cmd.Stderr = zkLog{z}
	z.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := z.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go func() { z.cmd.Wait(); close(z.done) }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-z.done:
			out := z.Output()
			os.RemoveAll(dir)
			return nil, fmt.Errorf("ZooKeeper exited during start:\n%s", out)
		default:
		}
		// ruok answers imok before the server serves; srvr does not.
		if out, _ := FourLetter(z.Addr, "srvr", 2*time.Second); strings.Contains(out, "Mode: ") {
			return z, nil
		}
		time.Sleep(30 * time.Millisecond)
	}
	z.Stop()
	return nil, fmt.Errorf("ZooKeeper did not start serving on %s:\n%s", z.Addr, z.Output())
}

// Stop kills the JVM and removes its directory.
func (z *ZK) Stop() {
	select {
	case <-z.done:
	default:
		z.cmd.Process.Signal(syscall.SIGKILL)
		<-z.done
	}
	os.RemoveAll(z.Dir)
}

// HaveZooKeeper reports whether java and Debian's zookeeper are installed.
func HaveZooKeeper() bool {
	if _, err := exec.LookPath("java"); err != nil {
		return false
	}
	_, err := os.Stat("/usr/share/java/zookeeper.jar")
	return err == nil
}

// FourLetter sends a four-letter word (or any raw bytes) on a new
// connection and returns everything the server wrote before closing.
func FourLetter(addr, cmd string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(c)
	return buf.String(), err
}
