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
	"regexp"
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

// ZK is a real Apache ZooKeeper process started by the harness (for an
// ensemble: the member under test, with the others in peers).
type ZK struct {
	Addr  string
	Dir   string
	cmd   *exec.Cmd
	done  chan struct{}
	mu    sync.Mutex
	log   bytes.Buffer
	peers []*ZK
	role  string // an ensemble's member under test: leader, follower, observer
}

// ensembleLimits are the initLimit and syncLimit (ticks of 200 ms) of the
// test ensembles, zen's and ZooKeeper's: roomy, so that a busy machine
// does not make a member drop out of the quorum in the middle of a
// scenario (failure detection is not what the scenarios compare).
var ensembleLimits = []string{"initLimit=50", "syncLimit=25"}

// Ready waits until every member of an ensemble serves in its role again
// (a scenario may have upset it: ZooKeeper 3.8.0 restarts a member on some
// inputs) and returns the address of the member under test, which may have
// moved. A standalone server's address is returned as is.
func (z *ZK) Ready(timeout time.Duration) (string, error) {
	if z.role == "" {
		return z.Addr, nil
	}
	deadline := time.Now().Add(timeout)
	for {
		addr, ok := "", true
		leaders := 0
		for _, m := range append([]*ZK{z}, z.peers...) {
			out, err := FourLetter(m.Addr, "srvr", 2*time.Second)
			mode := regexp.MustCompile(`\nMode: (leader|follower|observer)\n`).FindStringSubmatch(out)
			if err != nil && !isReset(err) || mode == nil {
				ok = false
				break
			}
			if mode[1] == "leader" {
				leaders++
			}
			if mode[1] == z.role && addr == "" {
				addr = m.Addr
			}
		}
		if ok && leaders == 1 && addr != "" {
			return addr, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("the ZooKeeper ensemble does not serve with a %s", z.role)
		}
		time.Sleep(100 * time.Millisecond)
	}
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

var (
	portsMu sync.Mutex
	ports   = map[int]bool{} // every port freePort handed out
)

// freePort returns a port on 127.0.0.1 that was free a moment ago and that
// it never returned before in this process: the kernel may offer a port
// again as soon as the probe closes, and an ensemble given one port twice
// does not start (CI: ZooKeeper got the same client and election port).
func freePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !ports[port] {
			ports[port] = true
			return port, nil
		}
	}
}

// StartZK starts a standalone ZooKeeper 3.8.0 with variant v in a new
// temporary directory and waits until it serves (srvr shows its mode). The JVM dies with
// the test binary (PR_SET_PDEATHSIG) even if Stop is never called.
func StartZK(v Variant) (*ZK, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	z, err := launchZK(v, port, nil)
	if err != nil {
		return nil, err
	}
	if err := z.waitMode(regexp.MustCompile(`\nMode: `), time.Now().Add(90*time.Second)); err != nil {
		z.Stop()
		return nil, err
	}
	return z, nil
}

// StartZKEnsemble starts a ZooKeeper 3.8.0 ensemble of 3 voters (and 1
// observer for role "observer") with variant v, waits until every member
// serves, and returns the member of that role; its Stop stops them all.
func StartZKEnsemble(v Variant, role string) (*ZK, error) {
	n := 3
	if role == "observer" {
		n = 4
	}
	var servers []string
	var ports []int
	for i := 1; i <= n; i++ {
		var p [3]int
		for j := range p {
			var err error
			if p[j], err = freePort(); err != nil {
				return nil, err
			}
		}
		line := fmt.Sprintf("server.%d=127.0.0.1:%d:%d", i, p[0], p[1])
		if i > 3 {
			line += ":observer"
		}
		servers = append(servers, line)
		ports = append(ports, p[2])
	}
	var all []*ZK
	stopAll := func() {
		for _, z := range all {
			z.Stop()
		}
	}
	for i := 1; i <= n; i++ {
		extra := append(append([]string{}, ensembleLimits...), servers...)
		if i > 3 {
			extra = append(extra, "peerType=observer")
		}
		z, err := launchZK(v, ports[i-1], extra, i)
		if err != nil {
			stopAll()
			return nil, err
		}
		all = append(all, z)
	}
	deadline := time.Now().Add(90 * time.Second)
	var chosen *ZK
	for _, z := range all {
		if err := z.waitMode(regexp.MustCompile(`\nMode: (leader|follower|observer)\n`), deadline); err != nil {
			stopAll()
			return nil, err
		}
		if out, _ := FourLetter(z.Addr, "srvr", 2*time.Second); strings.Contains(out, "\nMode: "+role+"\n") {
			chosen = z
		}
	}
	if chosen == nil {
		stopAll()
		return nil, fmt.Errorf("no ZooKeeper ensemble member is a %s", role)
	}
	for _, z := range all {
		if z != chosen {
			chosen.peers = append(chosen.peers, z)
		}
	}
	chosen.role = role
	return chosen, nil
}

// launchZK starts one ZooKeeper JVM with variant v on the client port,
// extra zoo.cfg lines and, for an ensemble member, its myid.
func launchZK(v Variant, port int, extra []string, myid ...int) (*ZK, error) {
	dir, err := os.MkdirTemp("", "zendiff-zk")
	if err != nil {
		return nil, err
	}
	if len(myid) > 0 {
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "data", "myid"), []byte(fmt.Sprint(myid[0])), 0o644); err != nil {
			return nil, err
		}
	}
	cfg := append([]string{
		"dataDir=" + filepath.Join(dir, "data"),
		fmt.Sprintf("clientPort=%d", port),
		"clientPortAddress=127.0.0.1",
		"admin.enableServer=false",
	}, v.Cfg...)
	cfg = append(cfg, extra...)
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
	return z, nil
}

// waitMode waits until srvr's answer matches mode (ruok answers imok
// before the server serves; srvr does not).
func (z *ZK) waitMode(mode *regexp.Regexp, deadline time.Time) error {
	for time.Now().Before(deadline) {
		select {
		case <-z.done:
			return fmt.Errorf("ZooKeeper exited during start:\n%s", z.Output())
		default:
		}
		if out, _ := FourLetter(z.Addr, "srvr", 2*time.Second); mode.MatchString(out) {
			return nil
		}
		time.Sleep(30 * time.Millisecond)
	}
	return fmt.Errorf("ZooKeeper did not start serving on %s:\n%s", z.Addr, z.Output())
}

// Stop kills the JVM (and an ensemble's other members) and removes its
// directory.
func (z *ZK) Stop() {
	for _, p := range z.peers {
		p.Stop()
	}
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
