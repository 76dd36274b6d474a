package core

import (
	"errors"
	"fmt"
)

// Role is a server's state in the ensemble (ZooKeeper's ServerState).
type Role uint8

// Roles.
const (
	Looking Role = iota
	Following
	Leading
	Observing
)

func (r Role) String() string {
	switch r {
	case Looking:
		return "LOOKING"
	case Following:
		return "FOLLOWING"
	case Leading:
		return "LEADING"
	case Observing:
		return "OBSERVING"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Entry is one txn of the replicated log. Data is opaque to the core and
// is never modified by it; callers must not modify it either once it has
// been handed over.
type Entry struct {
	Zxid int64
	Data []byte
}

// HardState is the metadata a server persists besides its log.
//
// AcceptedEpoch is the highest epoch the server has agreed to follow
// (LEADERINFO accepted, or chosen as leader). CurrentEpoch is the epoch of
// the last leader whose history the server fully adopted (NEWLEADER).
// CurrentEpoch <= AcceptedEpoch.
type HardState struct {
	AcceptedEpoch int64
	CurrentEpoch  int64
}

// Vote is an election vote: the proposed leader and the (epoch, zxid) it
// was proposed with. Votes order by (Epoch, Zxid, Leader).
type Vote struct {
	Leader int64
	Zxid   int64 // last logged zxid of the proposed leader
	Epoch  int64 // current epoch of the proposed leader (peer epoch)
}

func (v Vote) String() string {
	return fmt.Sprintf("(%d,%s,e%d)", v.Leader, FormatZxid(v.Zxid), v.Epoch)
}

// MsgType names a peer message. The numbering is the core's own; it is not
// ZooKeeper's quorum packet numbering.
type MsgType uint8

// Message types. "L→F" is leader to learner (follower or observer), "F→L"
// learner to leader.
const (
	// MsgVote is an election notification (any → any): Round, State, Vote.
	MsgVote MsgType = iota + 1
	// MsgLearnerInfo (F→L) opens a learner session: Conn, Epoch =
	// accepted epoch, Zxid = last zxid, Commit = commit point, FlagObserver
	// for an observer (ZooKeeper's FOLLOWERINFO / OBSERVERINFO).
	MsgLearnerInfo
	// MsgLeaderInfo (L→F): Epoch = the leader's new epoch.
	MsgLeaderInfo
	// MsgAckEpoch (F→L): CurrentEpoch, Zxid = last zxid, FlagFresh when
	// this LEADERINFO raised the accepted epoch.
	MsgAckEpoch
	// MsgDiff (L→F): sync by sending the entries after Zxid.
	MsgDiff
	// MsgTrunc (L→F): truncate the log after Zxid, then the entries after it.
	MsgTrunc
	// MsgSnap (L→F): install the snapshot at Zxid (its body travels with
	// the message, outside the core: Message.Snapshot), then the entries
	// after it.
	MsgSnap
	// MsgProposal (L→F): a batch of entries to log.
	MsgProposal
	// MsgNewLeader (L→F): end of the sync stream; Epoch = new epoch, Zxid
	// = the last zxid of the stream so far.
	MsgNewLeader
	// MsgAck (F→L): the sender's log is durable up to Zxid (cumulative);
	// FlagNewLeader when it acknowledges NEWLEADER.
	MsgAck
	// MsgCommit (L→F): everything up to Zxid is committed (cumulative).
	MsgCommit
	// MsgInform (L→observer): committed entries, and Commit.
	MsgInform
	// MsgUpToDate (L→F): the learner is synced; Commit is the commit point.
	MsgUpToDate
	// MsgPing (both ways): liveness.
	MsgPing
	// MsgApp (both ways, only while synced): an opaque engine payload.
	// L→F carries Commit, the leader's commit point when it was sent.
	MsgApp
	// MsgReset (any → learner, unsequenced): the session Conn is unknown
	// or broken; the learner gives it up.
	MsgReset
	msgTypeEnd
)

var msgNames = [...]string{
	MsgVote:        "VOTE",
	MsgLearnerInfo: "LEARNERINFO",
	MsgLeaderInfo:  "LEADERINFO",
	MsgAckEpoch:    "ACKEPOCH",
	MsgDiff:        "DIFF",
	MsgTrunc:       "TRUNC",
	MsgSnap:        "SNAP",
	MsgProposal:    "PROPOSAL",
	MsgNewLeader:   "NEWLEADER",
	MsgAck:         "ACK",
	MsgCommit:      "COMMIT",
	MsgInform:      "INFORM",
	MsgUpToDate:    "UPTODATE",
	MsgPing:        "PING",
	MsgApp:         "APP",
	MsgReset:       "RESET",
}

func (t MsgType) String() string {
	if t > 0 && t < msgTypeEnd {
		return msgNames[t]
	}
	return fmt.Sprintf("MsgType(%d)", uint8(t))
}

// Message flags.
const (
	FlagObserver  uint8 = 1 << iota // MsgLearnerInfo from an observer
	FlagFresh                       // MsgAckEpoch that newly accepted the epoch
	FlagNewLeader                   // MsgAck of NEWLEADER
)

// Message is a peer message. Which fields matter depends on Type (see the
// MsgType constants). Every message of a learner session carries the
// session's Conn and a Seq that numbers the messages of one direction of
// the session from 1; the core drops duplicates and treats a gap as a
// broken session, so it tolerates a transport that loses, duplicates or
// reorders messages (a TCP connection per session does none of these).
// From LEADERINFO on, every session message also carries the leader's
// Epoch, which binds the session to one leadership: a learner's resent
// LEARNERINFO may reach a later leadership of the same server.
type Message struct {
	Type  MsgType
	From  int64
	To    int64
	Conn  uint64 // learner session id, chosen by the learner
	Seq   uint64 // position in the session's stream, from 1; 0 unsequenced
	Flags uint8

	Round uint64 // MsgVote: election round (ZooKeeper's logical clock)
	State Role   // MsgVote: the sender's role
	Vote  Vote   // MsgVote

	Epoch        int64
	CurrentEpoch int64 // MsgAckEpoch
	Zxid         int64
	Commit       int64
	Entries      []Entry
	Payload      []byte // MsgApp

	// Snapshot is not part of the core's protocol and is never encoded:
	// on a MsgSnap the receiving driver sets it to whatever identifies the
	// snapshot body it received with the message (a file, a buffer), and
	// the core hands it back in Ready.Install.
	Snapshot any
}

// SoftState is volatile status: who leads, and whether this server is
// serving (a leader that a quorum has synced with, or a learner that got
// UPTODATE).
type SoftState struct {
	Role   Role
	Leader int64 // 0 while LOOKING
	Epoch  int64 // the leader's epoch once known; else the current epoch
	Synced bool
}

// SnapshotInstall tells a learner's driver to replace its state machine and
// log by the snapshot it received with a MsgSnap.
type SnapshotInstall struct {
	Zxid int64
	Data any // Message.Snapshot of the MsgSnap
}

// SnapshotRequest asks a leader's driver for a snapshot to send to Peer.
// The driver answers with Node.ReportSnapshot(req, zxid, ok).
type SnapshotRequest struct {
	Peer int64
	Conn uint64 // the peer's session; matches Message.Conn of the MsgSnap
}

// AppMessage is an engine payload received from a peer.
type AppMessage struct {
	From    int64
	Payload []byte
	// Commit (on a learner) is the leader's commit point when it sent the
	// payload: the learner has received every commit up to it before this
	// payload, so once it has applied Commit it has seen everything the
	// leader had committed.
	Commit int64
}

// Ready is what a Node asks its driver to do. See the package
// documentation for the order in which to act on it.
type Ready struct {
	// ID numbers Readys; Advance must be called with each Ready, in order.
	ID uint64

	// SoftState is set when role, leader, epoch or Synced changed.
	SoftState *SoftState

	// Persistence, performed in this order and durable before Advance:
	//
	// Install: replace the state machine by the snapshot and reset the
	// log to hold no entries, starting after Install.Zxid.
	Install *SnapshotInstall
	// Truncate: durably remove every log entry above TruncateAfter.
	Truncate      bool
	TruncateAfter int64
	// Entries: append (zxids ascending, above the log's last).
	Entries []Entry
	// HardState: persist.
	HardState *HardState

	// Messages may be sent now, before or while persisting. Messages that
	// depend on this Ready's persistence are not here: the core holds them
	// until Advance and returns them in a later Ready.
	Messages []Message

	// Commit: once this Ready's persistence is durable, every log entry
	// with a zxid up to Commit is durable and committed and may be applied
	// (after Install, if any). It never decreases.
	Commit int64

	// AppMessages received, in order.
	AppMessages []AppMessage
	// SnapshotRequests for the driver (leader only).
	SnapshotRequests []SnapshotRequest
}

// MustPersist reports whether rd carries anything to make durable.
func (rd *Ready) MustPersist() bool {
	return rd.Install != nil || rd.Truncate || len(rd.Entries) > 0 || rd.HardState != nil
}

// Errors returned by Node methods.
var (
	ErrNotLeader      = errors.New("zab/core: not an established leader")
	ErrNotSynced      = errors.New("zab/core: peer not synced")
	ErrEpochExhausted = errors.New("zab/core: zxid counter exhausted for this epoch")
	ErrUnknownPeer    = errors.New("zab/core: message from or to an unknown server")
	ErrCompacted      = errors.New("zab/core: log entries below the log's base requested")
)
