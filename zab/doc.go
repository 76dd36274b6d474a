// Package zab replicates zen's txn log.
//
// This version carries the leader-side broadcast path that every write takes,
// standalone included (an ensemble of one): the request-prep goroutine
// proposes txns one by one; the log writer cuts everything proposed since
// its last write into one batch, appends it to the WAL with a single fsync
// (group commit) while the proposer keeps preparing the next batch
// (pipelining), acknowledges it to the quorum tracker, and hands each newly
// committed batch, in zxid order, to a committer goroutine that applies it.
//
// Pieces:
//   - Tracker (tracker.go) is deterministic: acknowledgements in, commit
//     index out. No goroutines, clocks or I/O.
//   - Node (node.go) is the driver: it owns the goroutines and the log.
//
// Goroutines: Propose and NextZxid are called by one goroutine (the
// engine's proposer). The writer goroutine is the only caller of
// Log.Append. The committer goroutine is the only caller of Config.Commit,
// so batches are applied strictly in zxid order and never before they are
// durable on a quorum (here: on the local disk).
//
// zxid = epoch<<32 | counter. Each start of a node is a new epoch (the
// accepted epoch is persisted in the log's metadata before any proposal of
// the epoch), so zxids never repeat across restarts.
package zab
