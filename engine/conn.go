package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/zen-coord/zen/netpoll"
	"github.com/zen-coord/zen/proto"
)

// connection states (conn.state)
const (
	stateNew        int32 = iota // waiting for the ConnectRequest
	stateConnecting              // createSession in flight; input paused
	stateOpen                    // session attached
	stateDead                    // refused; closing
)

// conn is the engine's side of a client connection. It is the Watcher for
// every watch the connection sets.
//
// Ordering: requests that cannot be answered on the spot (writes, and
// anything that arrives while a write of this connection is in flight) wait
// in q, in arrival order. The loop appends to q; the applier pops a write
// from the head when it is applied, writes its reply, then serves the reads
// queued behind it (against the tree exactly as of that write) up to the
// next write. Replies are appended to the output under qmu, so they leave in
// request order. Lock order: qmu → tree locks → netpoll output lock.
type conn struct {
	srv *Server
	nc  *netpoll.Conn
	id  uint64

	state         atomic.Int32
	readOnlyAware bool // loop-only after the handshake
	sess          atomic.Pointer[session]
	auth          atomic.Pointer[authSet]

	qmu sync.Mutex
	q   []*request

	loopScratch scratch // loop-only

	// stats for cons/stat
	established time.Time
	recv        atomic.Int64
	sent        atomic.Int64
	lastOp      atomic.Int32
	lastCxid    atomic.Int32
	lastZxid    atomic.Int64
	lastResp    atomic.Int64 // unix ms
	lastLat     atomic.Int64 // ms
	latMin      atomic.Int64
	latMax      atomic.Int64
	latSum      atomic.Int64
	latCnt      atomic.Int64
	throttled   bool         // guarded by srv.throttleMu
	eventZxid   atomic.Int64 // highest zxid of an event queued here
	closedOnce  atomic.Bool
}

// scratch buffers owned by one goroutine.
type scratch struct {
	buf   []byte
	names []string
	ops   []proto.MultiOp
	res   []proto.MultiResult
}

// Notify implements tree.Watcher: queue a watch notification, unless the
// connection may not READ the node (ZooKeeper 3.9 filters those).
func (c *conn) Notify(typ proto.EventType, path string, zxid int64, acl []proto.ACL) {
	if acl != nil && !c.auth.Load().Allowed(acl, proto.PermRead) {
		return
	}
	if c.state.Load() == stateDead {
		return // superseded or closing: nothing more goes out
	}
	// A reply that follows this event must not carry an older zxid, even
	// though the tree publishes the txn's zxid only after firing.
	for {
		cur := c.eventZxid.Load()
		if zxid <= cur || c.eventZxid.CompareAndSwap(cur, zxid) {
			break
		}
	}
	// ZooKeeper 3.8 puts zxid -1 in every notification header; clients
	// take nothing from it.
	out := c.nc.BeginWrite()
	out = proto.AppendNotification(out, -1, typ, path)
	c.nc.EndWrite(out)
	c.sent.Add(1)
	c.srv.m.packetsSent.Add(1)
	c.nc.Wake()
}

// replyZxid is the zxid a read reply carries: the last applied txn, or the
// txn of an event already queued on this connection if that is newer.
func (c *conn) replyZxid() int64 {
	return max(c.srv.tr().LastZxid(), c.eventZxid.Load())
}

// write appends complete frames to the connection's output.
func (c *conn) write(frames []byte, n int) {
	if len(frames) == 0 {
		return
	}
	out := c.nc.BeginWrite()
	out = append(out, frames...)
	c.nc.EndWrite(out)
	c.sent.Add(int64(n))
	c.srv.m.packetsSent.Add(n)
	if n > 0 {
		c.srv.m.responseSize(int64(len(frames) / n))
	}
}

// queueEmpty reports whether nothing of this connection is waiting.
func (c *conn) queueEmpty() bool {
	c.qmu.Lock()
	e := len(c.q) == 0
	c.qmu.Unlock()
	return e
}

// recordLatency updates the per-connection latency figures.
func (c *conn) recordLatency(op proto.OpCode, xid int32, zxid int64, recv time.Time, now time.Time) {
	ms := now.Sub(recv).Milliseconds()
	c.lastOp.Store(int32(op))
	c.lastCxid.Store(xid)
	c.lastZxid.Store(zxid)
	c.lastResp.Store(now.UnixMilli())
	c.lastLat.Store(ms)
	c.latSum.Add(ms)
	if c.latCnt.Add(1) == 1 || ms < c.latMin.Load() {
		c.latMin.Store(ms)
	}
	if ms > c.latMax.Load() {
		c.latMax.Store(ms)
	}
}
