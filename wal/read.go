package wal

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Iterate calls fn for every entry with a zxid above after, in ascending
// zxid order, up to LastZxid as of the call (so only durable entries are
// shown). data is valid only during fn. An error from fn stops the iteration
// and is returned as is.
//
// Iterate reads a consistent Pebble snapshot and may run concurrently with
// Append and every other method. fn must not call Close (Close waits for
// Iterate).
func (l *Log) Iterate(after int64, fn func(zxid int64, data []byte) error) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.life.RUnlock()

	last := l.last.Load()
	if last <= after {
		return nil
	}
	it, err := l.db.NewIter(&pebble.IterOptions{
		LowerBound: logKeyAfter(after),
		UpperBound: logKeyAfter(last),
	})
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

// lastAtOrBelow returns the highest stored zxid <= zxid, 0 if none.
// REQUIRES: wmu held.
func (l *Log) lastAtOrBelow(zxid int64) (int64, error) {
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: logStart, UpperBound: logKeyAfter(zxid)})
	if err != nil {
		return 0, err
	}
	var z int64
	if it.Last() {
		var ok bool
		if z, ok = parseLogKey(it.Key()); !ok {
			err = fmt.Errorf("%w: log key %x", ErrCorrupt, it.Key())
		}
	}
	if err = errors.Join(err, it.Error(), it.Close()); err != nil {
		return 0, err
	}
	return z, nil
}
