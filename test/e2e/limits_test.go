package e2e

// Connection and load limits: maxClientCnxns per client IP and
// globalOutstandingLimit.

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
	"github.com/zen-coord/zen/proto"
)

// tryHandshake opens a connection and reports whether a session was
// granted.
func tryHandshake(t testing.TB, addr string) (net.Conn, bool) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, false
	}
	t.Cleanup(func() { conn.Close() })
	req := proto.ConnectRequest{Timeout: 4000, Passwd: make([]byte, 16), HasReadOnly: true}
	if _, err := conn.Write(ztest.Frame(req.Append(nil))); err != nil {
		return conn, false
	}
	p, err := readFrame(conn, 3*time.Second)
	if err != nil {
		return conn, false
	}
	return conn, decConnect(t, p).SessionID != 0
}

// Connections beyond maxClientCnxns from one IP are closed at once; a
// freed slot can be used again.
func TestMaxClientCnxns(t *testing.T) {
	s := serve(t, opts{MaxClientCnxns: 3})
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		conn, ok := tryHandshake(t, s.Addr)
		if !ok {
			t.Fatalf("connection %d refused under the limit", i+1)
		}
		conns = append(conns, conn)
	}
	for i := 0; i < 3; i++ {
		conn, ok := tryHandshake(t, s.Addr)
		if ok {
			t.Fatal("a 4th connection from the same IP got a session")
		}
		if conn != nil && !closedNoData(t, conn, 3*time.Second) {
			t.Fatal("the refused connection was left open")
		}
	}
	// The sessions in use are unaffected.
	c := &rc{Raw: &ztest.Raw{C: conns[0]}, t: t}
	c.ok(proto.OpExists, pathWatch("/", false))
	// Free a slot.
	conns[1].Close()
	eventually(t, 5*time.Second, "a freed slot to be usable", func() bool {
		conn, ok := tryHandshake(t, s.Addr)
		if ok {
			conns = append(conns, conn)
		}
		return ok
	})
	if _, ok := tryHandshake(t, s.Addr); ok {
		t.Fatal("a 4th connection got a session after the slot was reused")
	}
}

func mntrValue(t testing.TB, addr, key string) int {
	out, err := ztest.FourLetter(addr, "mntr")
	if err != nil && out == "" {
		t.Errorf("mntr: %v", err)
		return -1
	}
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, key+"\t"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Errorf("mntr %s = %q", key, v)
			}
			return n
		}
	}
	t.Errorf("mntr has no %s", key)
	return -1
}

// With a small globalOutstandingLimit and a client that pipelines far more
// requests than that, the server stops reading while the limit is reached:
// the number of requests in flight stays around the limit (without the
// limit it reaches the thousands), and every request is still answered, in
// order.
func TestGlobalOutstandingLimit(t *testing.T) {
	const limit, n = 10, 3000
	s := serve(t, opts{GlobalOutstandingLimit: limit})
	c := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/x", nil, openACL, 0))
	var stream []byte
	for i := 1; i <= n; i++ {
		var f []byte
		if i%3 == 0 {
			f = reqFrame(int32(100+i), proto.OpGetData, pathWatch("/x", false))
		} else {
			f = reqFrame(int32(100+i), proto.OpSetData, setDataBody("/x", []byte(strconv.Itoa(i)), -1))
		}
		stream = append(stream, f...)
	}
	var (
		wg      sync.WaitGroup
		stop    = make(chan struct{})
		maxSeen int
		polls   int
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if v := mntrValue(t, s.Addr, "zk_outstanding_requests"); v > maxSeen {
				maxSeen = v
			}
			polls++
		}
	}()
	go func() {
		defer wg.Done()
		c.Write(stream) // blocks while the server is not reading
	}()
	for i := 1; i <= n; i++ {
		rep, err := c.Read(30 * time.Second)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if rep.Hdr.Xid != int32(100+i) || rep.Hdr.Err != 0 {
			t.Fatalf("reply %d: %+v, want xid %d, Ok", i, rep.Hdr, 100+i)
		}
		if i%3 == 0 {
			// The read sees the write just before it.
			got := dec[proto.GetDataResponse](t, rep.Body)
			if string(got.Data) != strconv.Itoa(i-1) {
				t.Fatalf("reply %d: read %q, want %q", i, got.Data, strconv.Itoa(i-1))
			}
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("max outstanding seen %d in %d polls", maxSeen, polls)
	// ZooKeeper overshoots a little (it checks after queueing); allow
	// twice the limit plus a few.
	if maxSeen > 2*limit+5 {
		t.Fatalf("up to %d requests outstanding with globalOutstandingLimit %d", maxSeen, limit)
	}
	if v := mntrValue(t, s.Addr, "zk_outstanding_requests"); v != 0 {
		t.Fatalf("outstanding %d after everything was answered", v)
	}
}
