// Package zab replicates zen's txn log with Zab: election, discovery,
// synchronisation (DIFF, TRUNC, SNAP) and batched, pipelined broadcast.
// Standalone is an ensemble of one: the same driver, a quorum of one voter.
//
// Pieces:
//   - core (zab/core) is the protocol as a deterministic state machine:
//     messages, ticks and proposals in; messages, log writes and commits out.
//   - Driver (driver.go) owns the I/O around it: one goroutine steps the
//     core; a persister makes each Ready durable in order, merging
//     consecutive appends into one WAL batch (one fsync: group commit),
//     while the driver keeps sending messages and taking proposals
//     (pipelining); a committer applies committed entries, in zxid order,
//     through the engine's StateMachine.
//   - Transport (transport.go) carries core messages between servers over
//     TCP: one connection per direction per pair, so each sender's messages
//     arrive in order.
//
// Goroutines: the engine's proposer calls Driver.Propose with batches of
// txns whose zxids it assigned from the leadership's first zxid (given by
// StateMachine.State); the driver goroutine is the only user of the core;
// StateMachine.State and App run on it and must not block;
// StateMachine.Apply and Install run on the committer, in order.
//
// Durability: a Ready's writes are durable before the Ready is advanced, and
// the core releases every message that depends on them (ACK, ACKEPOCH, votes,
// LEADERINFO) only after that. Entries are applied only once committed and
// locally durable. zxid = epoch<<32 | counter; epochs only grow (accepted and
// current epoch persist in the WAL's metadata).
package zab
