package core

import (
	"fmt"
	"testing"
)

// benchCluster is a synchronous in-memory ensemble: every Ready is
// persisted and advanced at once, messages are delivered immediately.
type benchCluster struct {
	e *env
}

func newBenchCluster(tb testing.TB, voters int) *benchCluster {
	e := newEnv()
	for i := 1; i <= voters; i++ {
		e.voters = append(e.voters, int64(i))
	}
	for _, id := range e.voters {
		t := &tnode{id: id, log: NewMemLog(), seed: uint64(id)}
		e.nodes[id] = t
		if err := e.boot(t); err != nil {
			tb.Fatal(err)
		}
	}
	c := &benchCluster{e: e}
	c.settle(tb)
	if c.leader() == nil {
		tb.Fatal("no leader")
	}
	return c
}

func (c *benchCluster) leader() *tnode {
	for _, id := range c.e.ids() {
		if t := c.e.nodes[id]; t.n.state == Leading && t.n.lead.established {
			return t
		}
	}
	return nil
}

// settle processes Readys and delivers messages until quiet.
func (c *benchCluster) settle(tb testing.TB) {
	for {
		moved := false
		for _, id := range c.e.ids() {
			t := c.e.nodes[id]
			for t.n.HasReady() {
				rd := c.e.takeReady(t)
				c.e.answerSnapshots(t, &rd)
				if err := c.e.persist(t, rd); err != nil {
					tb.Fatal(err)
				}
				moved = true
			}
		}
		q := c.e.queue
		c.e.queue = nil
		for _, m := range q {
			if err := c.e.nodes[m.To].n.Step(m); err != nil {
				tb.Fatal(err)
			}
			moved = true
		}
		if !moved {
			return
		}
	}
}

// BenchmarkBroadcast measures the cores' cost per committed batch: one
// Propose on the leader, its Readys, the followers' Readys, ACKs, COMMITs
// (persistence is an in-memory append).
func BenchmarkBroadcast(b *testing.B) {
	for _, size := range []int{1, 64} {
		b.Run(fmt.Sprintf("voters=3/batch=%d", size), func(b *testing.B) {
			c := newBenchCluster(b, 3)
			l := c.leader()
			batch := make([][]byte, size)
			for i := range batch {
				batch[i] = make([]byte, 100)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := l.n.Propose(batch); err != nil {
					b.Fatal(err)
				}
				c.settle(b)
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "txn/s")
		})
	}
}
