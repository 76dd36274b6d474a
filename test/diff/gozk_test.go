package diff

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/proto"
)

// TestGoZK runs client flows written with go-zookeeper/zk v1.0.4 (a real
// client: 44-byte ConnectRequest, its own pings, xids and multi encoding)
// against zen and ZooKeeper and compares what the client observed, with
// the same normalisation as the scenarios.
func TestGoZK(t *testing.T) {
	if !HaveZooKeeper() {
		t.Fatal("Apache ZooKeeper (Debian package zookeeper) and java are required: run scripts/install-test-deps.sh")
	}
	t.Cleanup(closing.Wait)
	for i, f := range goZKFlows {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			runGoZK(t, f, fmt.Sprintf("/zgozk%03d", i))
		})
	}
}

// gx is what a flow sees: a way to connect and a transcript.
type gx struct {
	r     *Runner
	mu    sync.Mutex
	conns []*zk.Conn
}

type nopLog struct{}

func (nopLog) Printf(string, ...any) {}

func (x *gx) connect(name string) *zk.Conn {
	c, ev, err := zk.Connect([]string{x.r.Addr}, 10*time.Second, zk.WithLogger(nopLog{}))
	if err != nil {
		x.logf("%s connect: %v", name, err)
		return nil
	}
	deadline := time.After(10 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			x.logf("%s: no session", name)
			return c
		}
	}
	go func() {
		for range ev {
		}
	}()
	x.mu.Lock()
	x.conns = append(x.conns, c)
	x.r.names[c.SessionID()] = name
	x.mu.Unlock()
	return c
}

func (x *gx) p(path string) string { return x.r.Prefix + path }

func (x *gx) logf(format string, a ...any) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.r.out = append(x.r.out, fmt.Sprintf(format, a...))
}

func (x *gx) stat(s *zk.Stat) string {
	if s == nil {
		return "nil"
	}
	ps := proto.Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Ctime: s.Ctime, Mtime: s.Mtime, Version: s.Version,
		Cversion: s.Cversion, Aversion: s.Aversion, EphemeralOwner: s.EphemeralOwner,
		DataLength: s.DataLength, NumChildren: s.NumChildren, Pzxid: s.Pzxid}
	return x.r.stat(&ps)
}

func (x *gx) path(s string) string { return x.r.p([]byte(s)) }

func errName(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func (x *gx) event(name string, ch <-chan zk.Event) {
	select {
	case ev := <-ch:
		x.logf("  %s event %s %s %s err=%v", name, ev.Type, ev.State, x.path(ev.Path), ev.Err)
	case <-time.After(5 * time.Second):
		x.logf("  %s no event", name)
	}
}

func (x *gx) noEvent(name string, ch <-chan zk.Event) {
	select {
	case ev := <-ch:
		x.logf("  %s unexpected event %s %s", name, ev.Type, x.path(ev.Path))
	case <-time.After(200 * time.Millisecond):
		x.logf("  %s no event (as expected)", name)
	}
}

type goZKFlow struct {
	name string
	run  func(x *gx)
}

var open = zk.WorldACL(zk.PermAll)

var goZKFlows = []goZKFlow{
	{"gozk-crud", func(x *gx) {
		c := x.connect("c1")
		p, err := c.Create(x.p("/a"), []byte("hello"), 0, open)
		x.logf("create %s %s", x.path(p), errName(err))
		_, err = c.Create(x.p("/a"), nil, 0, open)
		x.logf("create again %s", errName(err))
		d, st, err := c.Get(x.p("/a"))
		x.logf("get %q %s %s", d, x.stat(st), errName(err))
		st, err = c.Set(x.p("/a"), nil, 0)
		x.logf("set %s %s", x.stat(st), errName(err))
		d, st, err = c.Get(x.p("/a"))
		x.logf("get %q nil=%v %s %s", d, d == nil, x.stat(st), errName(err))
		_, err = c.Set(x.p("/a"), []byte("x"), 7)
		x.logf("set bad version %s", errName(err))
		ok, st, err := c.Exists(x.p("/missing"))
		x.logf("exists missing %v %s %s", ok, x.stat(st), errName(err))
		_, err = c.Create(x.p("/a/b"), []byte("c"), zk.FlagEphemeral, open)
		x.logf("create child %s", errName(err))
		kids, st, err := c.Children(x.p("/a"))
		sort.Strings(kids)
		x.logf("children %v %s %s", kids, x.stat(st), errName(err))
		x.logf("delete nonempty %s", errName(c.Delete(x.p("/a"), -1)))
		x.logf("delete child %s", errName(c.Delete(x.p("/a/b"), 0)))
		x.logf("delete %s", errName(c.Delete(x.p("/a"), 1)))
		x.logf("delete missing %s", errName(c.Delete(x.p("/a"), -1)))
		_, _, err = c.Get(x.p("/a"))
		x.logf("get deleted %s", errName(err))
		s, err := c.Sync(x.p("/a"))
		x.logf("sync %s %s", x.path(s), errName(err))
	}},
	{"gozk-sequential-and-protected", func(x *gx) {
		c := x.connect("c1")
		c.Create(x.p("/q"), nil, 0, open)
		for _, f := range []int32{zk.FlagSequence, zk.FlagEphemeral | zk.FlagSequence, 0} {
			p, err := c.Create(x.p("/q/n-"), nil, f, open)
			x.logf("create flags=%d %s %s", f, x.path(p), errName(err))
		}
		p, err := c.CreateProtectedEphemeralSequential(x.p("/q/lock-"), []byte("x"), open)
		if err == nil {
			// _c_<guid>-lock-NNNNNNNNNN: keep only the sequence suffix.
			p = p[strings.LastIndex(p, "-")+1:]
		}
		x.logf("protected seq suffix %s %s", p, errName(err))
		_, st, err := c.Children(x.p("/q"))
		x.logf("parent %s %s", x.stat(st), errName(err))
	}},
	{"gozk-multi", func(x *gx) {
		c := x.connect("c1")
		res, err := c.Multi(
			&zk.CreateRequest{Path: x.p("/m"), Data: []byte("x"), Acl: open},
			&zk.CreateRequest{Path: x.p("/m/c"), Acl: open, Flags: zk.FlagSequence},
			&zk.SetDataRequest{Path: x.p("/m"), Data: []byte("y"), Version: 0},
			&zk.CheckVersionRequest{Path: x.p("/m"), Version: 1},
			&zk.DeleteRequest{Path: x.p("/m/c0000000000"), Version: -1},
		)
		x.logf("multi %s", errName(err))
		for i, r := range res {
			x.logf("  %d %s %s %s", i, x.path(r.String), x.stat(r.Stat), errName(r.Error))
		}
		res, err = c.Multi(
			&zk.CreateRequest{Path: x.p("/n"), Acl: open},
			&zk.CheckVersionRequest{Path: x.p("/m"), Version: 7},
			&zk.DeleteRequest{Path: x.p("/m"), Version: -1},
		)
		x.logf("failing multi %s", errName(err))
		for i, r := range res {
			x.logf("  %d %s %s %s", i, x.path(r.String), x.stat(r.Stat), errName(r.Error))
		}
		ok, _, _ := c.Exists(x.p("/n"))
		x.logf("exists /n %v", ok)
	}},
	{"gozk-watches", func(x *gx) {
		c1 := x.connect("c1")
		c2 := x.connect("c2")
		_, _, ch, err := c1.ExistsW(x.p("/w"))
		x.logf("existsW %s", errName(err))
		c2.Create(x.p("/w"), []byte("1"), 0, open)
		x.event("exists", ch)
		_, _, ch, err = c1.GetW(x.p("/w"))
		x.logf("getW %s", errName(err))
		_, _, cch, err := c1.ChildrenW(x.p("/w"))
		x.logf("childrenW %s", errName(err))
		c2.Set(x.p("/w"), []byte("2"), -1)
		x.event("get", ch)
		x.noEvent("children", cch)
		c2.Create(x.p("/w/k"), nil, 0, open)
		x.event("children", cch)
		_, _, ch, _ = c1.GetW(x.p("/w/k"))
		_, _, cch, _ = c1.ChildrenW(x.p("/w"))
		c2.Delete(x.p("/w/k"), -1)
		x.event("get", ch)
		x.event("children", cch)
		_, _, ch, err = c1.GetW(x.p("/none"))
		x.logf("getW missing %s nilch=%v", errName(err), ch == nil)
	}},
	{"gozk-ephemeral-close", func(x *gx) {
		c1 := x.connect("c1")
		c2 := x.connect("c2")
		_, err := c1.Create(x.p("/e"), []byte("x"), zk.FlagEphemeral, open)
		x.logf("create eph %s", errName(err))
		_, st, ch, err := c2.ExistsW(x.p("/e"))
		x.logf("existsW %s %s", x.stat(st), errName(err))
		c1.Close()
		x.event("eph", ch)
		ok, _, err := c2.Exists(x.p("/e"))
		x.logf("exists after close %v %s", ok, errName(err))
	}},
	{"gozk-acl-auth", func(x *gx) {
		c1 := x.connect("c1")
		x.logf("addauth %s", errName(c1.AddAuth("digest", []byte("u:p"))))
		_, err := c1.Create(x.p("/s"), []byte("secret"), 0, zk.DigestACL(zk.PermAll, "u", "p"))
		x.logf("create %s", errName(err))
		acl, st, err := c1.GetACL(x.p("/s"))
		x.logf("getacl %v %s %s", acl, x.stat(st), errName(err))
		c2 := x.connect("c2")
		_, _, err = c2.Get(x.p("/s"))
		x.logf("get unauth %s", errName(err))
		acl, _, err = c2.GetACL(x.p("/s"))
		x.logf("getacl unauth %v %s", acl, errName(err))
		_, err = c1.Create(x.p("/c"), nil, 0, zk.AuthACL(zk.PermAll))
		x.logf("create auth acl %s", errName(err))
		_, err = c2.Create(x.p("/d"), nil, 0, zk.AuthACL(zk.PermAll))
		x.logf("create auth acl unauth %s", errName(err))
		st, err = c1.SetACL(x.p("/s"), zk.WorldACL(zk.PermRead), 0)
		x.logf("setacl %s %s", x.stat(st), errName(err))
		d, _, err := c2.Get(x.p("/s"))
		x.logf("get after setacl %q %s", d, errName(err))
		_, err = c2.Set(x.p("/s"), nil, -1)
		x.logf("set read-only %s", errName(err))
	}},
	{"gozk-container-ttl", func(x *gx) {
		c := x.connect("c1")
		p, err := c.CreateContainer(x.p("/c"), nil, zk.FlagTTL, open)
		x.logf("container with ttl flag %s %s", x.path(p), errName(err))
		p, err = c.CreateContainer(x.p("/c"), []byte("x"), 4, open)
		x.logf("container %s %s", x.path(p), errName(err))
		p, err = c.CreateTTL(x.p("/t"), []byte("x"), zk.FlagTTL, open, time.Minute)
		x.logf("ttl %s %s", x.path(p), errName(err))
		p, err = c.CreateTTL(x.p("/t"), []byte("x"), zk.FlagTTL|zk.FlagSequence, open, time.Minute)
		x.logf("ttl seq %s %s", x.path(p), errName(err))
		p, err = c.CreateTTL(x.p("/u"), []byte("x"), 0, open, time.Minute)
		x.logf("ttl bad flags %s %s", x.path(p), errName(err))
		for _, n := range []string{"/c", "/t"} {
			_, st, err := c.Exists(x.p(n))
			x.logf("exists %s %s %s", n, x.stat(st), errName(err))
		}
	}},
	{"gozk-reconfig-standalone", func(x *gx) {
		c := x.connect("c1")
		_, err := c.IncrementalReconfig([]string{"server.2=127.0.0.1:2888:3888;2181"}, nil, -1)
		x.logf("incremental reconfig %s", errName(err))
		_, err = c.Reconfig([]string{"server.1=127.0.0.1:2888:3888;2181"}, -1)
		x.logf("reconfig %s", errName(err))
		d, st, err := c.Get("/zookeeper/config")
		x.logf("config %q %s %s", maskMembership(d), x.stat(st), errName(err))
	}},
}

func runGoZK(t *testing.T, f goZKFlow, prefix string) {
	v := Variants["main"]
	zenAddr := startZen(t, v)
	s := sharedFor("main")
	s.once.Do(func() { s.zk, s.err = startOracle(v) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	zkAddr, err := s.zk.Ready(60 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var sides [2]side
	for i, addr := range []string{zkAddr, zenAddr} {
		wg.Add(1)
		go func(i int, addr string) {
			defer wg.Done()
			r, err := NewRunner(addr, prefix, i == 0)
			if err != nil {
				sides[i].err = err
				return
			}
			x := &gx{r: r}
			done := make(chan struct{})
			go func() { defer close(done); f.run(x) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				// A request never answered blocks go-zk forever: closing
				// the connections makes it return ErrConnectionClosed.
				x.mu.Lock()
				conns := append([]*zk.Conn(nil), x.conns...)
				x.mu.Unlock()
				for _, c := range conns {
					c.Close()
				}
				<-done
				x.logf("!! the flow hung for 15 s (connections closed to end it)")
			}
			for _, c := range x.conns {
				c.Close()
			}
			sides[i].lines = r.Transcript()
			// go-zk closes asynchronously; the runner's cleanup resumes and
			// closes whatever is still open.
			for id := range r.names {
				r.passwds[id] = nil
			}
			r.names = map[int64]string{}
			if err := r.Close(); err != nil && !errors.Is(err, proto.ErrNoNode) {
				sides[i].err = err
			}
		}(i, addr)
	}
	wg.Wait()
	if sides[0].err != nil || sides[1].err != nil {
		t.Fatalf("ZooKeeper side: %v; zen side: %v", sides[0].err, sides[1].err)
	}
	if !equal(sides[0].lines, sides[1].lines) {
		t.Errorf("zen differs from ZooKeeper 3.8.0 (- ZooKeeper, + zen):\n%s", Diff(sides[0].lines, sides[1].lines))
	} else if *showAll {
		t.Logf("(identical)\n%s", strings.Join(sides[0].lines, "\n"))
	}
}
