package ztest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StartZooKeeperEnsemble runs a real Apache ZooKeeper ensemble of voters
// participants and observers observers on 127.0.0.1 (one JVM each, ids
// 1..voters+observers, observers last), with extra Java system properties
// (jvmProps, "name=value") and zoo.cfg lines given to every member, and
// waits until every member serves (srvr shows leader, follower or
// observer). It is the oracle for how an ensemble member answers clients.
// The processes are killed at test end.
func StartZooKeeperEnsemble(t testing.TB, voters, observers int, jvmProps []string, cfgLines ...string) []*Proc {
	t.Helper()
	RequireZooKeeper(t)
	n := voters + observers
	var servers []string
	for i := 1; i <= n; i++ {
		line := fmt.Sprintf("server.%d=127.0.0.1:%d:%d", i, FreePort(t), FreePort(t))
		if i > voters {
			line += ":observer"
		}
		servers = append(servers, line)
	}
	var procs []*Proc
	for i := 1; i <= n; i++ {
		dir := t.TempDir()
		port := FreePort(t)
		data := filepath.Join(dir, "data")
		if err := os.MkdirAll(data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, "myid"), []byte(strconv.Itoa(i)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// Roomy limits: a busy machine must not make a member drop out of
		// the quorum in the middle of a test.
		cfg := []string{"initLimit=50", "syncLimit=25"}
		if i > voters {
			cfg = append(cfg, "peerType=observer")
		}
		cfg = append(append(cfg, servers...), cfgLines...)
		p := spawn(t, zkCommand(t, dir, port, true, jvmProps, cfg), "127.0.0.1:"+strconv.Itoa(port), dir, "ZooKeeper")
		procs = append(procs, p)
	}
	deadline := time.Now().Add(90 * time.Second)
	for _, p := range procs {
		for {
			select {
			case <-p.done:
				t.Fatalf("ZooKeeper %s exited:\n%s", p.Addr, p.Output())
			default:
			}
			out, err := FourLetter(p.Addr, "srvr")
			if m := srvrMode(out); err == nil && (m == "leader" || m == "follower" || m == "observer") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("ZooKeeper ensemble member %s did not come up:\n%s", p.Addr, p.Output())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return procs
}

// srvrMode is the value of srvr's "Mode: " line ("" if absent).
func srvrMode(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "Mode: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
