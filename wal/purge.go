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
	if oldest <= l.floor {
		return nil
	}
	b := l.db.NewBatch()
	defer b.Close()
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(oldest))
	if err := b.DeleteRange(logStart, logKeyAfter(oldest), nil); err != nil {
		return fmt.Errorf("wal: Purge: %w", err)
	}
	if err := b.Set(purgedKey, v[:], nil); err != nil {
		return fmt.Errorf("wal: Purge: %w", err)
	}
	if err := l.commit(b, pebble.NoSync); err != nil {
		return err
	}
	l.floor = oldest
	if l.last.Load() <= oldest {
		l.first.Store(0)
		l.last.Store(0)
	} else if l.first.Load() <= oldest {
		first, err := l.firstAbove(oldest)
		if err != nil {
			return l.fail(fmt.Errorf("wal: Purge: %w", err))
		}
		l.first.Store(first)
	}
	l.m.setBounds(l.first.Load(), l.last.Load())
	l.o.Logger("wal: purged log through %#x; first zxid now %#x", oldest, l.first.Load())
	return nil
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
