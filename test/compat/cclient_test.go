package compat

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

const cliMt = "/usr/lib/zookeeper/bin/cli_mt"

func requireCliMt(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(cliMt); err != nil {
		t.Fatalf("the C client shell (Debian zookeeper-bin) is required (scripts/install-test-deps.sh): %v", err)
	}
}

// cShell is a running cli_mt. Its command results are printed from the
// C client's completion thread, so a driver sends one command and waits
// for its result before the next.
type cShell struct {
	*interactive
	session uint64
}

// startCShell starts cli_mt against addr and waits for its session. The
// C client reads the ConnectResponse as a fixed-size record that includes
// the readOnly byte: a session at all proves the server sent it.
func startCShell(t *testing.T, addr string, args ...string) *cShell {
	t.Helper()
	// stdbuf: the one thing cli_mt prints on stdout (myid) must not sit
	// in a pipe buffer; the rest goes to stderr, unbuffered.
	argv := append([]string{"-oL", cliMt, "-h", addr}, args...)
	s := &cShell{interactive: startInteractive(t, "stdbuf", argv...)}
	out, ok := s.out.waitMatch(0, regexp.MustCompile(`Got a new session id: 0x([0-9a-f]+)\n`), 20*time.Second)
	if !ok {
		t.Fatalf("cli_mt got no session from %s:\n%s", addr, out)
	}
	m := regexp.MustCompile(`Got a new session id: 0x([0-9a-f]+)`).FindStringSubmatch(out)
	s.session, _ = strconv.ParseUint(m[1], 16, 64)
	if !strings.Contains(out, "Watcher SESSION_EVENT state = CONNECTED_STATE") {
		t.Fatalf("cli_mt not in CONNECTED_STATE:\n%s", out)
	}
	return s
}

// do sends one command and waits until the output that follows matches
// want (a regexp); it returns that output.
func (s *cShell) do(t *testing.T, cmd, want string) string {
	t.Helper()
	from := s.out.Len()
	s.send(t, cmd)
	out, ok := s.out.waitMatch(from, regexp.MustCompile(want), 15*time.Second)
	if !ok {
		t.Fatalf("cli_mt %q: output does not match %q:\n%s\n--- full transcript:\n%s", cmd, want, out, s.out.String())
	}
	return out
}

// children parses the child list that ls/ls2 print after "<path>: rc = 0".
func children(out, path string) []string {
	var kids []string
	in := false
	for _, l := range lines(out) {
		switch {
		case l == path+": rc = 0":
			in = true
		case in && strings.HasPrefix(l, "\t") && !strings.Contains(l, "="):
			kids = append(kids, strings.TrimPrefix(l, "\t"))
		case in:
			slices.Sort(kids)
			return kids
		}
	}
	slices.Sort(kids)
	return kids
}

// TestCClient drives the C client's shell through its commands against
// a zen process.
func TestCClient(t *testing.T) {
	requireCliMt(t)
	srv := startTarget(t, "extendedTypesEnabled=true")
	check := goClient(t, srv.Addr)
	// a node only user u:p may read
	if _, err := check.Create("/secret", []byte("s3cret"), 0, zk.DigestACL(zk.PermAll, "u", "p")); err != nil {
		t.Fatal(err)
	}

	t.Run("Commands", func(t *testing.T) {
		t.Parallel()
		s := startCShell(t, srv.Addr)
		sid := fmt.Sprintf("%x", s.session)
		stat := func(version int) string {
			return `\tctime = [^\n]+\n\tczxid=[0-9a-f]+\n\tmtime=[^\n]+\n\tmzxid=[0-9a-f]+\n\tversion=` +
				strconv.Itoa(version) + `\taversion=0\n\tephemeralOwner = `
		}
		s.do(t, "create /c", `\[/c\]: rc = 0\n\tname = /c\n`)
		s.do(t, "create +e /c/e", `\[/c/e\]: rc = 0\n\tname = /c/e\n`)
		s.do(t, "create +s /c/s-", `\[/c/s-\]: rc = 0\n\tname = /c/s-0000000001\n`)
		s.do(t, "create +es /c/es-", `Creating \[/c/es-\] node \(mode: 3\)\n\[/c/es-\]: rc = 0\n\tname = /c/es-0000000002\n`)
		s.do(t, "create2 /c/two", `\[/c/two\]: rc = 0\n\tname = /c/two\n`+stat(0)+`0\n`)
		s.do(t, "create2 +e /c/e2", `\[/c/e2\]: rc = 0\n\tname = /c/e2\n`+stat(0)+sid+`\n`)
		s.do(t, "create +c /cont", `Creating \[/cont\] node \(mode: 4\)\n\[/cont\]: rc = 0\n`)
		s.do(t, "create +t=600000 /ttl", `Creating \[/ttl\] node \(mode: 5\)\n\[/ttl\]: rc = 0\n`)
		s.do(t, "create +st=600000 /ttls-", `Creating \[/ttls-\] node \(mode: 6\)\n\[/ttls-\]: rc = 0\n\tname = /ttls-\d{10}\n`)
		s.do(t, "create /c", `\[/c\]: rc = -110\n`)
		s.do(t, "create /nope/x", `\[/nope/x\]: rc = -101\n`)
		s.do(t, "create /c/e/x", `\[/c/e/x\]: rc = -108\n`)
		s.do(t, "set /c hello", `/c: rc = 0 Stat:\n`+stat(1)+`0\n`)
		s.do(t, "get /c", `/c: rc = 0\n value_len = 5\nhello\nStat:\n`+stat(1)+`0\n`)
		s.do(t, "get /nope", `/nope: rc = -101\n`)
		out := s.do(t, "ls /c", `/c: rc = 0\n(\t[^\n]+\n)+time = `)
		if got, want := children(out, "/c"), []string{"e", "e2", "es-0000000002", "s-0000000001", "two"}; !slices.Equal(got, want) {
			t.Errorf("ls /c: %q, want %q", got, want)
		}
		out = s.do(t, "ls2 /c", `/c: rc = 0\n(\t[^\n=]+\n)+time = \d+ msec\n`+stat(1)+`0\n`)
		if got := children(out, "/c"); len(got) != 5 {
			t.Errorf("ls2 /c: %q", got)
		}
		s.do(t, "ls /nope", `/nope: rc = -101\n`)
		// exists (threaded cli_mt: synchronous, prints only errors)
		s.send(t, "exists /c")
		out = s.do(t, "exists /nope", `Error -101 for /nope\n`)
		if strings.Contains(out, "for /c\n") {
			t.Errorf("exists /c failed:\n%s", out)
		}

		// exists watches: creation, change, deletion
		s.do(t, "wexists /c/w", `Error -101 for /c/w\n`)
		s.do(t, "create /c/w", `Watcher CREATED_EVENT state = CONNECTED_STATE for path /c/w\n`)
		s.send(t, "wexists /c/w")
		s.do(t, "set /c/w x", `Watcher CHANGED_EVENT state = CONNECTED_STATE for path /c/w\n`)
		s.send(t, "wexists /c/w")
		s.do(t, "delete /c/w", `Watcher DELETED_EVENT state = CONNECTED_STATE for path /c/w\n`)
		// a fired watch is gone: this create and delete must not notify
		from := s.out.Len()
		s.do(t, "create /c/w", `\[/c/w\]: rc = 0\n`)
		s.do(t, "delete /c/w", `/c/w: rc = 0\n`)
		s.do(t, "sync /c", `\[/c\]: rc = 0\n\tname = /c\n`)
		if out := s.out.String()[from:]; strings.Contains(out, "Watcher") {
			t.Errorf("a one-shot watch fired twice:\n%s", out)
		}

		// asynchronous variants
		s.do(t, "aget /c", `/c: rc = 0\n value_len = 5\nhello\n`)
		s.do(t, "sync /c", `\[/c\]: rc = 0\n\tname = /c\n`)
		s.do(t, "delete /c/two", `/c/two: rc = 0\n`)
		s.do(t, "delete /c", `/c: rc = -111\n`)
		s.do(t, "delete /nope", `/nope: rc = -101\n`)

		// digest auth opens the protected node
		s.do(t, "get /secret", `/secret: rc = -102\n`)
		s.send(t, "addauth digest u:p")
		s.do(t, "get /secret", `/secret: rc = 0\n value_len = 6\ns3cret\n`)

		// /zookeeper/config: empty, aversion -1 (an ensemble member: its
		// membership, version -1)
		if ensembleRole() == "" {
			s.do(t, "config", `/zookeeper/config: rc = 0\n value_len = 0\n\nStat:\n(.*\n){4}\tversion=0\taversion=ffffffff\n`)
		} else {
			s.do(t, "config", `/zookeeper/config: rc = 0\n value_len = \d+\n(server\.\d=127\.0\.0\.1:\d+:\d+:(participant|observer)\n){3,4}version=0\nStat:\n(.*\n){4}\tversion=ffffffff\taversion=ffffffff\n`)
		}
		s.do(t, "myid", `session Id = `+sid+`\n`)
		s.send(t, "quit")
		if exited, err := s.wait(15 * time.Second); !exited || err != nil {
			t.Fatalf("cli_mt quit: exited=%v %v\n%s", exited, err, s.out.String())
		}
		if strings.Contains(s.out.String(), "ZOO_ERROR") {
			t.Errorf("the C client logged errors:\n%s", s.out.String())
		}
		// the session was closed: its ephemerals are gone
		if !waitUntil(10*time.Second, func() bool {
			ok, _, err := check.Exists("/c/e")
			return err == nil && !ok
		}) {
			t.Error("the C client's ephemerals outlived its closed session")
		}
		kids, _, err := check.Children("/c")
		slices.Sort(kids)
		if err != nil || !slices.Equal(kids, []string{"s-0000000001"}) {
			t.Errorf("children of /c after the session: %q %v", kids, err)
		}
	})

	// A C client that asks for read-only mode still gets a read-write
	// session from a read-write server.
	t.Run("ReadOnlyFlag", func(t *testing.T) {
		t.Parallel()
		s := startCShell(t, srv.Addr, "-r")
		if strings.Contains(s.out.String(), "READONLY_STATE") {
			t.Fatalf("read-write server reported read-only:\n%s", s.out.String())
		}
		s.do(t, "create /ro", `\[/ro\]: rc = 0\n`)
		s.do(t, "get /ro", `/ro: rc = 0\n value_len = 3\nnew\n`)
	})

	// An unknown auth scheme fails the connection: AUTH_FAILED_STATE.
	// (cli_mt 3.8.0 then crashes while shutting down, against ZooKeeper
	// too, so its exit status is not checked.)
	t.Run("AuthFailure", func(t *testing.T) {
		t.Parallel()
		s := startCShell(t, srv.Addr)
		s.do(t, "create /authfail", `\[/authfail\]: rc = 0\n`)
		s.do(t, "addauth bogus x", `Watcher SESSION_EVENT state = AUTH_FAILED_STATE\n`)
		if !strings.Contains(s.out.String(), "Authentication scheme bogus failed") {
			t.Errorf("no auth failure reported:\n%s", s.out.String())
		}
	})

	// A frozen C client's session expires on the server; when it comes back
	// it is told so (ConnectResponse with timeout 0) and shuts down.
	t.Run("SessionExpiry", func(t *testing.T) {
		t.Parallel()
		s := startCShell(t, srv.Addr)
		s.do(t, "create +e /cexp", `\[/cexp\]: rc = 0\n`)
		_, st, err := check.Exists("/cexp")
		if err != nil || st == nil || uint64(st.EphemeralOwner) != s.session {
			t.Fatalf("ephemeral owner: %+v %v (session %x)", st, err, s.session)
		}
		pid := s.cmd.Process.Pid // stdbuf execs cli_mt in place
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		resumed := false
		defer func() {
			if !resumed {
				syscall.Kill(pid, syscall.SIGCONT)
			}
		}()
		if !waitUntil(30*time.Second, func() bool {
			ok, _, err := check.Exists("/cexp")
			return err == nil && !ok
		}) {
			t.Fatal("the frozen C client's session never expired")
		}
		from := s.out.Len()
		syscall.Kill(pid, syscall.SIGCONT)
		resumed = true
		out, ok := s.out.waitMatch(from, regexp.MustCompile(`Session expired\. Shutting down\.\.\.\n`), 30*time.Second)
		if !ok {
			t.Fatalf("the C client did not see its session expire:\n%s", out)
		}
		if !strings.Contains(out, "EXPIRED_SESSION_STATE") {
			t.Errorf("no EXPIRED_SESSION_STATE event:\n%s", out)
		}
	})
}

// TestCClientServerRestart: the C client keeps its session across a
// server restart (new process, same data dir and port) and re-arms its
// watches with SetWatches (xid -8), which fire for what changed while it
// was away.
func TestCClientServerRestart(t *testing.T) {
	requireCliMt(t)
	srv, restart := restartableTarget(t, "maxSessionTimeout=30000")

	s := startCShell(t, srv.Addr)
	sid := fmt.Sprintf("%x", s.session)
	s.do(t, "create /rw", `\[/rw\]: rc = 0\n`)
	s.do(t, "create /rw/d", `\[/rw/d\]: rc = 0\n`)
	s.do(t, "create +e /rw/eph", `\[/rw/eph\]: rc = 0\n`)
	s.do(t, "wexists /rw/new", `Error -101 for /rw/new\n`)
	s.send(t, "wexists /rw/d") // exists: a data watch
	s.send(t, "wexists /rw/eph")
	s.do(t, "sync /rw", `\[/rw\]: rc = 0\n\tname = /rw\n`)

	pid := s.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	srv2 := restart()
	c := goClient(t, srv2.Addr)
	if _, err := c.Set("/rw/d", []byte("changed"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/rw/new", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	from := s.out.Len()
	syscall.Kill(pid, syscall.SIGCONT)
	resumed = true
	for _, ev := range []string{
		"Watcher CHANGED_EVENT state = CONNECTED_STATE for path /rw/d\n",
		"Watcher CREATED_EVENT state = CONNECTED_STATE for path /rw/new\n",
	} {
		if out, ok := s.out.waitMatch(from, regexp.MustCompile(regexp.QuoteMeta(ev)), 30*time.Second); !ok {
			t.Fatalf("no %q after the restart:\n%s", ev, out)
		}
	}
	// same session: its ephemeral is still there and it can write
	s.do(t, "get /rw/d", `/rw/d: rc = 0\n value_len = 7\nchanged\n`)
	s.do(t, "set /rw/eph x", `Watcher CHANGED_EVENT state = CONNECTED_STATE for path /rw/eph\n`)
	s.do(t, "myid", `session Id = `+sid+`\n`)
	out := s.out.String()[from:]
	for _, bad := range []string{"EXPIRED_SESSION_STATE", "Got a new session id"} {
		if strings.Contains(out, bad) {
			t.Errorf("the C client lost its session across the restart (%s):\n%s", bad, out)
		}
	}
	_, st, err := c.Exists("/rw/eph")
	if err != nil || st == nil || uint64(st.EphemeralOwner) != s.session {
		t.Errorf("ephemeral after the restart: %+v %v", st, err)
	}
}
