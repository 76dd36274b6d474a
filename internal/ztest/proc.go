package ztest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildMu   sync.Mutex
	buildBins = map[string]string{}
)

// ZenBinary builds ./cmd/zen once per test binary (per tag set) and returns
// its path.
func ZenBinary(t testing.TB, tags ...string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := strings.Join(tags, ",")
	if p, ok := buildBins[key]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "zenbin")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "zen")
	args := []string{"build", "-o", out}
	if key != "" {
		args = append(args, "-tags", key)
	}
	args = append(args, "github.com/zen-coord/zen/cmd/zen")
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	buildBins[key] = out
	return out
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

var (
	portsMu sync.Mutex
	ports   = map[int]bool{} // every port FreePort handed out
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and
// that it never returned before in this process (the kernel may offer a
// port again as soon as the probe closes; an ensemble given one port twice
// does not start).
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !ports[port] {
			ports[port] = true
			return port
		}
	}
}

// Proc is a server process started by a test.
type Proc struct {
	Cmd  *exec.Cmd
	Addr string
	Dir  string
	Log  *bytes.Buffer
	mu   sync.Mutex
	done chan struct{}
	err  error
}

// Wait waits for the process to exit and returns its error.
func (p *Proc) Wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-p.done:
		return true, p.err
	case <-time.After(timeout):
		return false, nil
	}
}

// Kill sends SIGKILL and waits for the exit.
func (p *Proc) Kill() {
	p.Cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM and waits up to 20 s, then kills.
func (p *Proc) Stop() {
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.Kill()
	}
}

// Output is what the process logged so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.Log.String()
}

type lockedWriter struct{ p *Proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.Log.Write(b)
}

// baseConfig is the zoo.cfg every server a test starts has, on dir's data
// directory and port, before the caller's lines (a later key wins, in
// ZooKeeper's java.util.Properties as in zen).
func baseConfig(dir string, port int) []string {
	return []string{
		"tickTime=200",
		"dataDir=" + filepath.Join(dir, "data"),
		"clientPort=" + strconv.Itoa(port),
		"clientPortAddress=127.0.0.1",
		"4lw.commands.whitelist=*",
		"maxClientCnxns=0",
		"admin.enableServer=false",
	}
}

// writeZooCfg writes lines as dir/zoo.cfg (making dir) and returns its path.
func writeZooCfg(t testing.TB, dir string, lines []string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// spawn starts cmd as the server named what that will listen on addr with
// its files in dir, keeping its output in Log. At test end the process is
// killed if it still runs, and its output is logged if the test failed.
func spawn(t testing.TB, cmd *exec.Cmd, addr, dir, what string) *Proc {
	t.Helper()
	p := &Proc{Cmd: cmd, Addr: addr, Dir: dir, Log: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stdout = lockedWriter{p}
	cmd.Stderr = lockedWriter{p}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.Kill()
		}
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", what, dir, p.Output())
		}
	})
	return p
}

// StartZenProc runs `zen server --config` with cfgLines (a zoo.cfg; dataDir
// and clientPort are filled in) in dir, waits until it answers ruok, and
// kills it at test end. env adds environment variables.
func StartZenProc(t testing.TB, bin, dir string, port int, cfgLines []string, env ...string) *Proc {
	t.Helper()
	if port == 0 {
		port = FreePort(t)
	}
	cfg := append(baseConfig(dir, port), cfgLines...)
	cmd := exec.Command(bin, "server", "--config", writeZooCfg(t, dir, cfg))
	cmd.Env = append(os.Environ(), env...)
	p := spawn(t, cmd, fmt.Sprintf("127.0.0.1:%d", port), dir, "zen")
	if !WaitRuok(p.Addr, 20*time.Second, p.done) {
		t.Fatalf("zen did not come up on %s:\n%s", p.Addr, p.Output())
	}
	if !strings.Contains(strings.Join(cfgLines, "\n"), "server.") {
		// Standalone: it serves as soon as its log is replayed.
		if !WaitServingProc(p, 60*time.Second) {
			t.Fatalf("zen on %s did not start serving:\n%s", p.Addr, p.Output())
		}
	}
	return p
}

// WaitServingProc polls srvr until the server reports a Mode (it serves
// clients), or the process dies, or timeout.
func WaitServingProc(p *Proc, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return false
		default:
		}
		if out, err := FourLetter(p.Addr, "srvr"); err == nil && strings.Contains(out, "Mode:") {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// WaitRuok polls the ruok 4lw until the server answers imok.
func WaitRuok(addr string, timeout time.Duration, died <-chan struct{}) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-died:
			return false
		default:
		}
		if out, err := FourLetter(addr, "ruok"); err == nil && out == "imok" {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// FourLetter sends a four-letter word and returns the answer.
func FourLetter(addr, cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(c)
	return buf.String(), err
}
