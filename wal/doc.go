// Package wal is zen's durable storage: the replicated txn log, kept in
// Pebble, and tree snapshots, kept as zstd-compressed files.
//
// # What it owns
//
//   - The txn log: opaque []byte entries keyed by a 64-bit zxid, appended in
//     batches (one Pebble batch and one fsync per Append: group commit),
//     read back in zxid order (Iterate, Entries) or by reverse seek (Floor),
//     cut back for Zab TRUNC (TruncateAfter), trimmed by autopurge (Purge)
//     and emptied to start after a snapshot received from the leader
//     (Reset). wal never interprets txn bytes.
//   - The log's base (Base): every entry in (Base, LastZxid] is present and
//     none at or below Base; LastZxid is Base for an empty log. Base is the
//     purge point, or the Reset point; zab/core's Log interface is Base,
//     LastZxid, Floor and Entries.
//   - Small durable metadata (SetMeta/Meta): Zab's epochs.
//   - Snapshot files snapshot.<zxid as 16 hex digits>.zst in SnapDir:
//     written through a temp file, fsync, rename, directory fsync; verified
//     by a trailer (length, CRC-32C of the compressed and of the uncompressed
//     bytes) when read. TruncateAfter removes snapshots above its point;
//     Purge removes old ones and the log entries they make redundant.
//     SnapshotFile and ImportSnapshot move a verified file between servers.
//
// # Who calls what
//
//   - The zab driver goroutine calls Append (never two at a time),
//     TruncateAfter, Reset, SetMeta and ImportSnapshot.
//   - A background goroutine calls WriteSnapshot and Purge, concurrently
//     with Append.
//   - Any goroutine may call Iterate, Entries and Floor (followers'
//     catch-up), Meta, Base, LastZxid, FirstZxid, Snapshots, OpenSnapshot,
//     SnapshotFile and Metrics.
//   - Pebble's WAL flusher goroutine, or any Pebble background goroutine,
//     may call Options.OnFatal (through guardFS or Pebble's Fatalf).
//   - Close waits for in-flight calls and snapshot writes; later calls
//     return ErrClosed.
//
// Locks (see Log): life (shared by every call, exclusive in Close), then
// snap.mu (snapshot directory), then wmu (log writers), then view (readers'
// bounds against Purge, TruncateAfter and Reset). Two callbacks run
// while locks are held: Iterate's fn (life shared; it must not call Close)
// and OnFatal (possibly any of them; it must not call into the Log). The
// WriteSnapshot callback runs with none held.
//
// # Durability rules
//
// "Durable" means the fsync returned. Append returns nil only after the WAL
// record holding the whole batch was synced (Options.NoSync: written to the
// OS, as ZooKeeper's forceSync=no). Pebble makes a committed batch readable
// before its sync completes; wal never shows such a batch: Iterate, Entries
// and Floor stop at LastZxid, which only moves after Append succeeded.
// TruncateAfter, Reset and SetMeta are synced even with NoSync.
//
// A crash loses no acknowledged batch and never yields part of a batch: a
// batch is one Pebble WAL record, every chunk of a record carries a CRC, and
// on Open Pebble replays records in order and drops an incomplete record at
// the tail of the newest WAL (a torn tail is dropped, never served). Replay
// never skips a bad record to serve later ones (see below).
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
// With Options.NoSync a machine crash can lose acknowledged batches, and
// because Pebble's WAL chunk headers record offsets Pebble believes were
// synced, a crash that keeps a later WAL block but loses an earlier one makes
// Open fail with ErrCorrupt (ZooKeeper's CRC check fails the same way with
// forceSync=no). A process crash loses nothing acknowledged.
//
// # What Pebble v2.1.7 does (checked in its source and by this package's tests)
//
//   - Torn WAL tail: replay of the newest WAL stops at the first incomplete
//     or checksum-failing record when nothing after it proves it had been
//     synced (record.ErrUnexpectedEOF, tolerated); the torn batch is not
//     applied. An older WAL must end cleanly or Open fails.
//   - Damage before the tail is detected through the synced offset each WAL
//     chunk header carries. A new store's first WAL is written without those
//     headers, so Open rotates it once. The offset also leaves out full 32 KiB
//     blocks flushed from the writer's pending queue, so it lags, and damage
//     past the first block may be taken for a torn tail: the log then ends
//     before the damaged record (acked entries after it are lost, none is
//     served wrong). Media corruption is outside the crash model; a crash
//     alone never causes it.
//   - WAL write/sync errors: the WAL flusher goroutine latches the error and
//     hands it to the waiting committer, which calls Logger.Fatalf (default:
//     os.Exit(1)) and then returns nil from Apply. A later commit that meets
//     the latched error panics in the committer's goroutine with Pebble's
//     commit mutex held (so DB.Close would block forever). MANIFEST write or
//     sync errors in flushes and compactions call Fatalf from that background
//     goroutine. No Pebble background goroutine panics on these errors.
//     guardFS, the Fatalf hook and a recover in commit turn all of these into
//     one poison error and one OnFatal call.
//   - vfs/errorfs does not wrap files returned by ReuseForWrite (recycled
//     WALs), so FaultFS and the tests use wrappers that do.
//
// FaultFS (fault.go) is a test hook for process-level fault injection.
package wal
