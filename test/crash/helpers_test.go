package crash

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/internal/ztest"
)

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// connect opens a go-zookeeper session to addr and waits until it is
// established. It is closed at test end.
func connect(t testing.TB, addr string, timeout time.Duration) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, timeout, zk.WithLogger(nopLogger{}),
		zk.WithMaxBufferSize(32<<20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(15 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("no session with %s (state %v)", addr, c.State())
		}
	}
	return c, ev
}

// newRand returns a seeded generator and logs the seed so a failing run can
// be reproduced with CRASH_SEED.
func newRand(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CRASH_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("random seed %d (set CRASH_SEED to repeat)", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// exitCode is the exit status of a process that has ended (-1 if it was
// killed by a signal).
func exitCode(p *ztest.Proc) int {
	if p.Cmd.ProcessState == nil {
		return -2
	}
	return p.Cmd.ProcessState.ExitCode()
}

var recoveredRE = regexp.MustCompile(`recovered zxid (0x[0-9a-f]+) from snapshot (0x[0-9a-f]+) \+ (\d+) log entries`)

// recovery parses the server's "recovered ..." log line: the recovered
// zxid, the zxid of the snapshot it started from (0: none) and the number
// of log entries replayed.
func recovery(t testing.TB, p *ztest.Proc) (zxid, snap int64, entries int) {
	t.Helper()
	// The server logs the line before it serves, but its output reaches
	// p.Output through a pipe, possibly after srvr answered: wait for it.
	var m []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m = recoveredRE.FindStringSubmatch(p.Output()); m != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery line in the server log:\n%s", p.Output())
		}
	}
	z, _ := strconv.ParseInt(m[1], 0, 64)
	s, _ := strconv.ParseInt(m[2], 0, 64)
	n, _ := strconv.Atoi(m[3])
	return z, s, n
}

// snapDir is where the server keeps its snapshots for a StartZenProc dir.
func snapDir(dir string) string { return filepath.Join(dir, "data", "zen-snap") }

// snapFile is a final snapshot file: its zxid and path.
type snapFile struct {
	zxid int64
	path string
}

var snapNameRE = regexp.MustCompile(`^snapshot\.([0-9a-f]{16})\.zst$`)

// listSnapshots returns the final snapshot files in dir, newest first.
func listSnapshots(t testing.TB, dir string) []snapFile {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []snapFile
	for _, e := range ents {
		m := snapNameRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		z, err := strconv.ParseUint(m[1], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, snapFile{zxid: int64(z), path: filepath.Join(dir, e.Name())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].zxid > out[j].zxid })
	return out
}

// nodeInfo is what a dump records of one znode.
type nodeInfo struct {
	data string
	stat zk.Stat
}

// getMany reads the data and stat of every path with several concurrent
// requests. A missing node is absent from the result.
func getMany(t testing.TB, c *zk.Conn, paths []string) map[string]nodeInfo {
	t.Helper()
	out := make(map[string]nodeInfo, len(paths))
	var mu sync.Mutex
	var firstErr error
	ch := make(chan string)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range ch {
				data, st, err := c.Get(p)
				mu.Lock()
				switch {
				case err == zk.ErrNoNode:
				case err != nil:
					if firstErr == nil {
						firstErr = fmt.Errorf("get %s: %w", p, err)
					}
				default:
					out[p] = nodeInfo{data: string(data), stat: *st}
				}
				mu.Unlock()
			}
		}()
	}
	for _, p := range paths {
		ch <- p
	}
	close(ch)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	return out
}

// children lists a node's children, failing the test on error.
func children(t testing.TB, c *zk.Conn, p string) ([]string, *zk.Stat) {
	t.Helper()
	kids, st, err := c.Children(p)
	if err != nil {
		t.Fatalf("children %s: %v", p, err)
	}
	return kids, st
}

// dumpTree reads every znode of the tree (data and stat) below root.
func dumpTree(t testing.TB, c *zk.Conn) map[string]nodeInfo {
	t.Helper()
	all := map[string]nodeInfo{}
	level := []string{"/"}
	for len(level) > 0 {
		got := getMany(t, c, level)
		var next []string
		for _, p := range level {
			ni, ok := got[p]
			if !ok {
				t.Fatalf("dump: %s vanished while the tree was quiet", p)
			}
			all[p] = ni
			if ni.stat.NumChildren == 0 {
				continue
			}
			kids, _ := children(t, c, p)
			for _, k := range kids {
				next = append(next, strings.TrimSuffix(p, "/")+"/"+k)
			}
		}
		level = next
	}
	return all
}

// diffDumps describes the differences between two dumps (at most 20).
func diffDumps(want, got map[string]nodeInfo) []string {
	var out []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s missing (want data %q)", p, w.data))
		case g.data != w.data || g.stat != w.stat:
			out = append(out, fmt.Sprintf("%s: got %q %+v, want %q %+v", p, g.data, g.stat, w.data, w.stat))
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			out = append(out, fmt.Sprintf("%s unexpected (data %q)", p, g.data))
		}
	}
	sort.Strings(out)
	if len(out) > 20 {
		out = append(out[:20], fmt.Sprintf("... and %d more", len(out)-20))
	}
	return out
}

// waitFor polls cond until it is true or the deadline passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
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
