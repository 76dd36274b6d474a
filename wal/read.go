package wal

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// ErrCompacted is returned by Floor and Entries when asked about zxids below
// Base: the log no longer holds (or never held) them, and the caller must use
// a snapshot instead.
var ErrCompacted = errors.New("wal: requested zxid is below the log's base")

// Iterate calls fn for every entry with a zxid above after, in ascending
// zxid order, up to LastZxid as of the call (so only durable entries are
// shown). data is valid only during fn. An error from fn stops the iteration
// and is returned as is. Unlike Entries, after may be below Base: the
// iteration then starts at the first entry.
//
// Iterate reads a consistent Pebble snapshot and may run concurrently with
// Append and every other method. fn must not call Close (Close waits for
// Iterate).
func (l *Log) Iterate(after int64, fn func(zxid int64, data []byte) error) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.life.RUnlock()

	l.view.RLock()
	last := l.last.Load()
	if last <= after {
		l.view.RUnlock()
		return nil
	}
	it, err := l.db.NewIter(&pebble.IterOptions{
		LowerBound: logKeyAfter(after),
		UpperBound: logKeyAfter(last),
	})
	l.view.RUnlock()
	if err != nil {
		return fmt.Errorf("wal: Iterate: %w", err)
	}
	err = iterate(it, fn)
	if cerr := it.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("wal: Iterate: %w", cerr)
	}
	return err
}

func iterate(it *pebble.Iterator, fn func(int64, []byte) error) error {
	for valid := it.First(); valid; valid = it.Next() {
		z, ok := parseLogKey(it.Key())
		if !ok {
			return fmt.Errorf("%w: log key %x", ErrCorrupt, it.Key())
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("wal: Iterate: %w", err)
		}
		if err := fn(z, v); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("wal: Iterate: %w", err)
	}
	return nil
}

// Floor returns the largest zxid of an entry at or below zxid, or Base when
// the log holds no entry in (Base, zxid]. zxid below Base: ErrCompacted.
// zxid at or above LastZxid returns LastZxid.
//
// Like Iterate it never shows an entry above LastZxid as of the call, and
// may run concurrently with Append and every other method. It costs one
// reverse seek, no scan.
func (l *Log) Floor(zxid int64) (int64, error) {
	if err := l.enter(); err != nil {
		return 0, err
	}
	defer l.life.RUnlock()

	l.view.RLock()
	base, last := l.base.Load(), l.last.Load()
	switch {
	case zxid < base:
		l.view.RUnlock()
		return 0, fmt.Errorf("%w: Floor(%#x), base %#x", ErrCompacted, zxid, base)
	case zxid >= last: // last is an entry, or base if there is none
		l.view.RUnlock()
		return last, nil
	case zxid == base:
		l.view.RUnlock()
		return base, nil
	}
	// The iterator is opened under view: it sees exactly the entries of
	// (base, last] (and perhaps unsynced ones above last, out of its bounds).
	z, found, err := l.floorEntry(base, zxid)
	l.view.RUnlock()
	if err != nil {
		return 0, fmt.Errorf("wal: Floor: %w", err)
	}
	if !found {
		return base, nil
	}
	return z, nil
}

// floorEntry returns the highest stored zxid in (above, zxid], and whether
// there is one, by one reverse seek.
// REQUIRES: view held (shared or exclusive).
func (l *Log) floorEntry(above, zxid int64) (int64, bool, error) {
	if zxid <= above {
		return 0, false, nil
	}
	upper := logKeyAfter(zxid)
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: logKeyAfter(above), UpperBound: upper})
	if err != nil {
		return 0, false, err
	}
	var z int64
	found := it.SeekLT(upper)
	if found {
		var ok bool
		if z, ok = parseLogKey(it.Key()); !ok {
			err = fmt.Errorf("%w: log key %x", ErrCorrupt, it.Key())
		}
	}
	if err = errors.Join(err, it.Error(), it.Close()); err != nil {
		return 0, false, err
	}
	return z, found, nil
}

// Entries returns up to limit entries with a zxid above after, in ascending
// zxid order, and never one above LastZxid as of the call. after below Base:
// ErrCompacted. after at or above LastZxid, or limit <= 0: no entries.
//
// The entries' Data are copies the caller owns (they share one backing
// buffer; each has its capacity cut to its length, so appending to one never
// overwrites another). Entries reads through one Pebble iterator (a
// consistent view) and may run concurrently with Append and every other
// method.
func (l *Log) Entries(after int64, limit int) ([]Entry, error) {
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.life.RUnlock()

	l.view.RLock()
	base, last := l.base.Load(), l.last.Load()
	if after < base {
		l.view.RUnlock()
		return nil, fmt.Errorf("%w: Entries after %#x, base %#x", ErrCompacted, after, base)
	}
	if after >= last || limit <= 0 {
		l.view.RUnlock()
		return nil, nil
	}
	it, err := l.db.NewIter(&pebble.IterOptions{
		LowerBound: logKeyAfter(after),
		UpperBound: logKeyAfter(last),
	})
	l.view.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("wal: Entries: %w", err)
	}
	out, err := collect(it, int(min(int64(limit), last-after)))
	if cerr := it.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("wal: Entries: %w", err)
	}
	return out, nil
}

// Bounds of what collect allocates before it knows how much it will read.
const (
	maxEntriesPrealloc = 4096
	maxDataPrealloc    = 1 << 20
)

// collect copies up to limit entries from it (from its first) into one
// buffer.
func collect(it *pebble.Iterator, limit int) ([]Entry, error) {
	out := make([]Entry, 0, min(limit, maxEntriesPrealloc))
	var buf []byte
	moved := false // buf was reallocated: earlier Data point into old arrays
	for valid := it.First(); valid && len(out) < limit; valid = it.Next() {
		z, ok := parseLogKey(it.Key())
		if !ok {
			return nil, fmt.Errorf("%w: log key %x", ErrCorrupt, it.Key())
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, err
		}
		if buf == nil {
			// Entries of a batch are usually alike, and zxids within an
			// epoch are consecutive, so limit entries like the first are a
			// good guess (append grows the buffer otherwise).
			per := max(len(v), 16)
			buf = make([]byte, 0, per*min(limit, max(maxDataPrealloc/per, 1)))
		}
		off := len(buf)
		if off+len(v) > cap(buf) {
			moved = true
		}
		buf = append(buf, v...)
		out = append(out, Entry{Zxid: z, Data: buf[off:len(buf):len(buf)]})
	}
	if err := it.Error(); err != nil {
		return nil, err
	}
	if moved { // point every Data into the final buffer
		off := 0
		for i := range out {
			n := len(out[i].Data)
			out[i].Data = buf[off : off+n : off+n]
			off += n
		}
	}
	return out, nil
}
