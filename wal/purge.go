package wal

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Purge keeps the newest retain complete snapshots (retain is raised to
// MinSnapRetain, as ZooKeeper's autopurge.snapRetainCount), removes every
// older snapshot file, and removes the log entries with a zxid at or below
// the oldest retained snapshot's zxid: recovering from any retained snapshot
// replays only entries above it. With no complete snapshot it does nothing.
//
// Base is raised to that zxid, but never above LastZxid: a snapshot ahead of
// the log (possible after Reset, which keeps snapshot files) must not make
// Append refuse the entries that lead up to it. Base never decreases here: a
// purge point at or below Base changes nothing in the log.
//
// Purge does not fsync: if a crash undoes part of it, the files and entries
// that come back are merely redundant. A log write error poisons the Log.
func (l *Log) Purge(retain int) error {
	retain = max(retain, MinSnapRetain)
	if err := l.enter(); err != nil {
		return err
	}
	defer l.life.RUnlock()
	l.snap.mu.Lock()
	defer l.snap.mu.Unlock()

	snaps, err := l.completeSnapshotsLocked()
	if err != nil || len(snaps) == 0 {
		return err
	}
	keep := snaps[:min(retain, len(snaps))]
	oldest := keep[len(keep)-1].zxid

	files, err := l.listSnapFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.zxid >= oldest {
			continue
		}
		if err := l.fs.Remove(l.fs.PathJoin(l.o.SnapDir, f.name)); err != nil {
			return fmt.Errorf("wal: Purge: remove %s: %w", f.name, err)
		}
		l.o.Logger("wal: purged %s", f.name)
	}

	l.wmu.Lock()
	defer l.wmu.Unlock()
	last := l.last.Load()
	through := min(oldest, last)
	if through <= l.base.Load() {
		return nil
	}
	b := l.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(logStart, logKeyAfter(through), nil); err != nil {
		return fmt.Errorf("wal: Purge: %w", err)
	}
	if err := setBase(b, through); err != nil {
		return fmt.Errorf("wal: Purge: %w", err)
	}
	l.view.Lock()
	defer l.view.Unlock()
	if err := l.commit(b, pebble.NoSync); err != nil {
		return err
	}
	l.base.Store(through)
	if last == through {
		l.first.Store(0) // last stays: it is the new base
	} else if l.first.Load() <= through {
		first, err := l.firstAbove(through)
		if err != nil {
			return l.fail(fmt.Errorf("wal: Purge: %w", err))
		}
		l.first.Store(first)
	}
	l.m.setBounds(l.first.Load(), l.last.Load())
	l.o.Logger("wal: purged log through %#x; first zxid now %#x", through, l.first.Load())
	return nil
}

// setBase records base as the purge point in b.
func setBase(b *pebble.Batch, base int64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(base))
	return b.Set(purgedKey, v[:], nil)
}

// firstAbove returns the lowest stored zxid above zxid, 0 if none.
// REQUIRES: wmu held.
func (l *Log) firstAbove(zxid int64) (int64, error) {
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: logKeyAfter(zxid), UpperBound: logEnd})
	if err != nil {
		return 0, err
	}
	var z int64
	if it.First() {
		var ok bool
		if z, ok = parseLogKey(it.Key()); !ok {
			err = fmt.Errorf("%w: log key %x", ErrCorrupt, it.Key())
		}
	}
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	return z, err
}
