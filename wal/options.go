package wal

import (
	"errors"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Limits and defaults. Sizes are in bytes.
const (
	// DefaultMemTableSize is the Pebble memtable size used when
	// Options.MemTableSize is 0: 8 MiB (Pebble's own default is 4 MiB).
	DefaultMemTableSize = 8 << 20

	// DefaultMemTableStopWritesThreshold is the number of queued memtables
	// (the mutable one plus those waiting to be flushed) at which Pebble stalls
	// writes: 4. Worst-case memtable memory is MemTableSize × this = 32 MiB.
	DefaultMemTableStopWritesThreshold = 4

	// DefaultCacheSize is Pebble's block cache size used when
	// Options.CacheSize is 0: 4 MiB (Pebble's default is 8 MiB).
	DefaultCacheSize = 4 << 20

	// DefaultMaxOpenFiles caps the sstables Pebble keeps open: 256
	// (Pebble's default is 1000).
	DefaultMaxOpenFiles = 256

	// DefaultBlockSize is the uncompressed sstable data block size: 32 KiB
	// (Pebble's default is 4 KiB).
	DefaultBlockSize = 32 << 10

	// DefaultFlushDelayDeleteRange is how long a memtable that holds a purge
	// or truncation range tombstone may wait before Pebble flushes it so the
	// space can be reclaimed: 10 s (Pebble's default is 0, never).
	DefaultFlushDelayDeleteRange = 10 * time.Second

	// MinSnapRetain is the smallest number of snapshots Purge keeps, as
	// ZooKeeper's autopurge.snapRetainCount (values below it are raised to it).
	MinSnapRetain = 3

	// MaxMetaKeyLen bounds the length of a SetMeta key: 256 bytes.
	MaxMetaKeyLen = 256
)

// Options configures Open. The zero value of every field but Dir and SnapDir
// is valid and selects the documented default.
type Options struct {
	// Dir is the Pebble directory holding the txn log. The server passes
	// <dataLogDir>/zen-log. Required.
	Dir string

	// SnapDir is the directory holding snapshot files. The server passes
	// <dataDir>/zen-snap. Required.
	SnapDir string

	// FS is the filesystem for both directories. Nil selects vfs.Default.
	// Tests inject vfs.NewCrashableMem() or an errorfs wrapper.
	FS vfs.FS

	// NoSync mirrors zoo.cfg forceSync=no: Append hands each batch to the
	// operating system (one write) before returning but does not fsync it, so
	// an acknowledged batch survives a crash of the process but not of the
	// machine. WAL files are still fsynced when Pebble closes them, so a log
	// that is not the newest one is never torn. The default (false) fsyncs
	// every Append.
	NoSync bool

	// OnFatal is called once, from whichever goroutine saw it, with the first
	// write or sync I/O error of the log (or any other error that poisons the
	// Log). The server logs it and exits non-zero. It must not call back into
	// the Log. Nil: errors are only returned.
	OnFatal func(error)

	// Logger receives informational lines from wal and Pebble. Nil: silent.
	Logger func(format string, args ...any)

	// Metrics is the set the zen_wal_* metrics are registered in. Nil: a
	// private set (see Log.MetricsSet), so several Logs in one process never
	// collide.
	Metrics *metrics.Set

	// MemTableSize is Pebble's memtable size in bytes. The log is written
	// sequentially and read mostly near its tail, so a modest memtable is
	// enough; a batch larger than half of it bypasses the memtable (Pebble's
	// "large batch" path, slower). Default DefaultMemTableSize (8 MiB).
	MemTableSize uint64

	// MemTableStopWritesThreshold: see DefaultMemTableStopWritesThreshold.
	// Default 4.
	MemTableStopWritesThreshold int

	// CacheSize is Pebble's block cache in bytes. Log reads are sequential
	// scans by followers catching up, which a cache barely helps; it mostly
	// holds index blocks. Default DefaultCacheSize (4 MiB).
	CacheSize int64

	// MaxOpenFiles: see DefaultMaxOpenFiles. Default 256, leaving file
	// descriptors for client connections.
	MaxOpenFiles int

	// SnapshotConcurrency is the number of goroutines the zstd encoder uses
	// for a snapshot. Default 1: snapshots run beside the request path and
	// should not steal its cores.
	SnapshotConcurrency int
}

// ensureDefaults returns a copy of o with every zero field set to its
// default, or an error if a required field is missing or a value is invalid.
func (o Options) ensureDefaults() (Options, error) {
	if o.Dir == "" {
		return o, errors.New("wal: Options.Dir is required")
	}
	if o.SnapDir == "" {
		return o, errors.New("wal: Options.SnapDir is required")
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = func(string, ...any) {}
	}
	if o.Metrics == nil {
		o.Metrics = metrics.NewSet()
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = DefaultMemTableSize
	}
	if o.MemTableStopWritesThreshold == 0 {
		o.MemTableStopWritesThreshold = DefaultMemTableStopWritesThreshold
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.MaxOpenFiles == 0 {
		o.MaxOpenFiles = DefaultMaxOpenFiles
	}
	if o.SnapshotConcurrency == 0 {
		o.SnapshotConcurrency = 1
	}
	switch {
	case o.MemTableSize < 1<<20:
		return o, errors.New("wal: MemTableSize must be at least 1 MiB")
	case o.MemTableStopWritesThreshold < 2:
		return o, errors.New("wal: MemTableStopWritesThreshold must be at least 2")
	case o.CacheSize < 0, o.MaxOpenFiles < 0, o.SnapshotConcurrency < 0:
		return o, errors.New("wal: negative size option")
	}
	return o, nil
}

// pebbleOptions translates o (with defaults applied) into Pebble options for
// this workload: append-only keys in ascending order, small values, one
// synced batch per Append, range deletions for purge and truncation.
func (o *Options) pebbleOptions(fs vfs.FS, lg *pebbleLogger) *pebble.Options {
	po := &pebble.Options{
		FS:     fs,
		Logger: lg,
		// Creating the store at the newest format avoids a later ratchet.
		FormatMajorVersion:          pebble.FormatNewest,
		MemTableSize:                o.MemTableSize,
		MemTableStopWritesThreshold: o.MemTableStopWritesThreshold,
		CacheSize:                   o.CacheSize,
		MaxOpenFiles:                o.MaxOpenFiles,
		// Purge and TruncateAfter write range tombstones; flush them soon so a
		// delete-only compaction can drop the covered sstables.
		FlushDelayDeleteRange: DefaultFlushDelayDeleteRange,
		// WALMinSyncInterval stays 0: the zab driver already batches, and an
		// artificial delay before each fsync would only add latency.
		// WALBytesPerSync stays 0: every Append syncs anyway.
		EventListener: lg.eventListener(),
	}
	for i := range po.Levels {
		// Keys are scanned in order and never point-looked-up (except a few
		// meta keys), so: larger blocks, no bloom filter (the default).
		po.Levels[i].BlockSize = DefaultBlockSize
	}
	po.EnsureDefaults()
	return po
}
