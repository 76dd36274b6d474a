package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("wal: log closed")

// ErrCorrupt marks data that failed verification: a damaged snapshot, a log
// Pebble reports as corrupt when Open replays it, or a key in the store that
// wal did not write.
var ErrCorrupt = errors.New("wal: corrupt data")

// Entry is one txn of the replicated log: opaque bytes keyed by their zxid.
type Entry struct {
	Zxid int64
	Data []byte
}

// Log is zen's durable txn log and snapshot store.
//
// Invariants:
//
//  1. last is the highest zxid of a batch whose Append returned nil (or that
//     was found on disk at Open), or base when the log holds no entry. It is
//     lowered only by TruncateAfter, and set by Reset. No reader is shown an
//     entry above it, so nothing unsynced is ever served even though Pebble
//     makes a batch readable before its fsync returns.
//  2. Log keys only grow: an Append's zxids are strictly increasing and above
//     last (>= base). base (persisted under purgedKey) is the highest zxid
//     Purge removed, or the point of the latest Reset if that came later; no
//     entry at or below it is stored, so an emptied log still refuses old
//     zxids. Purge only raises it (and never above last); Reset sets it.
//  3. A batch is one Pebble batch, one WAL record: after a crash it is
//     replayed whole or not at all (Pebble checksums every WAL chunk and
//     drops an incomplete record at the tail of the newest WAL). Purge,
//     TruncateAfter and Reset are one batch each too.
//  4. Once poisoned (first I/O error, Pebble fatal report, or an Append
//     error) every mutating call and every read of the store returns the
//     poison error; OnFatal has run exactly once.
//  5. No snapshot file has a zxid above a TruncateAfter point: TruncateAfter
//     removes them first, and a snapshot still being written (or imported)
//     when the truncation happens is discarded instead of published.
//  6. A reader's bounds match its view: Purge, TruncateAfter and Reset hold
//     view exclusively while they commit and update base, first and last;
//     Iterate, Floor and Entries hold it shared while they load the bounds
//     and open their Pebble iterator (a point-in-time view). Append does
//     not take it: it only adds entries above last, which readers never
//     look at.
//
// Lock order: life (shared; exclusive only in Close), then snap.mu, then wmu,
// then view.
type Log struct {
	o  Options
	fs vfs.FS // base filesystem (snapshots); Pebble runs on guardFS over it
	db *pebble.DB

	// life is held shared by every call that touches db and exclusively by
	// Close, so Pebble is never used after (or during) its Close.
	life   sync.RWMutex
	closed bool // guarded by life

	// wmu serializes the writers: Append, TruncateAfter, SetMeta, Purge,
	// Reset.
	wmu sync.Mutex
	// view: see invariant 6.
	view sync.RWMutex

	// base, first and last are written with wmu held (and view, except by
	// Append) and read without locks.
	base  atomic.Int64 // see invariant 2; 0 if never purged or reset
	first atomic.Int64 // lowest zxid in the log, 0 if empty
	last  atomic.Int64 // see invariant 1

	// forceSync makes guardFS really sync WAL files under Options.NoSync,
	// while SetMeta, TruncateAfter or Reset (holding wmu) commits.
	forceSync atomic.Bool

	snap snapState

	fatalOnce sync.Once
	fatalErr  atomic.Pointer[error]
	// wedged is set when Pebble panicked inside a commit: its commit mutex
	// may still be held, so DB.Close would block forever and is skipped.
	wedged atomic.Bool

	m *walMetrics
}

// Open opens (creating if needed) the log in o.Dir and the snapshot
// directory o.SnapDir, replays Pebble's WAL, and removes unfinished snapshot
// temp files.
func Open(o Options) (*Log, error) {
	o, err := o.ensureDefaults()
	if err != nil {
		return nil, err
	}
	l := &Log{o: o, fs: o.FS}
	l.snap.inflight = make(map[*snapWrite]struct{})
	l.m = newWALMetrics(o.Metrics)

	if err := l.initSnapDir(); err != nil {
		return nil, err
	}
	if err := mkdirDurable(o.FS, o.Dir); err != nil {
		return nil, err
	}
	existing, err := o.FS.List(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("wal: list %s: %w", o.Dir, err)
	}
	lg := &pebbleLogger{logf: o.Logger, fail: l.fail}
	gfs := &guardFS{FS: o.FS, fail: l.fail, frozen: func() bool { return l.poisoned() != nil },
		noSync: o.NoSync, force: &l.forceSync, mem: vfs.NewMem()}
	db, err := pebble.Open(o.Dir, o.pebbleOptions(gfs, lg))
	if err != nil {
		if pebble.IsCorruptionError(err) {
			return nil, fmt.Errorf("wal: open %s: %w: %w", o.Dir, ErrCorrupt, err)
		}
		return nil, fmt.Errorf("wal: open %s: %w", o.Dir, err)
	}
	l.db = db
	if len(existing) == 0 {
		// A new store's first WAL is created before Pebble settles on its
		// format version, so it lacks the "synced offset" chunk headers
		// that let replay tell a damaged record (followed by records that
		// were synced after it: corruption, Open fails) from a torn tail
		// (dropped). Rotating once puts every log entry in a WAL that has
		// them. (Every later Open creates a fresh WAL anyway.)
		err = db.Flush()
	}
	if err = errors.Join(err, l.poisoned()); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("wal: open %s: %w", o.Dir, err)
	}
	if err := l.loadState(); err != nil {
		_ = db.Close()
		return nil, err
	}
	l.m.setBounds(l.first.Load(), l.last.Load())
	o.Logger("wal: opened %s: zxids %#x..%#x, purged through %#x, %d snapshots",
		o.Dir, l.first.Load(), l.last.Load(), l.base.Load(), len(l.Snapshots()))
	return l, nil
}

// loadState reads base, first and last from the store.
func (l *Log) loadState() error {
	var base int64
	v, closer, err := l.db.Get(purgedKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return fmt.Errorf("wal: read purge point: %w", err)
	default:
		if len(v) != 8 {
			_ = closer.Close()
			return fmt.Errorf("%w: purge point is %d bytes", ErrCorrupt, len(v))
		}
		base = int64(binary.BigEndian.Uint64(v))
		_ = closer.Close()
		if base < 0 {
			return fmt.Errorf("%w: purge point %#x", ErrCorrupt, uint64(base))
		}
	}
	first, last, err := l.scanBounds()
	if err != nil {
		return err
	}
	if first != 0 && first <= base {
		// Purge and Reset delete the entries and record the new base in
		// one batch: the store never holds both.
		return fmt.Errorf("%w: log holds zxid %#x at or below its base %#x", ErrCorrupt, first, base)
	}
	l.base.Store(base)
	l.first.Store(first)
	l.last.Store(max(last, base))
	return nil
}

// scanBounds returns the lowest and highest zxid stored (0, 0 if none).
// REQUIRES: wmu held or no writer running.
func (l *Log) scanBounds() (first, last int64, err error) {
	it, err := l.db.NewIter(&pebble.IterOptions{LowerBound: logStart, UpperBound: logEnd})
	if err != nil {
		return 0, 0, err
	}
	if it.First() {
		var ok bool
		if first, ok = parseLogKey(it.Key()); !ok {
			err = fmt.Errorf("%w: log key %x", ErrCorrupt, it.Key())
		} else if it.Last() {
			if last, ok = parseLogKey(it.Key()); !ok {
				err = fmt.Errorf("%w: log key %x", ErrCorrupt, it.Key())
			}
		}
	}
	err = errors.Join(err, it.Error(), it.Close())
	if err != nil {
		return 0, 0, fmt.Errorf("wal: scan log bounds: %w", err)
	}
	return first, last, nil
}

// fail poisons the Log with err (the first error wins), calling OnFatal once,
// and returns the poison error.
func (l *Log) fail(err error) error {
	l.fatalOnce.Do(func() {
		perr := fmt.Errorf("wal: log failed, refusing further use: %w", err)
		l.fatalErr.Store(&perr)
		l.m.fatal.Set(1)
		l.o.Logger("wal: FATAL: %v", err)
		if l.o.OnFatal != nil {
			l.o.OnFatal(err)
		}
	})
	return *l.fatalErr.Load()
}

// poisoned returns the poison error, or nil.
func (l *Log) poisoned() error {
	if p := l.fatalErr.Load(); p != nil {
		return *p
	}
	return nil
}

// enter takes life shared and reports ErrClosed or the poison error. On a nil
// return the caller must call l.life.RUnlock.
func (l *Log) enter() error {
	l.life.RLock()
	if l.closed {
		l.life.RUnlock()
		return ErrClosed
	}
	if err := l.poisoned(); err != nil {
		l.life.RUnlock()
		return err
	}
	return nil
}

// commit commits b with pebble.Sync and returns nil only if it is durable
// (or, under NoSync, written to the OS). Any failure poisons the Log.
// REQUIRES: wmu held.
func (l *Log) commit(b *pebble.Batch, opts *pebble.WriteOptions) (err error) {
	defer func() {
		if r := recover(); r != nil {
			// Pebble panics (e.g. db.go commitWrite) when its WAL writer has
			// latched an earlier error. Its commit mutex is left locked.
			l.wedged.Store(true)
			err = l.fail(fmt.Errorf("pebble panicked during commit: %v", r))
		}
	}()
	if err := b.Commit(opts); err != nil {
		return l.fail(err)
	}
	// Commit returns nil after Pebble's Fatalf, so the poison is the truth.
	return l.poisoned()
}

// Close waits for in-flight calls and snapshot writes, then closes Pebble.
// It returns the poison error if the Log was poisoned. Calling Close twice is
// harmless.
func (l *Log) Close() error {
	l.life.Lock()
	defer l.life.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.snap.mu.Lock()
	l.snap.closed = true
	l.snap.mu.Unlock()
	l.snap.wg.Wait()

	perr := l.poisoned()
	if l.wedged.Load() {
		return perr
	}
	err := l.db.Close()
	if perr != nil {
		return perr
	}
	if err != nil {
		return fmt.Errorf("wal: close: %w", err)
	}
	return nil
}

// LastZxid returns the highest zxid in the log, or Base() if the log holds
// no entry (also after Purge or Reset emptied it). Every entry at or below it
// is durable. It never decreases except through TruncateAfter and Reset.
func (l *Log) LastZxid() int64 { return l.last.Load() }

// FirstZxid returns the lowest zxid in the log, 0 if it is empty.
func (l *Log) FirstZxid() int64 { return l.first.Load() }

// Base returns the zxid the log starts after: every entry with a zxid in
// (Base, LastZxid] is present, none at or below Base is, and Append accepts
// only zxids above LastZxid (>= Base). It is the highest zxid Purge removed,
// or the point of the latest Reset when that came later; 0 for a log never
// purged or reset. Purge raises it at any time (never above LastZxid); only
// Reset lowers it.
//
// For snapshots: a snapshot at zxid S can be brought up to date from this log
// only if Base <= S. Snapshots() may still list older ones (Purge removes
// them), and after a Reset it may list snapshots above LastZxid (Reset keeps
// every snapshot file).
func (l *Log) Base() int64 { return l.base.Load() }

// PurgedThrough is Base: the point below which the log was emptied by Purge
// (or Reset). A snapshot older than this cannot be completed from the log.
func (l *Log) PurgedThrough() int64 { return l.base.Load() }
