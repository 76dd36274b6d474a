// Package core is zen's Zab protocol as a deterministic state machine: fast
// leader election, discovery, synchronisation (DIFF, TRUNC, SNAP) and
// batched, pipelined broadcast, for voters (participants) and observers.
//
// A Node has no goroutines, clocks, sockets, files or global randomness.
// Its inputs are Step (a peer message), Tick (time), Propose (a batch of
// txns, leader only), Advance (the driver's word that a Ready's writes are
// durable), ReportSnapshot and SendApp; it reads the local log through the
// Log interface. Its outputs come out of Ready. The same inputs give the
// same outputs, which is what the scripted tests (testdata/*.txt) and the
// seeded simulation (sim_test.go) rely on.
//
// # The driver loop
//
// One goroutine owns the Node. It calls Tick every tick, Step for every
// message received, Propose for every batch the engine cuts, and, whenever
// HasReady is true:
//
//	rd := n.Ready()
//	1. rd.SoftState: note role, leader, epoch, Synced (serve clients only
//	   while Synced).
//	2. rd.Messages: send them, now. They never depend on this Ready's
//	   writes; a MsgSnap needs the snapshot body prepared for (To, Conn)
//	   attached by the transport.
//	3. Persist, in this order, and wait until durable:
//	   rd.Install  replace the state machine by the snapshot received with
//	               the MsgSnap (Install.Data is the Message.Snapshot the
//	               transport set on it), store it as the local snapshot,
//	               and reset the log to hold nothing, starting after
//	               Install.Zxid (Log.Base() == Log.LastZxid() == Zxid);
//	   rd.Truncate remove every log entry above rd.TruncateAfter;
//	   rd.Entries  append (one batch, one fsync);
//	   rd.HardState persist AcceptedEpoch and CurrentEpoch.
//	4. Apply the log entries above what was applied, up to rd.Commit. They
//	   are durable and committed. rd.Commit never decreases.
//	5. rd.AppMessages: hand to the engine. On a learner, AppMessage.Commit
//	   is the leader's commit point when it sent the payload: act on it
//	   (e.g. complete a client's sync) once applied >= Commit.
//	6. rd.SnapshotRequests (leader): prepare a snapshot of the applied
//	   state at some zxid Z (tree.WriteSnapshot is fine: fuzzy at Z, made
//	   exact by the entries after Z that the core streams next), keep it
//	   for (Peer, Conn) and call n.ReportSnapshot(req, Z, true), or
//	   ReportSnapshot(req, 0, false) if it cannot. Z must be at most the
//	   Commit applied so far and at least the log's Base.
//	n.Advance(rd)
//
// Pipelining: Ready may be called again before the previous Ready is
// advanced, so that a new batch's messages go out while the last batch is
// being fsynced. Readys must then be persisted, applied and advanced
// strictly in the order Ready returned them (a writer goroutine taking
// them from a FIFO works). Every Ready, even one with nothing to persist,
// must be advanced, in order, after its predecessors.
//
// Messages that depend on persistence (a follower's ACK, ACKEPOCH and
// NEWLEADER ack, a leader's LEADERINFO, every vote) are never in the Ready
// whose writes they depend on: the core holds them and returns them in a
// Ready after the Advance that made those writes durable. A driver cannot
// send them early.
//
// Startup: read the HardState from the log's metadata and load the newest
// snapshot; Config.Applied is its zxid (0 without one), Config.Log serves
// the durable log (Base() <= Applied). Do not apply log entries above
// Applied before Ready.Commit says so: the log may hold txns that were
// never committed. The node starts LOOKING; its first Ready carries votes.
//
// Transport: Step accepts messages in any order, duplicated or lost; a
// learner session numbers its messages and breaks on a gap, so one ordered
// connection per pair of servers (TCP) keeps sessions alive. Votes may
// travel on the same connection or any other. Step returns an error only
// for a message not addressed to this node or from an unknown server.
//
// Log: see the Log interface. MemLog is an in-memory implementation for
// tests; the production driver wraps wal.Log (Floor needs a reverse seek;
// Install needs a "reset the log to start after Z" operation).
//
// # Protocol
//
// Roles: LOOKING (election.go), LEADING (leader.go), FOLLOWING and
// OBSERVING (learner.go). The configuration lists voters and observers; a
// quorum is a majority of voters. Observers never vote, ack or count.
//
// Election (MsgVote): votes (epoch, last zxid, id) of a server's current
// epoch and log; the best wins, a majority of voters agreeing in a round
// decides (at once if all agree, else after FinalizeTicks). Votes of
// servers already FOLLOWING or LEADING let a restarted server join an
// established leader. Resent every ElectionTicks (+ jitter from
// Config.Rand) while undecided.
//
// Discovery: LEARNERINFO (accepted epoch, last zxid, commit; resent every
// tick until answered) → the leader, once a quorum of voters is connected,
// picks an epoch above all their accepted epochs (and above any accepted
// epoch a voter ever reported to it), persists it as accepted, then sends
// LEADERINFO → each learner persists it as accepted (if higher) and
// answers ACKEPOCH (current epoch, last zxid, fresh). A voter never follows
// an epoch below its accepted one (observers promise nothing and follow
// any); an established leader that meets such a voter steps down so that
// the next epoch goes above it. A quorum of fresh acceptances completes
// discovery; a fresh ACKEPOCH more recent than the leader makes it step
// down. A session is the learner's random Conn plus the leader's epoch; a
// leadership never reopens a Conn it has served.
//
// Synchronisation: DIFF, TRUNC or SNAP, the leader's entries, NEWLEADER;
// the learner persists its log and the new current epoch and acks; a
// quorum of NEWLEADER acks (the leader's own once its current epoch is
// durable) establishes the leader, which then sends UPTODATE to each
// synced learner, starts committing and accepts proposals.
//
// Broadcast: PROPOSAL (a batch) → ACK (cumulative, after fsync) → COMMIT
// (cumulative) to followers, INFORM (committed entries) to observers.
// Proposals made while a learner syncs follow its sync stream. PING both
// ways; MsgApp carries engine payloads between a synced learner and its
// leader, in order with the rest of the session.
//
// Liveness: an unestablished leader gives up after InitLimit ticks; an
// established one when it hears from less than a quorum of synced voters
// within SyncLimit ticks (it then resets its learners' sessions). A
// learner gives up after InitLimit ticks of silence (SyncLimit once
// synced), on a gap in its session, on RESET and on any protocol error.
//
// # Invariants
//
//  1. At most one leader is established per epoch: it needs a quorum of
//     voters that freshly accepted the epoch, and a voter freshly accepts
//     an epoch once (the acceptance is durable before it is acked).
//  2. Every zxid a quorum acknowledged survives every later election: an
//     ACK means the entry and the current epoch are durable; votes and
//     ACKEPOCH report durable state; a leader more behind than a member of
//     its discovery quorum steps down; TRUNC only removes entries the
//     leader's history lacks; a snapshot is never installed below the
//     point where the learner's log meets the leader's.
//  3. Commit never goes backwards and covers only entries durable locally;
//     a learner never truncates or installs below its commit point.
//  4. No entry is half-applied: entries are applied only once committed,
//     in zxid order, from the durable log.
package core
