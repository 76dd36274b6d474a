package core

import (
	"fmt"
	"sort"
)

// Log is the core's read access to the server's durable txn log. In
// production the driver wraps wal.Log; tests use MemLog.
//
// The core only reads entries that it knows are durable (appended by a
// Ready that was advanced, or present at startup), so an implementation may
// show entries before they are synced. Every method may be called from the
// goroutine that drives the Node, while the driver's own writes are in
// flight.
type Log interface {
	// Base is the zxid the log starts after: every entry with a zxid in
	// (Base, LastZxid] is present. Base is 0 or the zxid of a snapshot of
	// this server's committed history. It may grow (purge) at any time.
	Base() int64
	// LastZxid is the zxid of the last entry, or Base for an empty log.
	LastZxid() int64
	// Floor returns the largest zxid of an entry at or below zxid, or Base
	// when there is none above Base. zxid < Base: ErrCompacted.
	Floor(zxid int64) (int64, error)
	// Entries returns up to max entries with zxids above after, ascending.
	// after < Base: ErrCompacted. The entries' Data must stay valid and
	// unmodified for as long as the core or the messages it sends hold it.
	Entries(after int64, max int) ([]Entry, error)
}

// zlog is the core's logical view of its log: the durable part read through
// Log, and an in-memory tail of entries that are not yet known to be
// durable, plus the persistence operations not yet handed to the driver.
//
// Invariants:
//  1. base <= stableLast; every entry in (base, stableLast] is in store and
//     durable; store may physically hold more (entries of Readys in
//     flight, or entries a pending truncation removes), never read.
//  2. unstable holds, in ascending zxid order, the entries after
//     stableLast; unstable[:handed] went out in Readys not yet advanced,
//     in the amounts recorded in inflight, oldest first.
//  3. Pending operations apply in the order install, truncate, append.
type zlog struct {
	store      Log
	base       int64
	stableLast int64
	unstable   []Entry
	handed     int
	inflight   []inflightAppend

	install *SnapshotInstall
	trunc   bool
	truncAt int64
}

type inflightAppend struct {
	id    uint64 // Ready id
	count int
}

// persistOps is what one Ready carries to the log.
type persistOps struct {
	install *SnapshotInstall
	trunc   bool
	truncAt int64
	entries []Entry
}

func newZlog(store Log) *zlog {
	return &zlog{store: store, base: store.Base(), stableLast: store.LastZxid()}
}

func (l *zlog) lastZxid() int64 {
	if n := len(l.unstable); n > 0 {
		return l.unstable[n-1].Zxid
	}
	return l.stableLast
}

// baseNow is the logical base, raised by any purge of the store since.
func (l *zlog) baseNow() int64 {
	return max(l.base, l.store.Base())
}

func (l *zlog) hasPending() bool {
	return l.install != nil || l.trunc || l.handed < len(l.unstable)
}

// floor is Log.Floor over the logical log.
func (l *zlog) floor(z int64) (int64, error) {
	if n := len(l.unstable); n > 0 && z >= l.unstable[0].Zxid {
		i := sort.Search(n, func(i int) bool { return l.unstable[i].Zxid > z })
		return l.unstable[i-1].Zxid, nil
	}
	if z >= l.stableLast {
		return l.stableLast, nil
	}
	b := l.baseNow()
	if z < b {
		return 0, ErrCompacted
	}
	if z == b {
		return b, nil
	}
	f, err := l.store.Floor(z)
	if err != nil {
		return 0, err
	}
	if f < b {
		f = b
	}
	return f, nil
}

// contains reports whether z is an entry of the log or its base.
func (l *zlog) contains(z int64) (bool, error) {
	f, err := l.floor(z)
	return f == z, err
}

// entries is Log.Entries over the logical log.
func (l *zlog) entries(after int64, max int) ([]Entry, error) {
	if after < l.baseNow() {
		return nil, ErrCompacted
	}
	var out []Entry
	if after < l.stableLast {
		es, err := l.store.Entries(after, max)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.Zxid <= after || e.Zxid > l.stableLast {
				break
			}
			out = append(out, e)
		}
		if len(out) == max {
			return out, nil
		}
		if len(out) == 0 || out[len(out)-1].Zxid != l.stableLast {
			return nil, fmt.Errorf("zab/core: log returned %d entries after %s, stopping before %s",
				len(out), FormatZxid(after), FormatZxid(l.stableLast))
		}
		after = l.stableLast
	}
	i := sort.Search(len(l.unstable), func(i int) bool { return l.unstable[i].Zxid > after })
	for ; i < len(l.unstable) && len(out) < max; i++ {
		out = append(out, l.unstable[i])
	}
	return out, nil
}

// append adds entries after the last one.
func (l *zlog) append(es []Entry) {
	last := l.lastZxid()
	for _, e := range es {
		if e.Zxid <= last {
			panic(fmt.Sprintf("zab/core: append of %s after %s", FormatZxid(e.Zxid), FormatZxid(last)))
		}
		last = e.Zxid
	}
	l.unstable = append(l.unstable, es...)
}

// truncateAfter removes every entry above z. REQUIRES: z >= base.
func (l *zlog) truncateAfter(z int64) error {
	if z >= l.lastZxid() {
		return nil
	}
	if z < l.baseNow() {
		return ErrCompacted
	}
	phys := false
	i := sort.Search(len(l.unstable), func(i int) bool { return l.unstable[i].Zxid > z })
	if i < l.handed {
		phys = true
		l.dropHanded(l.handed - i)
	}
	l.unstable = l.unstable[:i:i] // the driver may still hold the old tail
	if z < l.stableLast {
		f, err := l.floor(z)
		if err != nil {
			return err
		}
		phys = true
		l.stableLast = f
	}
	if phys && (!l.trunc || z < l.truncAt) {
		l.trunc, l.truncAt = true, z
	}
	return nil
}

// dropHanded forgets the last k handed-out entries (truncated away).
func (l *zlog) dropHanded(k int) {
	l.handed -= k
	for j := len(l.inflight) - 1; j >= 0 && k > 0; j-- {
		d := min(k, l.inflight[j].count)
		l.inflight[j].count -= d
		k -= d
	}
}

// installSnapshot resets the log to start after z.
func (l *zlog) installSnapshot(z int64, data any) {
	l.dropHanded(l.handed)
	l.unstable = nil
	l.trunc = false
	l.base, l.stableLast = z, z
	l.install = &SnapshotInstall{Zxid: z, Data: data}
}

// take hands the pending operations to Ready id.
func (l *zlog) take(id uint64) persistOps {
	ops := persistOps{install: l.install, trunc: l.trunc, truncAt: l.truncAt}
	l.install, l.trunc = nil, false
	if n := len(l.unstable) - l.handed; n > 0 {
		ops.entries = l.unstable[l.handed:len(l.unstable):len(l.unstable)]
		l.inflight = append(l.inflight, inflightAppend{id: id, count: n})
		l.handed = len(l.unstable)
	}
	return ops
}

// advance records that every Ready up to id is durable.
func (l *zlog) advance(id uint64) {
	for len(l.inflight) > 0 && l.inflight[0].id <= id {
		if k := l.inflight[0].count; k > 0 {
			l.stableLast = l.unstable[k-1].Zxid
			l.unstable = l.unstable[k:]
			l.handed -= k
		}
		l.inflight = l.inflight[1:]
	}
}
