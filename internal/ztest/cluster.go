package ztest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zen-coord/zen/zab"
)

// ClusterSpec describes an ensemble of zen processes (real binaries, real
// TCP, data in temp dirs) started by StartCluster.
type ClusterSpec struct {
	Voters    int
	Observers int
	// Proxied routes every member's peer connections through a cuttable
	// zab.Proxy per ordered pair (from, to): member i's zoo.cfg names the
	// proxy i→j as server j's address. Cut, Stall, Isolate and Heal act on
	// those proxies.
	Proxied bool
	// Cfg is added to every member's zoo.cfg (e.g. "syncLimit=5").
	Cfg []string
	// Env is added to every member's environment.
	Env []string
}

// Cluster is an ensemble of zen processes. Members[i] has id i+1; voters
// come first, observers last.
type Cluster struct {
	T       testing.TB
	Bin     string
	Members []*ClusterMember
	spec    ClusterSpec

	mu      sync.Mutex
	proxies map[[2]int64]*zab.Proxy // (from, to) → proxy to `to`'s peer port
}

// ClusterMember is one server of a Cluster. Proc is its current process
// (nil before the first start; a stopped process stays until Start).
type ClusterMember struct {
	ID         int64
	Observer   bool
	Dir        string // StartZenProc's dir: zoo.cfg here, data in Dir/data
	ClientPort int
	PeerPort   int
	ElectPort  int
	Proc       *Proc
	// Starts counts the starts so far (the first is 1).
	Starts int
	c      *Cluster
}

// StartCluster builds the zen binary, starts spec.Voters+spec.Observers
// servers on 127.0.0.1 and waits until every one serves clients. Processes
// and proxies are stopped at test end.
func StartCluster(t testing.TB, spec ClusterSpec) *Cluster {
	t.Helper()
	c := &Cluster{T: t, Bin: ZenBinary(t), spec: spec, proxies: map[[2]int64]*zab.Proxy{}}
	n := spec.Voters + spec.Observers
	for i := 1; i <= n; i++ {
		m := &ClusterMember{ID: int64(i), Observer: i > spec.Voters, Dir: t.TempDir(),
			ClientPort: FreePort(t), PeerPort: FreePort(t), ElectPort: FreePort(t), c: c}
		c.Members = append(c.Members, m)
	}
	if spec.Proxied {
		for _, a := range c.Members {
			for _, b := range c.Members {
				if a == b {
					continue
				}
				p, err := zab.NewProxy(fmt.Sprintf("127.0.0.1:%d", b.PeerPort))
				if err != nil {
					t.Fatal(err)
				}
				c.proxies[[2]int64{a.ID, b.ID}] = p
			}
		}
		t.Cleanup(func() {
			for _, p := range c.proxies {
				p.Close()
			}
		})
	}
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i, m := range c.Members {
		if err := m.writeMyid(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.startProc()
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
	for _, m := range c.Members {
		if !m.WaitServing(60 * time.Second) {
			t.Fatalf("member %d did not start serving:\n%s", m.ID, m.Proc.Output())
		}
	}
	return c
}

// Member returns the member with id.
func (c *Cluster) Member(id int64) *ClusterMember { return c.Members[id-1] }

// Addrs lists every member's client address.
func (c *Cluster) Addrs() []string {
	var out []string
	for _, m := range c.Members {
		out = append(out, m.Addr())
	}
	return out
}

// Voters lists the voting members.
func (c *Cluster) Voters() []*ClusterMember {
	var out []*ClusterMember
	for _, m := range c.Members {
		if !m.Observer {
			out = append(out, m)
		}
	}
	return out
}

// Leader returns the member whose srvr says "Mode: leader" (nil if none
// does right now).
func (c *Cluster) Leader() *ClusterMember {
	for _, m := range c.Members {
		if m.Running() && m.Mode() == "leader" {
			return m
		}
	}
	return nil
}

// WaitLeader waits until one of among (all members if empty) reports
// Mode: leader.
func (c *Cluster) WaitLeader(timeout time.Duration, among ...*ClusterMember) *ClusterMember {
	if len(among) == 0 {
		among = c.Members
	}
	deadline := time.Now().Add(timeout)
	for {
		for _, m := range among {
			if m.Running() && m.Mode() == "leader" {
				return m
			}
		}
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitSameZxid waits until every one of among (all running members if
// empty) serves and reports the same Zxid; it returns that zxid, or -1 on
// timeout. Call it while nothing writes.
func (c *Cluster) WaitSameZxid(timeout time.Duration, among ...*ClusterMember) int64 {
	if len(among) == 0 {
		for _, m := range c.Members {
			if m.Running() {
				among = append(among, m)
			}
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		z := among[0].Zxid()
		same := z >= 0
		for _, m := range among[1:] {
			if m.Zxid() != z {
				same = false
			}
		}
		if same {
			return z
		}
		if time.Now().After(deadline) {
			return -1
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Others lists the members other than those given.
func (c *Cluster) Others(not ...*ClusterMember) []*ClusterMember {
	var out []*ClusterMember
next:
	for _, m := range c.Members {
		for _, x := range not {
			if m == x {
				continue next
			}
		}
		out = append(out, m)
	}
	return out
}

// Proxy is the proxy member from dials to reach member to (nil unless
// the cluster is Proxied).
func (c *Cluster) Proxy(from, to int64) *zab.Proxy {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proxies[[2]int64{from, to}]
}

func (c *Cluster) link(a, b int64, f func(*zab.Proxy)) {
	if !c.spec.Proxied {
		c.T.Fatal("ztest: the cluster is not Proxied")
	}
	for _, k := range [][2]int64{{a, b}, {b, a}} {
		if p := c.Proxy(k[0], k[1]); p != nil {
			f(p)
		}
	}
}

// Cut breaks the link between a and b in both directions (connections end
// at once and new ones are refused) until Heal.
func (c *Cluster) Cut(a, b int64) { c.link(a, b, (*zab.Proxy).Cut) }

// Stall silently stops traffic between a and b in both directions
// (connections stay open) until Heal.
func (c *Cluster) Stall(a, b int64) { c.link(a, b, (*zab.Proxy).Stall) }

// Heal restores the link between a and b.
func (c *Cluster) Heal(a, b int64) { c.link(a, b, (*zab.Proxy).Heal) }

// Isolate cuts (or, with stall, stalls) every link of member id.
func (c *Cluster) Isolate(id int64, stall bool) {
	for _, m := range c.Members {
		if m.ID == id {
			continue
		}
		if stall {
			c.Stall(id, m.ID)
		} else {
			c.Cut(id, m.ID)
		}
	}
}

// HealAll heals every link.
func (c *Cluster) HealAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.proxies {
		p.Heal()
	}
}

// Addr is the member's client address.
func (m *ClusterMember) Addr() string { return fmt.Sprintf("127.0.0.1:%d", m.ClientPort) }

// DataDir is the member's dataDir (myid, the WAL, snapshots).
func (m *ClusterMember) DataDir() string { return filepath.Join(m.Dir, "data") }

func (m *ClusterMember) writeMyid() error {
	if err := os.MkdirAll(m.DataDir(), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(m.DataDir(), "myid"), []byte(strconv.FormatInt(m.ID, 10)+"\n"), 0o644)
}

// cfgLines is the member's zoo.cfg beyond what StartZenProc writes.
func (m *ClusterMember) cfgLines() []string {
	c := m.c
	lines := []string{"initLimit=10", "syncLimit=5"}
	if m.Observer {
		lines = append(lines, "peerType=observer")
	}
	for _, o := range c.Members {
		addr := fmt.Sprintf("127.0.0.1:%d", o.PeerPort)
		if o != m {
			if p := c.Proxy(m.ID, o.ID); p != nil {
				addr = p.Addr()
			}
		}
		l := fmt.Sprintf("server.%d=%s:%d", o.ID, addr, o.ElectPort)
		if o.Observer {
			l += ":observer"
		}
		lines = append(lines, l)
	}
	return append(lines, c.spec.Cfg...)
}

// startProc starts the process and waits for ruok; it returns a failure
// message instead of failing so that members can start concurrently.
func (m *ClusterMember) startProc() (failure string) {
	t := m.c.T
	// StartZenProc fails the test on its own; catch a Fatal's Goexit here
	// only to report which member it was.
	done := false
	defer func() {
		if !done {
			failure = fmt.Sprintf("member %d did not start", m.ID)
		}
	}()
	m.Proc = StartZenProc(t, m.c.Bin, m.Dir, m.ClientPort, m.cfgLines(), m.c.spec.Env...)
	m.Starts++
	done = true
	return ""
}

// Start starts the member's process again on its data dir (and waits
// until it answers ruok, not until it serves: see WaitServing).
func (m *ClusterMember) Start() {
	m.c.T.Helper()
	if m.Running() {
		m.c.T.Fatalf("member %d is already running", m.ID)
	}
	if err := m.writeMyid(); err != nil {
		m.c.T.Fatal(err)
	}
	if f := m.startProc(); f != "" {
		m.c.T.Fatal(f)
	}
}

// Running reports whether the member's process is alive.
func (m *ClusterMember) Running() bool {
	if m.Proc == nil {
		return false
	}
	// Not Proc.Wait(0): its select may pick the expired timer over an
	// exited process.
	select {
	case <-m.Proc.done:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and waits for the process to end.
func (m *ClusterMember) Kill() {
	if m.Running() {
		m.Proc.Kill()
	}
}

// Stop sends SIGTERM and waits for the process to end (it is killed after
// 20 s).
func (m *ClusterMember) Stop() {
	if m.Running() {
		m.Proc.Stop()
	}
}

// Pause stops (SIGSTOP) or resumes (SIGCONT) the process.
func (m *ClusterMember) Pause(stop bool) {
	if !m.Running() {
		return
	}
	sig := syscall.SIGCONT
	if stop {
		sig = syscall.SIGSTOP
	}
	m.Proc.Cmd.Process.Signal(sig)
}

// Wipe deletes the member's data dir except myid (the member must be
// down): it comes back empty and must be synced by a snapshot.
func (m *ClusterMember) Wipe() {
	m.c.T.Helper()
	if m.Running() {
		m.c.T.Fatalf("wiping member %d while it runs", m.ID)
	}
	if err := os.RemoveAll(m.DataDir()); err != nil {
		m.c.T.Fatal(err)
	}
	if err := m.writeMyid(); err != nil {
		m.c.T.Fatal(err)
	}
}

// Output is what the current process logged so far.
func (m *ClusterMember) Output() string {
	if m.Proc == nil {
		return ""
	}
	return m.Proc.Output()
}

// Srvr returns the srvr 4lw answer ("" when the member is down or does not
// answer).
func (m *ClusterMember) Srvr() string {
	out, err := FourLetter(m.Addr(), "srvr")
	if err != nil {
		return ""
	}
	return out
}

// Mode is the Mode line of srvr ("" while the member does not serve).
func (m *ClusterMember) Mode() string { return SrvrField(m.Srvr(), "Mode") }

// Zxid is the Zxid line of srvr (-1 while the member does not serve).
func (m *ClusterMember) Zxid() int64 {
	v := SrvrField(m.Srvr(), "Zxid")
	if v == "" {
		return -1
	}
	z, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		return -1
	}
	return z
}

// WaitServing waits until the member reports a Mode (it serves clients).
func (m *ClusterMember) WaitServing(timeout time.Duration) bool {
	if m.Proc == nil {
		return false
	}
	return WaitServingProc(m.Proc, timeout)
}

// SrvrField returns the value of a "Key: value" line of a 4lw answer
// ("" if absent); mntr's tab-separated "zk_key\tvalue" lines work too.
func SrvrField(out, key string) string {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, key+": "); ok {
			return strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, key+"\t"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
