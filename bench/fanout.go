package bench

import (
	"bytes"
	"sync/atomic"

	"github.com/zen-coord/zen/proto"
)

// watch-fanout: N watcher sessions each keep a data watch on one node
// (getData with watch); one writer session sets the node's data as soon as
// every live watcher has re-armed after the previous write. The latency of
// a notification is from the writer sending setData to the watcher reading
// the NodeDataChanged; the throughput is notifications per second.

// Slots of watch-fanout (see slotNames).
const (
	slotNotify = 0
	slotWrite  = 1
)

type fanoutShared struct {
	node    []byte
	armed   atomic.Int32 // watchers armed since the last write
	alive   atomic.Int32 // watcher sessions still running
	writeAt atomic.Int64 // run clock of the last write
	writes  atomic.Int64 // writes completed, all phases
	writer  atomic.Pointer[session]
}

// watcherWorker keeps one data watch armed.
type watcherWorker struct {
	sh      *fanoutShared
	needArm bool
	arming  bool
}

func (w *watcherWorker) next(s *session, now int64) bool {
	if !w.needArm || w.arming {
		return false
	}
	b, fs, xid := s.begin(proto.OpGetData)
	b = proto.AppendBytes(b, w.sh.node)
	b = proto.AppendBool(b, true)
	s.end(b, fs, xid, slotNotify, 0, now)
	w.arming = true
	return true
}

func (w *watcherWorker) reply(s *session, p pending, h proto.ReplyHeader, _ []byte, now int64) {
	w.arming = false
	if h.Err != proto.ErrOk {
		s.fail(h.Err)
		return
	}
	w.needArm = false
	w.sh.armed.Add(1)
	w.sh.wakeWriter()
}

func (w *watcherWorker) event(s *session, ev proto.WatcherEvent, now int64) {
	if ev.Type != proto.EventNodeDataChanged || !bytes.Equal(ev.Path, w.sh.node) {
		return
	}
	s.record(slotNotify, now-w.sh.writeAt.Load())
	w.needArm = true
}

// watcherDone is called when a watcher session ends, so the writer stops
// waiting for it.
func (sh *fanoutShared) watcherDone() {
	sh.alive.Add(-1)
	sh.wakeWriter()
}

func (sh *fanoutShared) wakeWriter() {
	if wr := sh.writer.Load(); wr != nil && sh.armed.Load() >= sh.alive.Load() {
		wr.wake()
	}
}

// writerWorker sets the node whenever every live watcher is armed.
type writerWorker struct {
	sh      *shared
	fs      *fanoutShared
	writing bool
}

func (w *writerWorker) next(s *session, now int64) bool {
	if w.writing || w.fs.armed.Load() < w.fs.alive.Load() {
		return false
	}
	w.fs.armed.Store(0)
	w.fs.writeAt.Store(now)
	b, fs, xid := s.begin(proto.OpSetData)
	b = proto.AppendBytes(b, w.fs.node)
	b = proto.AppendBuffer(b, w.sh.value, false)
	b = proto.AppendInt(b, -1)
	s.end(b, fs, xid, slotWrite, 0, now)
	w.writing = true
	return true
}

func (w *writerWorker) reply(s *session, p pending, h proto.ReplyHeader, _ []byte, now int64) {
	w.writing = false
	if h.Err != proto.ErrOk {
		s.fail(h.Err)
		return
	}
	w.fs.writes.Add(1)
	s.ok(p, now)
}

func (w *writerWorker) event(*session, proto.WatcherEvent, int64) {}
