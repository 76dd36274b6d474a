package compat

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

// zkCliClasspath is Debian zookeeper's jar (its manifest pulls in
// commons-cli and the rest) plus a logger binding.
const zkCliClasspath = ztest.ZooKeeperClasspath + ":/usr/share/java/commons-cli.jar"

// zkCli runs ZooKeeper's Java CLI (org.apache.zookeeper.ZooKeeperMain)
// against addr, feeds it script on stdin, waits until done accepts the
// output, then quits it and returns everything it printed (stdout and
// stderr through one pipe, so their order is kept).
func zkCli(addr, script string, done func(string) bool) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
		"-cp", zkCliClasspath, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
		"org.apache.zookeeper.ZooKeeperMain", "-server", addr)
	out := &outBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	io.WriteString(stdin, script)
	if !waitUntil(60*time.Second, func() bool { return done(out.String()) }) {
		cmd.Process.Kill()
		<-exited
		return out.String(), fmt.Errorf("the CLI did not finish the script against %s", addr)
	}
	io.WriteString(stdin, "quit\n")
	stdin.Close()
	select {
	case err = <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		err = fmt.Errorf("the CLI did not quit")
	}
	return out.String(), err
}

// cliOutput is a CLI transcript split into what is printed in command
// order and what the CLI's event thread prints at its own pace (watch
// events, async sync callbacks), normalised so that two servers' runs can
// be compared: zxid epochs, times and session ids stripped, lists sorted.
type cliOutput struct {
	ordered []string
	async   []string // sorted
	logs    []string // client log lines, not compared
}

var (
	reLog      = regexp.MustCompile(`^\[[^\]]+\] (TRACE|DEBUG|INFO|WARN|ERROR) `)
	reZxid     = regexp.MustCompile(`^([cmp]Zxid) = 0x([0-9a-f]+)$`)
	reTime     = regexp.MustCompile(`^([cm]time) = (.*)$`)
	reOwner    = regexp.MustCompile(`^ephemeralOwner = 0x([0-9a-f]+)$`)
	reList     = regexp.MustCompile(`^\[(.*)\]$`)
	reAuthLine = regexp.MustCompile(`^(ip|digest|super|sasl|x509|world): `)
	reTrace    = regexp.MustCompile(`^(\t|Caused by: |[\w.$]+(Exception|Error)(: |$))`)
)

func normaliseCli(raw, addr string) cliOutput {
	var o cliOutput
	inLog := false
	for _, l := range lines(raw) {
		l = strings.ReplaceAll(l, addr, "ADDR")
		if inLog && reTrace.MatchString(l) {
			// the stack trace of a client log line
			o.logs = append(o.logs, l)
			continue
		}
		inLog = false
		switch {
		case l == "", l == "WATCHER::", l == "Welcome to ZooKeeper!", l == "JLine support is disabled",
			strings.HasPrefix(l, "Connecting to "):
			continue
		case reLog.MatchString(l):
			o.logs = append(o.logs, l)
			inLog = true
			continue
		case strings.HasPrefix(l, "WatchedEvent "), l == "Sync is OK":
			o.async = append(o.async, l)
			continue
		}
		if m := reZxid.FindStringSubmatch(l); m != nil {
			// ZooKeeper standalone runs in epoch 0, zen in epoch 1:
			// compare the counters
			z, _ := strconv.ParseUint(m[2], 16, 64)
			l = fmt.Sprintf("%s = counter %d", m[1], z&0xffffffff)
		} else if m := reTime.FindStringSubmatch(l); m != nil && !strings.Contains(m[2], " 1970") {
			l = m[1] + " = <time>"
		} else if m := reOwner.FindStringSubmatch(l); m != nil && m[1] != "0" {
			l = "ephemeralOwner = <session>"
		} else if m := reList.FindStringSubmatch(l); m != nil && !strings.HasPrefix(l, "[main") {
			// children / ephemerals: ZooKeeper returns them in hash order
			items := strings.Split(m[1], ", ")
			slices.Sort(items)
			l = "[" + strings.Join(items, ", ") + "]"
		}
		o.ordered = append(o.ordered, l)
	}
	// whoami lists a connection's identities in no particular order
	for i := 0; i < len(o.ordered); {
		j := i
		for j < len(o.ordered) && reAuthLine.MatchString(o.ordered[j]) {
			j++
		}
		if j > i {
			slices.Sort(o.ordered[i:j])
			i = j
		} else {
			i++
		}
	}
	slices.Sort(o.async)
	return o
}

// diffLines reports the first differences between two line lists.
func diffLines(a, b []string) string {
	var sb strings.Builder
	n := max(len(a), len(b))
	shown := 0
	for i := 0; i < n && shown < 15; i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			fmt.Fprintf(&sb, "  line %d:\n    zookeeper: %q\n    zen:       %q\n", i+1, x, y)
			shown++
		}
	}
	return sb.String()
}

// minus is the multiset difference a - b.
func minus(a, b []string) []string {
	left := map[string]int{}
	for _, x := range b {
		left[x]++
	}
	var out []string
	for _, x := range a {
		if left[x] > 0 {
			left[x]--
		} else {
			out = append(out, x)
		}
	}
	return out
}

// containsInOrder checks that want appear in got as a subsequence.
func containsInOrder(t *testing.T, what string, got []string, want []string) {
	t.Helper()
	i := 0
	for _, l := range got {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("%s: expected line %q (in order, after %q) not found; output:\n%s",
			what, want[i], want[max(i-1, 0)], strings.Join(got, "\n"))
	}
}

func digestOf(userPass string) string {
	user, _, _ := strings.Cut(userPass, ":")
	h := sha1.Sum([]byte(userPass))
	return user + ":" + base64.StdEncoding.EncodeToString(h[:])
}

func requireCli(t *testing.T) {
	t.Helper()
	ztest.RequireZooKeeper(t)
	if _, err := os.Stat("/usr/share/java/commons-cli.jar"); err != nil {
		t.Fatal("commons-cli (a dependency of Debian's zookeeper package) is missing")
	}
}

// cliSessionTimeout lets the CLI keep the 30 s it asks for: with the
// fixtures' tickTime of 200 ms the default cap would be 4 s, and a JVM
// stalled on a loaded CI machine would then drop its connection (and
// print extra Disconnected/SyncConnected events).
const cliSessionTimeout = "maxSessionTimeout=30000"

// runBoth runs one CLI script against zen and a real ZooKeeper at the same
// time and returns both normalised transcripts.
func runBoth(t *testing.T, zenAddr, zkAddr, script string, done func(string) bool, lineMaps ...func(string) string) (zen, zk cliOutput) {
	t.Helper()
	type res struct {
		out string
		err error
	}
	zkc := make(chan res, 1)
	go func() {
		s := strings.ReplaceAll(script, "{{ADDR}}", zkAddr)
		out, err := zkCli(zkAddr, s, done)
		zkc <- res{out, err}
	}()
	zenOut, zenErr := zkCli(zenAddr, strings.ReplaceAll(script, "{{ADDR}}", zenAddr), done)
	zr := <-zkc
	if zr.err != nil {
		t.Fatalf("CLI against ZooKeeper: %v\n%s", zr.err, zr.out)
	}
	if zenErr != nil {
		t.Fatalf("CLI against zen: %v\n%s", zenErr, zenOut)
	}
	zen, zk = normaliseCli(zenOut, zenAddr), normaliseCli(zr.out, zkAddr)
	for _, f := range lineMaps {
		for _, o := range []*cliOutput{&zen, &zk} {
			for i, l := range o.ordered {
				o.ordered[i] = f(l)
			}
		}
	}
	if !slices.Equal(zk.ordered, zen.ordered) {
		t.Errorf("CLI output differs between ZooKeeper and zen:\n%s", diffLines(zk.ordered, zen.ordered))
	}
	// Scripts end with quit: whether the closing session's Closed event is
	// printed depends on whether the JVM exits first, against either server
	// (CI once saw it from ZooKeeper only), so a last Closed event is not
	// compared.
	if zka, zena := withoutLastClosed(zk.async), withoutLastClosed(zen.async); !slices.Equal(zka, zena) {
		t.Errorf("watch events / callbacks differ:\nonly from zookeeper: %q\nonly from zen:       %q",
			minus(zka, zena), minus(zena, zka))
	}
	if t.Failed() {
		t.Logf("raw zen transcript:\n%s", zenOut)
	}
	return zen, zk
}

// closedEvent is what zkCli prints when its session closes.
const closedEvent = "WatchedEvent state:Closed type:None path:null"

// withoutLastClosed is events without a last closedEvent.
func withoutLastClosed(events []string) []string {
	if n := len(events); n > 0 && events[n-1] == closedEvent {
		return events[:n-1]
	}
	return events
}

// TestZkCliMatchesZooKeeper runs one long zkCli session (every command
// family, errors included) against zen and against Apache ZooKeeper 3.8.0,
// both with extended types enabled, and requires the same transcript.
func TestZkCliMatchesZooKeeper(t *testing.T) {
	requireCli(t)
	zkSrv := startZooKeeper(t, "extendedTypesEnabled=true", cliSessionTimeout)
	zenSrv := startZen(t, "extendedTypesEnabled=true", cliSessionTimeout)
	b, err := os.ReadFile(testdata("zkcli_script.txt"))
	if err != nil {
		t.Fatal(err)
	}
	alice := digestOf("alice:secret")
	script := strings.ReplaceAll(string(b), "{{DIGEST}}", strings.TrimPrefix(alice, "alice:"))
	syncs := strings.Count(script, "\nsync ")
	done := func(out string) bool { return strings.Count(out, "Sync is OK") >= syncs }
	zen, _ := runBoth(t, zenSrv.Addr, zkSrv.Addr, script, done)

	// The key facts, checked on zen's transcript directly.
	stat := func(fields ...string) []string { return fields }
	want := [][]string{
		// /zookeeper: cversion -2, two children; /zookeeper/config is read-only with aversion -1
		stat("cversion = -2", "dataVersion = 0", "aclVersion = 0", "ephemeralOwner = 0x0", "dataLength = 0", "numChildren = 2"),
		{"[config, quota]", "'world,'anyone", ": r", "aclVersion = -1",
			"Insufficient permission : /zookeeper/config",
			"Arguments are not valid : /zookeeper/config", "Arguments are not valid : /zookeeper",
			"Auth scheme: User", "ip: 127.0.0.1"},
		// a node created without data reads back as null; / has empty data
		{"Created /cli", "null"},
		// sequence numbers come from the parent's creation counter
		{"Created /cli/p/seq-0000000000", "Created /cli/p/seq-0000000001", "Created /cli/p/plain",
			"Created /cli/p/seq-0000000003", "Created /cli/eph", "Created /cli/eseq-0000000002",
			"Created /cli/eseq-0000000003", "Created /cli/cont", "Created /cli/cont/kid", "Created /cli/cont/ekid",
			"Created /cli/ttl", "Created /cli/ttlseq-0000000006",
			"Node already exists: /cli/p", "Ephemerals cannot have children: /cli/eph/child",
			"Node does not exist: /cli/nope/child", "pdata", "pdata"},
		{"version No is not valid : /cli/p", "dataVersion = 2", "p3"},
		{"[cont, eph, eseq-0000000002, eseq-0000000003, p, ttl, ttlseq-0000000006]"},
		// stat of an ephemeral carries the session; containers and TTL nodes don't
		{"ephemeralOwner = <session>", "numChildren = 0", "ephemeralOwner = 0x0", "numChildren = 2", "ephemeralOwner = 0x0"},
		// getAllChildrenNumber counts all descendants, / includes /zookeeper's
		{"13", "4", "Node does not exist: /cli/missing", "17"},
		{"[/cli/cont/ekid, /cli/eph, /cli/eseq-0000000002, /cli/eseq-0000000003]",
			"[/cli/eph, /cli/eseq-0000000002, /cli/eseq-0000000003]", "[/cli/cont/ekid]", "[]",
			"Node not empty: /cli/p", "version No is not valid : /cli/ttl", "Node does not exist: /cli/ttl"},
		// ACLs
		{"Created /acl", "Insufficient permission : /acl", "Insufficient permission : /acl/child",
			"KeeperErrorCode = InvalidACL for /cli/authacl", "KeeperErrorCode = InvalidACL for /cli/badacl",
			"Created /cli/ipacl", "x", "Created /cli/ipacl2", "Insufficient permission : /cli/ipacl2",
			"KeeperErrorCode = InvalidACL for /cli/ipacl3",
			"Auth scheme: User", "digest: alice", "ip: 127.0.0.1", "secretdata",
			"'digest,'" + alice, ": cdrwa", "dataVersion = 1", "aclVersion = 1",
			"Created /cli/authacl", "'digest,'" + alice, "Created /cli/mixed",
			"Insufficient permission : /acl2", "Acl is not valid : /acl2"},
		// watches: removing persistent ones, then standard data/child ones
		{"KeeperErrorCode = No such watcher for /cli/none", "n", "[]",
			"KeeperErrorCode = No such watcher for /cli/new", "KeeperErrorCode = No such watcher for /cli/new"},
		{"[config, quota]", "19", "[acl, acl2, cli, zookeeper]"},
	}
	for _, w := range want {
		containsInOrder(t, "zen CLI transcript", zen.ordered, w)
	}
	wantEvents := []string{
		"WatchedEvent state:SyncConnected type:NodeDataChanged path:/cli/cont/kid",
		"WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/cli",
		"WatchedEvent state:SyncConnected type:NodeCreated path:/cli/absent",
		"WatchedEvent state:SyncConnected type:NodeDeleted path:/cli/absent",
		"WatchedEvent state:SyncConnected type:NodeCreated path:/cli/cont/kid2",
		"WatchedEvent state:SyncConnected type:NodeDataChanged path:/cli/cont/kid2",
		"WatchedEvent state:SyncConnected type:NodeDeleted path:/cli/cont/kid2",
		"WatchedEvent state:SyncConnected type:NodeDataChanged path:/cli",
		"WatchedEvent state:SyncConnected type:NodeCreated path:/cli/pers",
		"WatchedEvent state:SyncConnected type:NodeCreated path:/cli/pers/c",
		"WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/cli/pers",
		"WatchedEvent state:SyncConnected type:NodeDataChanged path:/cli/pers",
		"WatchedEvent state:SyncConnected type:NodeDeleted path:/cli/pers/c",
		"WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/cli/cont",
		"WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/cli",
		"WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:/cli/pers",
		"WatchedEvent state:SyncConnected type:DataWatchRemoved path:/cli/new",
		"WatchedEvent state:SyncConnected type:ChildWatchRemoved path:/cli/new",
	}
	for _, e := range wantEvents {
		if !slices.Contains(zen.async, e) {
			t.Errorf("zen: missing %q in %q", e, zen.async)
		}
	}
	// the one-shot watch on /cli/cont/kid fired once for two sets; no events
	// after the watches were removed
	count := func(e string) int {
		n := 0
		for _, x := range zen.async {
			if x == e {
				n++
			}
		}
		return n
	}
	if n := count("WatchedEvent state:SyncConnected type:NodeDataChanged path:/cli/cont/kid"); n != 1 {
		t.Errorf("zen: %d NodeDataChanged for /cli/cont/kid, want 1 (one-shot, then removed)", n)
	}
	if n := count("WatchedEvent state:SyncConnected type:NodeDataChanged path:/cli"); n != 1 {
		t.Errorf("zen: %d NodeDataChanged for /cli, want 1 (persistent watch removed before the second set)", n)
	}
	if n := count("WatchedEvent state:SyncConnected type:NodeDeleted path:/cli/pers"); n != 0 {
		t.Errorf("zen: NodeDeleted for /cli/pers after its watch was removed")
	}
	if n := count("Sync is OK"); n != syncs {
		t.Errorf("zen: %d sync callbacks, want %d", n, syncs)
	}
}

// TestZkCliSessionsChrootAuthFailure: close/connect gives a new session
// (the old session's ephemerals are gone), a chroot connection sees paths
// relative to it (getEphemerals excepted: it prints server paths), and
// addauth with an unknown scheme fails the connection (AuthFailed), in
// zen as in ZooKeeper.
func TestZkCliSessionsChrootAuthFailure(t *testing.T) {
	requireCli(t)
	zkSrv := startZooKeeper(t, cliSessionTimeout)
	zenSrv := startZen(t, cliSessionTimeout)
	script := strings.Join([]string{
		"create -e /eph x",
		"getEphemerals",
		"whoami",
		"create -t 1000 /ttl x",
		"create -s -t 1000 /ttl x",
		"stat /",
		"close",
		"connect {{ADDR}}",
		"getEphemerals",
		"ls /eph",
		"create /jail",
		"connect {{ADDR}}/jail",
		"create /inside i",
		"create -s /s- x",
		"ls /",
		"get /inside",
		"stat /",
		"create -e /je x",
		"getEphemerals",
		"getEphemerals /j",
		"getEphemerals /inside",
		"sync /inside",
		"ls -R /",
		"connect {{ADDR}}",
		"ls /jail",
		"getEphemerals",
		"addauth digest bob:pw",
		"whoami",
		"addauth bogus x",
		"ls /",
		"sync /",
		"whoami",
	}, "\n") + "\n"
	// After the failed addauth the server answers AuthFailed and closes the
	// connection (ZooKeeper does the same). Whether the CLI's next command
	// is sent before its client has seen that (the op fails: "AuthFailed
	// for /") or after ("Not connected") is a race in the client, against
	// either server; both lines mean the op failed for the failed auth.
	const failed = "<op failed after AuthFailed>"
	authFailed := func(l string) string {
		if l == "KeeperErrorCode = AuthFailed for /" || l == "Not connected" {
			return failed
		}
		return l
	}
	done := func(out string) bool {
		return strings.Count(out, "Not connected")+strings.Count(out, "KeeperErrorCode = AuthFailed for /") >= 3
	}
	zen, _ := runBoth(t, zenSrv.Addr, zkSrv.Addr, script, done, authFailed)
	containsInOrder(t, "zen CLI transcript", zen.ordered, []string{
		"Created /eph", "[/eph]", "Auth scheme: User", "ip: 127.0.0.1",
		// TTL nodes need extendedTypesEnabled
		"KeeperErrorCode = Unimplemented for /ttl", "KeeperErrorCode = Unimplemented for /ttl",
		"cversion = 0", // the root: -1 + one creation (/eph)
		"[]", "Node does not exist: /eph",
		"Created /jail", "Created /inside", "Created /s-0000000001", "[inside, s-0000000001]", "i",
		"numChildren = 2", "Created /je", "[/jail/je]", "[/jail/je]", "[]",
		"/", "/inside", "/je", "/s-0000000001",
		"[inside, s-0000000001]", "[]",
		"digest: bob", "ip: 127.0.0.1",
		failed, failed, failed,
	})
	for _, e := range []string{
		"WatchedEvent state:Closed type:None path:null",
		"WatchedEvent state:AuthFailed type:None path:null",
	} {
		if !slices.Contains(zen.async, e) {
			t.Errorf("zen: missing %q in %q", e, zen.async)
		}
	}
}

// cliRestartScenario drives one zkCli session across a server restart:
// watches of every kind are set, the CLI is frozen, the server is killed
// and started again on the same data dir and port, watched nodes change,
// and the CLI resumes. Returns the transcript.
func cliRestartScenario(t *testing.T, start func(dir string, port int) *ztest.Proc) string {
	dir := t.TempDir()
	srv := start(dir, 0)
	_, portStr, _ := net.SplitHostPort(srv.Addr)
	port, _ := strconv.Atoi(portStr)
	cli := startInteractive(t, "java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
		"-cp", zkCliClasspath, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
		"org.apache.zookeeper.ZooKeeperMain", "-server", srv.Addr)
	step := func(cmd, want string) {
		t.Helper()
		from := cli.out.Len()
		cli.send(t, cmd)
		if out, ok := cli.out.waitMatch(from, regexp.MustCompile(want), 30*time.Second); !ok {
			t.Fatalf("zkCli %q: no %q in\n%s\n--- transcript:\n%s", cmd, want, out, cli.out.String())
		}
	}
	step("create /rs v0", `Created /rs\n`)
	step("create -e /rs/eph x", `Created /rs/eph\n`)
	step("get -w /rs", `v0\n`)
	step("ls -w /rs", `\[eph\]\n`)
	step("stat -w /rs/new", `Node does not exist: /rs/new\n`)
	step("get -w /rs/eph", `x\n`)
	step("stat -w /rs/gone", `Node does not exist: /rs/gone\n`)
	step("addWatch -m persistent_recursive /rs/deep", ``)
	// enough exists watches that the client's SetWatches on reconnect
	// needs several frames (it cuts them at 128 KiB of paths)
	var sb strings.Builder
	for i := range manyWatches {
		fmt.Fprintf(&sb, "stat -w %s\n", watchPath(i))
	}
	step(sb.String()+"sync /", `Sync is OK\n`)

	pid := cli.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	srv.Kill()
	srv2 := start(dir, port)
	c := goClient(t, srv2.Addr)
	if _, err := c.Set("/rs", []byte("v1"), 0); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/rs/new", "/rs/deep", "/sw", watchPath(0), watchPath(manyWatches - 1)} {
		if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	from := cli.out.Len()
	syscall.Kill(pid, syscall.SIGCONT)
	resumed = true
	// SetWatches brings the changes made while the client was away
	for _, ev := range []string{"type:NodeDataChanged path:/rs\n", "type:NodeChildrenChanged path:/rs\n",
		"type:NodeCreated path:/rs/new\n", "type:NodeCreated path:" + watchPath(0) + "\n",
		"type:NodeCreated path:" + watchPath(manyWatches-1) + "\n"} {
		if out, ok := cli.out.waitMatch(from, regexp.MustCompile(regexp.QuoteMeta(ev)), 30*time.Second); !ok {
			t.Fatalf("no %q after the restart:\n%s", ev, out)
		}
	}
	step("getEphemerals", `\[/rs/eph\]\n`)
	step("get /rs", `v1\n`)
	// the persistent recursive watch was re-registered (SetWatches2)
	step("create /rs/deep/x", `Created /rs/deep/x\n`)
	step("set /rs/eph y", ``)
	step("create "+watchPath(manyWatches/2), `Created `+watchPath(manyWatches/2)+`\n`)
	step("sync /", `Sync is OK\n`)
	cli.send(t, "quit")
	if exited, err := cli.wait(30 * time.Second); !exited || err != nil {
		t.Fatalf("zkCli did not quit: %v %v", exited, err)
	}
	return cli.out.String()
}

const manyWatches = 1500

func watchPath(i int) string {
	return fmt.Sprintf("/sw/w%04d-%s", i, strings.Repeat("x", 90))
}

// TestZkCliServerRestart: a Java client keeps its session and watches
// across a server restart; the watches catch up on what changed while it
// was away (SetWatches / SetWatches2 with its last zxid), in zen as in
// ZooKeeper.
func TestZkCliServerRestart(t *testing.T) {
	requireCli(t)
	bin := ztest.ZenBinary(t)
	var zkOut, zenOut string
	t.Run("run", func(t *testing.T) {
		t.Run("zookeeper", func(t *testing.T) {
			t.Parallel()
			zkOut = cliRestartScenario(t, func(dir string, port int) *ztest.Proc {
				return ztest.StartZooKeeperAt(t, dir, port, cliSessionTimeout)
			})
		})
		t.Run("zen", func(t *testing.T) {
			t.Parallel()
			zenOut = cliRestartScenario(t, func(dir string, port int) *ztest.Proc {
				return ztest.StartZenProc(t, bin, dir, port, []string{cliSessionTimeout})
			})
		})
	})
	if t.Failed() {
		return
	}
	zen, zk := normaliseCli(zenOut, "ADDR"), normaliseCli(zkOut, "ADDR")
	// The scenario ends with quit: the Closed event of the closing session
	// is printed or not depending on whether the JVM exits first, against
	// either server.
	for _, o := range []*cliOutput{&zen, &zk} {
		o.async = slices.DeleteFunc(o.async, func(e string) bool { return e == closedEvent })
	}
	if !slices.Equal(zk.ordered, zen.ordered) {
		t.Errorf("CLI output differs between ZooKeeper and zen:\n%s", diffLines(zk.ordered, zen.ordered))
	}
	if !slices.Equal(zk.async, zen.async) {
		t.Errorf("watch events differ:\nonly from zookeeper: %q\nonly from zen:       %q",
			minus(zk.async, zen.async), minus(zen.async, zk.async))
	}
	for _, e := range []string{
		"WatchedEvent state:Disconnected type:None path:null",
		"WatchedEvent state:SyncConnected type:NodeDataChanged path:/rs",
		"WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/rs",
		"WatchedEvent state:SyncConnected type:NodeCreated path:/rs/new",
		"WatchedEvent state:SyncConnected type:NodeCreated path:/rs/deep/x",
		"WatchedEvent state:SyncConnected type:NodeDataChanged path:/rs/eph",
		"WatchedEvent state:SyncConnected type:NodeCreated path:" + watchPath(0),
		"WatchedEvent state:SyncConnected type:NodeCreated path:" + watchPath(manyWatches/2),
		"WatchedEvent state:SyncConnected type:NodeCreated path:" + watchPath(manyWatches-1),
	} {
		if !slices.Contains(zen.async, e) {
			t.Errorf("zen: missing %q in %q", e, zen.async)
		}
	}
	for _, e := range []string{"WatchedEvent state:Expired type:None path:null",
		"WatchedEvent state:SyncConnected type:NodeCreated path:/rs/deep"} {
		if slices.Contains(zen.async, e) {
			t.Errorf("zen: unexpected %q", e)
		}
	}
	if t.Failed() {
		t.Logf("zen transcript:\n%s", zenOut)
	}
}

// TestZkCliQuotaMatchesZooKeeper: setquota/listquota/delquota. The CLI
// writes the zookeeper_limits and zookeeper_stats nodes under
// /zookeeper/quota; the server keeps zookeeper_stats (count=N,bytes=M of
// the subtree) up to date on every create, delete and setData below the
// quota root.
func TestZkCliQuotaMatchesZooKeeper(t *testing.T) {
	requireCli(t)
	zkSrv := startZooKeeper(t, cliSessionTimeout)
	zenSrv := startZen(t, cliSessionTimeout)
	b, err := os.ReadFile(testdata("zkcli_quota.txt"))
	if err != nil {
		t.Fatal(err)
	}
	done := func(out string) bool { return strings.Contains(out, "Sync is OK") }
	zen, _ := runBoth(t, zenSrv.Addr, zkSrv.Addr, string(b), done)
	containsInOrder(t, "zen quota transcript", zen.ordered, []string{
		"Output stat for /qq count=2,bytes=4",
		"count=2,bytes=4",
		"Output stat for /qq count=4,bytes=12",
		"Output stat for /qq count=4,bytes=18",
		"Output stat for /qq count=3,bytes=16",
		"Output quota for /qq count=5,bytes=100=;byteHardLimit=-1;countHardLimit=-1",
		"Output stat for /qq count=3,bytes=16",
		"count=3,bytes=16",
		"/qq/a has a parent /qq which has a quota",
		"Output stat for /other count=1,bytes=0",
		"Output stat for /other count=2,bytes=2",
	})
}
