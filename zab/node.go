package zab

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/zen-coord/zen/wal"
)

// Proposal is one txn travelling through the pipeline.
type Proposal struct {
	Zxid int64
	Data []byte // encoded txn (header + body), immutable once proposed
	Ctx  any    // the proposer's own state for the request; opaque to zab
}

// Log is what the node needs from the WAL.
type Log interface {
	Append(batch []wal.Entry) error
	LastZxid() int64
	SetMeta(key string, val []byte) error
	Meta(key string) ([]byte, bool, error)
}

// Config of a Node.
type Config struct {
	ID  int64 // this server's id (myid; 1 standalone)
	Log Log
	// Commit receives committed proposals in zxid order, one batch at a time,
	// on the committer goroutine. It must not retain the slice.
	Commit func(batch []Proposal)
	// OnFatal is called when the log fails; the node stops proposing.
	OnFatal func(error)
	// Metrics registers the node's metrics (nil: none).
	Metrics *metrics.Set
}

// metaAcceptedEpoch names the persisted accepted epoch.
const metaAcceptedEpoch = "acceptedEpoch"

// Node is a running broadcast pipeline.
type Node struct {
	cfg     Config
	epoch   int64
	tracker *Tracker

	mu       sync.Mutex
	cond     *sync.Cond
	pending  []Proposal // proposed, not yet handed to the writer
	stopping bool

	next int64 // proposer-only: next zxid to hand out

	commitCh chan []Proposal
	done     chan struct{}

	batchSize   *metrics.Histogram
	appendLat   *metrics.Histogram
	commitLag   *metrics.Histogram
	inflightLen *metrics.Gauge
}

// Start opens a new epoch above every epoch in the log and starts the
// writer and committer goroutines.
func Start(cfg Config) (*Node, error) {
	last := cfg.Log.LastZxid()
	epoch := last >> 32
	if b, ok, err := cfg.Log.Meta(metaAcceptedEpoch); err != nil {
		return nil, fmt.Errorf("zab: reading accepted epoch: %w", err)
	} else if ok && len(b) == 8 {
		if e := int64(binary.BigEndian.Uint64(b)); e > epoch {
			epoch = e
		}
	}
	epoch++
	if epoch >= 1<<31 {
		return nil, fmt.Errorf("zab: epoch space exhausted")
	}
	if err := cfg.Log.SetMeta(metaAcceptedEpoch, binary.BigEndian.AppendUint64(nil, uint64(epoch))); err != nil {
		return nil, fmt.Errorf("zab: persisting epoch %d: %w", epoch, err)
	}
	n := &Node{
		cfg:      cfg,
		epoch:    epoch,
		tracker:  NewTracker([]int64{cfg.ID}, last),
		next:     epoch<<32 | 1,
		commitCh: make(chan []Proposal, 256),
		done:     make(chan struct{}),
	}
	n.cond = sync.NewCond(&n.mu)
	if s := cfg.Metrics; s != nil {
		n.batchSize = s.NewHistogram(`zen_zab_batch_size`)
		n.appendLat = s.NewHistogram(`zen_zab_log_append_seconds`)
		n.commitLag = s.NewHistogram(`zen_zab_commit_lag_seconds`)
		s.NewGauge(`zen_zab_epoch`, func() float64 { return float64(n.epoch) })
	}
	go n.writeLoop()
	go n.commitLoop()
	return n, nil
}

// Epoch is the node's current epoch.
func (n *Node) Epoch() int64 { return n.epoch }

// NextZxid is the zxid the next Propose must carry. Proposer goroutine only.
func (n *Node) NextZxid() int64 { return n.next }

// Propose queues p for the log. p.Zxid must equal NextZxid(). Proposer
// goroutine only. It never blocks on I/O.
func (n *Node) Propose(p Proposal) {
	if p.Zxid != n.next {
		panic(fmt.Sprintf("zab: proposal zxid %#x, expected %#x", p.Zxid, n.next))
	}
	n.next++
	if n.next&0xffffffff == 0 {
		// The counter must not wrap into the next epoch. ZK forces an
		// election here; a standalone node cannot do better than stop.
		panic("zab: zxid counter exhausted for this epoch")
	}
	n.mu.Lock()
	n.pending = append(n.pending, p)
	if len(n.pending) == 1 {
		n.cond.Signal()
	}
	n.mu.Unlock()
}

// writeLoop cuts batches and makes them durable.
func (n *Node) writeLoop() {
	defer close(n.commitCh)
	var entries []wal.Entry
	for {
		n.mu.Lock()
		for len(n.pending) == 0 && !n.stopping {
			n.cond.Wait()
		}
		if n.stopping && len(n.pending) == 0 {
			n.mu.Unlock()
			return
		}
		batch := n.pending
		n.pending = make([]Proposal, 0, cap(batch))
		n.mu.Unlock()

		entries = entries[:0]
		for i := range batch {
			entries = append(entries, wal.Entry{Zxid: batch[i].Zxid, Data: batch[i].Data})
		}
		start := time.Now()
		if err := n.cfg.Log.Append(entries); err != nil {
			if n.cfg.OnFatal != nil {
				n.cfg.OnFatal(fmt.Errorf("zab: log append of %d txns failed: %w", len(batch), err))
			}
			n.mu.Lock()
			n.stopping = true
			n.mu.Unlock()
			return // nothing in or after this batch is ever committed
		}
		if n.appendLat != nil {
			n.appendLat.UpdateDuration(start)
			n.batchSize.Update(float64(len(batch)))
		}
		last := batch[len(batch)-1].Zxid
		if c := n.tracker.Ack(n.cfg.ID, last); c != last {
			panic(fmt.Sprintf("zab: standalone ack of %#x committed only %#x", last, c))
		}
		n.commitCh <- batch
	}
}

// commitLoop applies committed batches in order.
func (n *Node) commitLoop() {
	defer close(n.done)
	for batch := range n.commitCh {
		n.cfg.Commit(batch)
	}
}

// Stop lets the writer finish what is pending, waits for every durable
// batch to be committed, and stops the goroutines.
func (n *Node) Stop() {
	n.mu.Lock()
	n.stopping = true
	n.cond.Broadcast()
	n.mu.Unlock()
	<-n.done
}
