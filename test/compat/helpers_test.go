// Package compat runs unmodified ZooKeeper clients — Python kazoo (Debian
// python3-kazoo), ZooKeeper's Java CLI (ZooKeeperMain) and the C client's
// cli_mt — against a zen server process, the way a user would.
//
// Setting ZEN_COMPAT_TARGET=zookeeper runs the kazoo and C client tests
// against a real Apache ZooKeeper 3.8.0 instead of zen: that is how the
// expectations were checked. ZEN_COMPAT_TARGET=ensemble-leader,
// ensemble-follower or ensemble-observer runs them against that member of
// an ensemble of zen processes (3 voters, plus 1 observer for the last).
// The Java CLI test always runs the same script against a standalone zen
// and a standalone ZooKeeper and compares the outputs.
package compat

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

func againstZK() bool { return os.Getenv("ZEN_COMPAT_TARGET") == "zookeeper" }

// ensembleRole is the role of the zen ensemble member under test, or "".
func ensembleRole() string {
	switch v := os.Getenv("ZEN_COMPAT_TARGET"); v {
	case "", "zookeeper":
		return ""
	case "ensemble-leader", "ensemble-follower", "ensemble-observer":
		return strings.TrimPrefix(v, "ensemble-")
	default:
		panic("unknown ZEN_COMPAT_TARGET " + strconv.Quote(v))
	}
}

// member is one zen process of an ensemble started by startEnsemble.
type member struct {
	dir  string
	port int
	cfg  []string
	proc *ztest.Proc
}

// startEnsemble runs 3 zen voters (and 1 observer with observer) as
// processes on 127.0.0.1, cfg added to every zoo.cfg, and waits until all
// serve. The processes are killed at test end.
func startEnsemble(t *testing.T, observer bool, cfg ...string) []*member {
	t.Helper()
	bin := ztest.ZenBinary(t)
	n := 3
	if observer {
		n = 4
	}
	var servers []string
	for i := 1; i <= n; i++ {
		// zen's votes share the peer port; the election port is accepted
		// for compatibility.
		peer := ztest.FreePort(t)
		line := fmt.Sprintf("server.%d=127.0.0.1:%d:%d", i, peer, peer)
		if i > 3 {
			line += ":observer"
		}
		servers = append(servers, line)
	}
	var ms []*member
	for i := 1; i <= n; i++ {
		m := &member{dir: t.TempDir(), port: ztest.FreePort(t)}
		// Roomy limits: a busy machine must not make a member drop out
		// of the quorum in the middle of a test.
		m.cfg = append(append([]string{"initLimit=50", "syncLimit=25"}, servers...), cfg...)
		if i > 3 {
			m.cfg = append(m.cfg, "peerType=observer")
		}
		if err := os.MkdirAll(filepath.Join(m.dir, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(m.dir, "data", "myid"), []byte(strconv.Itoa(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		m.proc = ztest.StartZenProc(t, bin, m.dir, m.port, m.cfg)
		ms = append(ms, m)
	}
	for _, m := range ms {
		if !waitUntil(60*time.Second, func() bool { return serving(m.proc.Addr) }) {
			t.Fatalf("zen member on %s did not start serving:\n%s", m.proc.Addr, m.proc.Output())
		}
	}
	return ms
}

// serving reports whether srvr at addr shows an ensemble role.
func serving(addr string) bool {
	out, err := ztest.FourLetter(addr, "srvr")
	return err == nil && regexp.MustCompile(`\nMode: (leader|follower|observer)\n`).MatchString(out)
}

// ensembleMember starts an ensemble and returns its member of role.
func ensembleMember(t *testing.T, role string, cfg ...string) *member {
	t.Helper()
	for _, m := range startEnsemble(t, role == "observer", cfg...) {
		if out, _ := ztest.FourLetter(m.proc.Addr, "srvr"); strings.Contains(out, "\nMode: "+role+"\n") {
			return m
		}
	}
	t.Fatalf("no zen ensemble member is a %s", role)
	return nil
}

// startZen runs the zen binary as a process with extra zoo.cfg lines.
func startZen(t *testing.T, cfg ...string) *ztest.Proc {
	t.Helper()
	bin := ztest.ZenBinary(t)
	return ztest.StartZenProc(t, bin, t.TempDir(), 0, cfg)
}

// restartableTarget starts the server under test for a restart test and
// returns it with restart, which kills it and starts it again on the same
// data dir and port: a standalone zen or ZooKeeper process, or the chosen
// member of a zen ensemble (the other members run on).
func restartableTarget(t *testing.T, cfg ...string) (srv *ztest.Proc, restart func() *ztest.Proc) {
	t.Helper()
	if role := ensembleRole(); role != "" {
		m := ensembleMember(t, role, cfg...)
		return m.proc, func() *ztest.Proc {
			t.Helper()
			m.proc.Kill()
			m.proc = ztest.StartZenProc(t, ztest.ZenBinary(t), m.dir, m.port, m.cfg)
			if !waitUntil(60*time.Second, func() bool { return serving(m.proc.Addr) }) {
				t.Fatalf("zen member on %s did not serve again:\n%s", m.proc.Addr, m.proc.Output())
			}
			return m.proc
		}
	}
	var start func(dir string, port int) *ztest.Proc
	if againstZK() {
		start = func(dir string, port int) *ztest.Proc { return ztest.StartZooKeeperAt(t, dir, port, cfg...) }
	} else {
		bin := ztest.ZenBinary(t)
		start = func(dir string, port int) *ztest.Proc { return ztest.StartZenProc(t, bin, dir, port, cfg) }
	}
	dir := t.TempDir()
	srv = start(dir, 0)
	return srv, func() *ztest.Proc {
		t.Helper()
		_, portStr, _ := net.SplitHostPort(srv.Addr)
		port, _ := strconv.Atoi(portStr)
		srv.Kill()
		return start(dir, port)
	}
}

// startTarget starts the server under test: zen, ZooKeeper when
// ZEN_COMPAT_TARGET=zookeeper, or a zen ensemble's member.
func startTarget(t *testing.T, cfg ...string) *ztest.Proc {
	t.Helper()
	if againstZK() {
		return startZooKeeper(t, cfg...)
	}
	if role := ensembleRole(); role != "" {
		return ensembleMember(t, role, cfg...).proc
	}
	return startZen(t, cfg...)
}

// startZooKeeper is ztest.StartZooKeeper, returning only once ZooKeeper
// serves clients (it answers ruok earlier than that).
func startZooKeeper(t *testing.T, cfg ...string) *ztest.Proc {
	t.Helper()
	p := ztest.StartZooKeeper(t, cfg...)
	if !ztest.WaitServing(p.Addr, 60*time.Second) {
		t.Fatalf("ZooKeeper on %s never served:\n%s", p.Addr, p.Output())
	}
	return p
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// goClient connects go-zookeeper/zk, used by the drivers to check server
// state independently of the client under test.
func goClient(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(15 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("go client: no session with %s", addr)
		}
	}
	return c
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// outBuf collects a child process's output and lets a driver wait for
// patterns in it.
type outBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *outBuf) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(b)
}

func (o *outBuf) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

func (o *outBuf) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Len()
}

// waitMatch waits until the output from offset from on matches re and
// returns that part of the output.
func (o *outBuf) waitMatch(from int, re *regexp.Regexp, timeout time.Duration) (string, bool) {
	var s string
	ok := waitUntil(timeout, func() bool {
		s = o.String()[from:]
		return re.MatchString(s)
	})
	return s, ok
}

// interactive is a child process driven through its stdin.
type interactive struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *outBuf
	done  chan struct{}
	err   error
}

func startInteractive(t *testing.T, name string, args ...string) *interactive {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	p := &interactive{cmd: exec.CommandContext(ctx, name, args...), out: &outBuf{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); cancel(); close(p.done) }()
	t.Cleanup(func() {
		io.WriteString(p.stdin, "quit\n") // what the shells driven here understand
		p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *interactive) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		t.Fatalf("writing %q: %v\noutput so far:\n%s", line, err, p.out.String())
	}
}

// wait waits for the process to exit.
func (p *interactive) wait(timeout time.Duration) (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	case <-time.After(timeout):
		return false, nil
	}
}

// lines splits output into lines without the trailing newline.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func testdata(name string) string {
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return p
}
