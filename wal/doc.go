// Package wal is zen's durable storage: the replicated txn log, kept in
// Pebble, and tree snapshots, kept as zstd-compressed files.
//
// # What it owns
//
//   - The txn log: opaque []byte entries keyed by a 64-bit zxid, appended in
//     batches (one Pebble batch and one fsync per Append: group commit),
//     read back in zxid order (Iterate), cut back for Zab TRUNC
//     (TruncateAfter) and trimmed by autopurge (Purge). wal never
//     interprets txn bytes.
//   - Small durable metadata (SetMeta/Meta): Zab's epochs.
//   - Snapshot files snapshot.<zxid as 16 hex digits>.zst in SnapDir:
//     written through a temp file, fsync, rename, directory fsync; verified
//     by a trailer (length and CRC-32C of the uncompressed bytes) when read.
//
// # Who calls what
//
//   - The zab driver goroutine calls Append (never two at a time),
//     TruncateAfter and SetMeta.
//   - A background goroutine calls WriteSnapshot and Purge, concurrently
//     with Append.
//   - Any goroutine may call Iterate (followers' catch-up), Meta, LastZxid,
//     FirstZxid, Snapshots, OpenSnapshot and Metrics.
//   - Pebble's WAL flusher goroutine, or any Pebble background goroutine,
//     may call Options.OnFatal (through guardFS or Pebble's Fatalf).
//   - Close is called once, after the callers above stopped.
//
// # Durability rules
//
// "Durable" means the fsync returned. Append returns nil only after the WAL
// record holding the whole batch was synced (Options.NoSync: written to the
// OS, as ZooKeeper's forceSync=no). Pebble makes a committed batch readable
// before its sync completes; wal never shows such a batch: Iterate stops at
// LastZxid, which only moves after Append succeeded.
//
// A crash loses no acknowledged batch and never yields part of a batch: a
// batch is one Pebble WAL record, each 32 KiB WAL block's chunks carry a
// CRC, and on Open Pebble replays records in order and stops at the first
// incomplete or checksum-failing record at the tail of the newest WAL
// (record.ErrUnexpectedEOF is tolerated there: a torn tail is dropped, never
// served). A damaged record followed by valid ones, or a damaged older WAL,
// is reported as corruption and Open fails rather than skipping data.
//
// Any write or sync error on the log poisons the Log for good (see Log for
// the invariants): after an fsync failure the state of the page cache is
// unknown, so the only safe reaction is to stop and recover from disk on
// restart. Pebble itself would os.Exit (Logger.Fatalf) or panic; wal
// intercepts the error in its vfs wrapper (guardFS) and Fatalf hook, calls
// OnFatal once, and returns the error from Append and every later call.
//
// Snapshot I/O errors are not fatal: WriteSnapshot returns them and the log
// is untouched (as in ZooKeeper, whose snapshot thread logs and carries on).
//
// FaultFS (fault.go) is a test hook for process-level fault injection.
package wal
