package wal

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// SetMeta durably stores val under key (small metadata such as Zab's
// acceptedEpoch and currentEpoch). It is fsynced even with Options.NoSync.
// key must be 1..MaxMetaKeyLen bytes. A write error poisons the Log.
func (l *Log) SetMeta(key string, val []byte) error {
	if len(key) == 0 || len(key) > MaxMetaKeyLen {
		return fmt.Errorf("wal: SetMeta: key length %d not in [1, %d]", len(key), MaxMetaKeyLen)
	}
	if err := l.enter(); err != nil {
		return err
	}
	defer l.life.RUnlock()
	l.wmu.Lock()
	defer l.wmu.Unlock()

	b := l.db.NewBatch()
	defer b.Close()
	if err := b.Set(metaKey(key), val, nil); err != nil {
		return fmt.Errorf("wal: SetMeta: %w", err)
	}
	l.forceSync.Store(true)
	defer l.forceSync.Store(false)
	return l.commit(b, pebble.Sync)
}

// Meta returns a copy of the value stored under key, and whether it exists.
func (l *Log) Meta(key string) ([]byte, bool, error) {
	if err := l.enter(); err != nil {
		return nil, false, err
	}
	defer l.life.RUnlock()
	v, closer, err := l.db.Get(metaKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("wal: Meta: %w", err)
	}
	out := append([]byte(nil), v...)
	if err := closer.Close(); err != nil {
		return nil, false, fmt.Errorf("wal: Meta: %w", err)
	}
	return out, true, nil
}
