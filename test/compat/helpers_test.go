// Package compat runs unmodified ZooKeeper clients — Python kazoo (Debian
// python3-kazoo), ZooKeeper's Java CLI (ZooKeeperMain) and the C client's
// cli_mt — against a zen server process, the way a user would.
//
// Setting ZEN_COMPAT_TARGET=zookeeper runs the kazoo and C client tests
// against a real Apache ZooKeeper 3.8.0 instead of zen: that is how the
// expectations were checked. The Java CLI test always runs the same
// script against both and compares the outputs.
package compat

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

func againstZK() bool { return os.Getenv("ZEN_COMPAT_TARGET") == "zookeeper" }

// startZen runs the zen binary as a process with extra zoo.cfg lines.
func startZen(t *testing.T, cfg ...string) *ztest.Proc {
	t.Helper()
	bin := ztest.ZenBinary(t)
	return ztest.StartZenProc(t, bin, t.TempDir(), 0, cfg)
}

// startTarget starts the server under test: zen, or ZooKeeper when
// ZEN_COMPAT_TARGET=zookeeper.
func startTarget(t *testing.T, cfg ...string) *ztest.Proc {
	t.Helper()
	if againstZK() {
		return startZooKeeper(t, cfg...)
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
