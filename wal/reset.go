package wal

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Reset durably empties the log and makes it start after base: afterwards
// Base() == LastZxid() == base, FirstZxid() == 0, and Append accepts only
// zxids above base. base may be below, inside or above the current entries,
// and below the current Base (a learner installing a leader's snapshot takes
// the leader's point, whatever its own log held).
//
// The deletion of every entry and the new base are one Pebble batch, synced
// even with Options.NoSync: after a crash at any point the store holds either
// the old log (entries and base) or the reset one, never a mix.
//
// Reset keeps every snapshot file (see Base for what they mean afterwards).
// A learner installing a snapshot received from the leader should make it
// durable first (ImportSnapshot), then call Reset: a crash in between leaves
// the snapshot beside the old log, never a log with no snapshot to start
// from.
//
// Readers see the log either before or after the reset. A failed log write
// poisons the Log.
func (l *Log) Reset(base int64) error {
	if base < 0 {
		return fmt.Errorf("wal: Reset: negative zxid %d", base)
	}
	if err := l.enter(); err != nil {
		return err
	}
	defer l.life.RUnlock()
	l.wmu.Lock()
	defer l.wmu.Unlock()

	b := l.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(logStart, logEnd, nil); err != nil {
		return fmt.Errorf("wal: Reset: %w", err)
	}
	if err := setBase(b, base); err != nil {
		return fmt.Errorf("wal: Reset: %w", err)
	}
	l.view.Lock()
	defer l.view.Unlock()
	l.forceSync.Store(true)
	err := l.commit(b, pebble.Sync)
	l.forceSync.Store(false)
	if err != nil {
		return err
	}
	oldFirst, oldLast := l.first.Load(), l.last.Load()
	l.base.Store(base)
	l.first.Store(0)
	l.last.Store(base)
	l.m.setBounds(0, base)
	l.o.Logger("wal: reset log to start after %#x (held %#x..%#x)", base, oldFirst, oldLast)
	return nil
}
