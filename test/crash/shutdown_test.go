package crash

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// TestSigtermUnderLoad sends SIGTERM while pipelining sessions write: the
// server must exit by itself with status 0 (not be killed after the grace
// period), and a restart must have every acknowledged write.
func TestSigtermUnderLoad(t *testing.T) {
	rng := newRand(t)
	bin := ztest.ZenBinary(t)
	dir := t.TempDir()
	port := ztest.FreePort(t)
	cfg := []string{"snapCount=500"}
	p := ztest.StartZenProc(t, bin, dir, port, cfg)
	c, _ := connect(t, p.Addr, 10*time.Second)
	setupLoad(t, c)
	l := newLoad()
	ws := l.start(t, c, p.Addr, "t", 4, 32, rng)
	c.Close()
	waitAcked(t, ws, 300)
	time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)

	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited, _ := p.Wait(10 * time.Second)
	if !exited {
		t.Fatalf("the server did not exit within 10 s of SIGTERM under load:\n%s", p.Output())
	}
	if code := exitCode(p); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	if !strings.Contains(p.Output(), "shutting down") {
		t.Errorf("no shutdown line in the log")
	}
	for _, w := range ws {
		w.waitDone(t)
	}
	l.checkViolations(t)
	sent, acked := l.totals()
	t.Logf("%d writes sent, %d acked", sent, acked)

	p = ztest.StartZenProc(t, bin, dir, port, cfg)
	vc, _ := connect(t, p.Addr, 10*time.Second)
	l.verify(t, vc)
	checkServing(t, vc, l, "term")

	// An idle server stops cleanly too.
	vc.Close()
	p.Stop()
	if code := exitCode(p); code != 0 {
		t.Errorf("exit status %d after SIGTERM when idle, want 0", code)
	}
}

// runServer runs `zen server --config` on cfg (which listens on port, if
// it starts) and returns its exit status and output. A server that answers
// ruok is killed and reported as -1, as is one still running after 15 s.
func runServer(t *testing.T, bin, dir string, port int, cfg []string) (int, string) {
	t.Helper()
	path := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(path, []byte(strings.Join(cfg, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	cmd := exec.Command(bin, "server", "--config", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	serving := ztest.WaitRuok(fmt.Sprintf("127.0.0.1:%d", port), 15*time.Second, done)
	select {
	case <-done:
		if !serving {
			return cmd.ProcessState.ExitCode(), out.String()
		}
	default:
	}
	cmd.Process.Kill()
	<-done
	return -1, out.String()
}

// TestBadConfigValue starts `zen server` with one bad value in an otherwise
// valid zoo.cfg: it must exit non-zero without serving and say which key is
// wrong. The second group are keys a standalone server does not use but
// that ZooKeeper 3.8.0 still parses and rejects (exit status 2).
func TestBadConfigValue(t *testing.T) {
	bin := ztest.ZenBinary(t)
	cases := []struct {
		line, key string
	}{
		{"tickTime=abc", "tickTime"},
		{"tickTime=0", "tickTime"},
		{"clientPort=70000", "clientPort"},
		{"clientPort=-5", "clientPort"},
		{"maxClientCnxns=lots", "maxClientCnxns"},
		{"minSessionTimeout=abc", "minSessionTimeout"},
		{"maxSessionTimeout=1.5", "maxSessionTimeout"},
		{"snapCount=1", "snapCount"},
		{"forceSync=maybe", "forceSync"},
		{"jute.maxbuffer=10", "jute.maxbuffer"},
		{"autopurge.purgeInterval=-3", "autopurge.purgeInterval"},
		{"autopurge.snapRetainCount=three", "autopurge.snapRetainCount"},
		{"4lw.commands.whitelist=ruok,toolong", "4lw.commands.whitelist"},
		{"globalOutstandingLimit=0", "globalOutstandingLimit"},
		{"extendedTypesEnabled=perhaps", "extendedTypesEnabled"},
		{"metricsProvider.httpPort=99999", "metricsProvider.httpPort"},
		{"znode.container.checkIntervalMs=soon", "znode.container.checkIntervalMs"},
		// ZooKeeper 3.8.0 rejects these too, standalone or not.
		{"initLimit=abc", "initLimit"},
		{"syncLimit=abc", "syncLimit"},
		{"electionAlg=x", "electionAlg"},
		{"standaloneEnabled=maybe", "standaloneEnabled"},
		{"quorumListenOnAllIPs=maybe", "quorumListenOnAllIPs"},
		{"peerType=bogus", "peerType"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			dir := t.TempDir()
			port := ztest.FreePort(t)
			cfg := []string{
				"tickTime=200",
				"dataDir=" + filepath.Join(dir, "data"),
				fmt.Sprintf("clientPort=%d", port),
				"clientPortAddress=127.0.0.1",
				"4lw.commands.whitelist=*",
				tc.line,
			}
			code, out := runServer(t, bin, dir, port, cfg)
			if code == -1 {
				t.Fatalf("zen started and served with %q in zoo.cfg:\n%s", tc.line, out)
			}
			if code == 0 {
				t.Errorf("exit status 0 with %q in zoo.cfg", tc.line)
			}
			if !strings.Contains(out, tc.key) {
				t.Errorf("the error does not name %s:\n%s", tc.key, out)
			}
		})
	}
	t.Run("minSessionTimeout>maxSessionTimeout", func(t *testing.T) {
		dir := t.TempDir()
		port := ztest.FreePort(t)
		code, out := runServer(t, bin, dir, port, []string{
			"tickTime=200",
			"dataDir=" + filepath.Join(dir, "data"),
			fmt.Sprintf("clientPort=%d", port),
			"clientPortAddress=127.0.0.1",
			"4lw.commands.whitelist=*",
			"minSessionTimeout=5000",
			"maxSessionTimeout=1000",
		})
		if code <= 0 || !strings.Contains(out, "minSessionTimeout") || !strings.Contains(out, "maxSessionTimeout") {
			t.Errorf("exit status %d; want non-zero naming both keys:\n%s", code, out)
		}
	})
	for _, missing := range []string{"dataDir", "clientPort"} {
		t.Run("missing-"+missing, func(t *testing.T) {
			dir := t.TempDir()
			port := ztest.FreePort(t)
			cfg := []string{"clientPortAddress=127.0.0.1", "4lw.commands.whitelist=*"}
			for _, line := range []string{
				"tickTime=200",
				"dataDir=" + filepath.Join(dir, "data"),
				fmt.Sprintf("clientPort=%d", port),
			} {
				if !strings.HasPrefix(line, missing+"=") {
					cfg = append(cfg, line)
				}
			}
			code, out := runServer(t, bin, dir, port, cfg)
			if code <= 0 || !strings.Contains(out, missing) {
				t.Errorf("exit status %d without %s; want non-zero naming it:\n%s", code, missing, out)
			}
		})
	}
}

// TestUnknownConfigKeys: keys zen does not know are logged and ignored; the
// server starts and serves.
func TestUnknownConfigKeys(t *testing.T) {
	bin := ztest.ZenBinary(t)
	dir := t.TempDir()
	p := ztest.StartZenProc(t, bin, dir, 0, []string{"fooBar=1", "some.future.option=yes"})
	out := p.Output()
	for _, k := range []string{"fooBar", "some.future.option"} {
		if !hasLine(out, "ignor", k) {
			t.Errorf("no log line says %s is ignored:\n%s", k, out)
		}
	}
	c, _ := connect(t, p.Addr, 10*time.Second)
	if _, err := c.Create("/ok", []byte("1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Errorf("create on a server with unknown keys: %v", err)
	}
}

// TestSigtermWithStuckClients: a client that stopped reading (its replies
// pile up in the server) or one that sent half a frame must not keep a
// SIGTERM from ending the server promptly with status 0 (ZooKeeper closes
// every connection at once when it shuts down), and the shutdown must not
// expire sessions: an ephemeral owner that reconnects after the restart
// keeps its node.
func TestSigtermWithStuckClients(t *testing.T) {
	bin := ztest.ZenBinary(t)
	dir := t.TempDir()
	port := ztest.FreePort(t)
	p := ztest.StartZenProc(t, bin, dir, port, nil)
	owner, _ := connect(t, p.Addr, 4*time.Second)
	ownerID := owner.SessionID()
	big := make([]byte, 900<<10)
	if _, err := owner.Create("/big", big, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Create("/owned", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}

	// A reader that never reads: 400 pipelined getData of a 900 KiB node.
	slow, err := ztest.DialRaw(p.Addr, 30000)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	req := proto.PathWatchRequest{Path: []byte("/big")}
	var burst []byte
	for i := range 400 {
		burst = append(burst, ztest.Frame(append(proto.AppendRequestHeader(nil, int32(i+1), proto.OpGetData), req.Append(nil)...))...)
	}
	go slow.Write(burst)
	// A writer stuck in the middle of a frame.
	half, err := ztest.DialRaw(p.Addr, 30000)
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	frame := ztest.Frame(append(proto.AppendRequestHeader(nil, 1, proto.OpCreate),
		(&proto.CreateRequest{Path: []byte("/half"), Data: make([]byte, 1000), ACL: proto.OpenACL}).Append(nil)...))
	if err := half.Write(frame[:len(frame)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)

	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	termAt := time.Now()
	exited, _ := p.Wait(10 * time.Second)
	if !exited {
		t.Errorf("the server did not exit within 10 s of SIGTERM with a client that does not read")
		exited, _ = p.Wait(30 * time.Second)
	}
	t.Logf("exited %v after SIGTERM (exited=%v)", time.Since(termAt).Round(time.Millisecond), exited)
	if !exited {
		t.Fatalf("the server did not exit within 40 s of SIGTERM:\n%s", p.Output())
	}
	if code := exitCode(p); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	if strings.Contains(p.Output(), "expiring session") {
		t.Errorf("the server expired sessions while shutting down:\n%s", p.Output())
	}

	p = ztest.StartZenProc(t, bin, dir, port, nil)
	if !waitFor(20*time.Second, func() bool { return owner.State() == zk.StateHasSession }) {
		t.Fatalf("owner did not reconnect (state %v)", owner.State())
	}
	if owner.SessionID() != ownerID {
		t.Errorf("owner session %#x after the restart, was %#x", owner.SessionID(), ownerID)
	}
	vc, _ := connect(t, p.Addr, 10*time.Second)
	if data, _, err := vc.Get("/big"); err != nil || len(data) != len(big) {
		t.Errorf("/big after the restart: %d bytes, %v", len(data), err)
	}
	if ok, st, err := vc.Exists("/owned"); err != nil || !ok || st.EphemeralOwner != ownerID {
		t.Errorf("/owned after the restart: exists=%v owner=%#x %v, want owner %#x", ok, ownerOf(st), err, ownerID)
	}
	if ok, _, err := vc.Exists("/half"); err != nil || ok {
		t.Errorf("/half (never fully sent) exists=%v %v", ok, err)
	}
}
