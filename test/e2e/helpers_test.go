package e2e

import (
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zen-coord/zen/engine"
	"github.com/zen-coord/zen/internal/ztest"
)

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// connect opens a go-zookeeper session to addr and waits until it is
// connected.
func connect(t testing.TB, addr string) (*zk.Conn, <-chan zk.Event) {
	t.Helper()
	c, ev, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogger(nopLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(10 * time.Second)
	for c.State() != zk.StateHasSession {
		select {
		case <-ev:
		case <-deadline:
			t.Fatalf("no session with %s (state %v)", addr, c.State())
		}
	}
	return c, ev
}

func start(t testing.TB, mod ...func(*engine.Config)) *ztest.Server {
	var m func(*engine.Config)
	if len(mod) > 0 {
		m = mod[0]
	}
	return ztest.StartServer(t, m)
}
