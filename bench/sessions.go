package bench

import (
	"errors"
	"time"

	"github.com/zen-coord/zen/proto"
)

// The sessions workload measures session churn: each client loops over
// dial + ConnectRequest/ConnectResponse (a createSession txn on the server),
// then closeSession and its reply, then closes the socket. Latencies: the
// whole cycle ("session", the headline), connect and close.

// Slots of sessions (see slotNames).
const (
	slotSession = 0
	slotConnect = 1
	slotClose   = 2
)

// churnLoop is the goroutine of one sessions client. s has no connection
// of its own; it only keeps the statistics.
func (s *session) churnLoop() {
	r := s.run
	cfg := r.cfg
	addr := cfg.Servers[s.server]
	for {
		if ph := r.phase.Load(); ph != s.phase {
			s.enter(ph)
		}
		if s.phase == phaseStop {
			return
		}
		t0 := r.now()
		c, err := dial(addr, cfg.DialTimeout, cfg.SessionTimeout, 256)
		if err != nil {
			if errors.Is(err, ErrSessionRefused) {
				s.fail(proto.ErrSessionExpired)
			} else {
				s.fail(proto.ErrConnectionLoss)
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		t1 := r.now()
		err = c.Close(cfg.DialTimeout)
		t2 := r.now()
		if err != nil {
			s.fail(proto.ErrConnectionLoss)
			continue
		}
		s.record(slotConnect, t1-t0)
		s.record(slotClose, t2-t1)
		s.record(slotSession, t2-t0)
	}
}
