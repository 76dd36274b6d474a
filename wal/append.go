package wal

import (
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// batchOverhead is a generous estimate of Pebble's per-record bytes in a
// batch (kind byte plus two length varints), used to size the batch buffer.
const batchOverhead = 1 + 2*5

// Append writes batch to the log as one Pebble batch committed with one
// fsync (group commit), and returns nil only once the batch is durable (with
// Options.NoSync: once it is written to the OS).
//
// The zxids must be strictly increasing, within the batch and across calls,
// and above LastZxid (so above Base: no zxid Purge removed or at or below a
// Reset point). An empty batch is a no-op.
//
// Any error poisons the Log: OnFatal is called, and this and every later
// call return the error. One goroutine calls Append at a time (the zab
// driver); it may run concurrently with every other method.
func (l *Log) Append(batch []Entry) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.life.RUnlock()
	if len(batch) == 0 {
		return nil
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()

	prev := max(l.last.Load(), l.base.Load())
	size, payload := 0, 0
	for i := range batch {
		z := batch[i].Zxid
		if z <= prev {
			return l.fail(fmt.Errorf("wal: Append: zxid %#x is not above %#x", z, prev))
		}
		prev = z
		payload += len(batch[i].Data)
		size += logKeyLen + len(batch[i].Data) + batchOverhead
	}

	b := l.db.NewBatchWithSize(size)
	defer b.Close()
	var kb [logKeyLen]byte
	for i := range batch {
		if err := b.Set(logKey(&kb, batch[i].Zxid), batch[i].Data, nil); err != nil {
			return l.fail(fmt.Errorf("wal: Append: %w", err))
		}
	}
	start := time.Now()
	if err := l.commit(b, pebble.Sync); err != nil {
		return err
	}
	elapsed := time.Since(start)

	l.last.Store(batch[len(batch)-1].Zxid)
	if l.first.Load() == 0 {
		l.first.Store(batch[0].Zxid)
	}
	l.m.appended(len(batch), payload, elapsed, l.first.Load(), l.last.Load())
	return nil
}
