package engine

import (
	"time"

	"github.com/zen-coord/zen/proto"
	"github.com/zen-coord/zen/tree"
)

// reqKind says how a queued request is finished.
type reqKind uint8

const (
	kindRead    reqKind = iota // served when it reaches the head of its queue
	kindWrite                  // prepped, proposed, answered when applied
	kindReply                  // a precomputed header-only reply (auth, errors)
	kindSession                // createSession for a new connection (internal)
	kindClose                  // closeSession from expiry (internal, no reply)
	kindReap                   // container/TTL deletion (internal, no reply)
	kindSync                   // a learner's sync, answered once the leader confirmed it
)

// request is one client request that could not be answered on the spot,
// or an internal write.
type request struct {
	c    *conn // nil for internal requests without a connection
	kind reqKind
	xid  int32
	op   proto.OpCode
	body []byte // the request record, owned
	auth *authSet
	sess *session
	recv time.Time

	// kindReply
	err        proto.Err
	replyZxid  int64 // -1 means "last applied zxid"
	closeAfter bool  // close the connection once the reply is written
	saslBody   bool  // append a null SetSASLResponse token

	// set by the proposer
	sessionID int64 // the txn's session (createSession: the new id)
	timeout   int32 // createSession
	reapPath  string
	multiOps  []proto.OpCode // request op type per multi op, to shape results

	// kindSync: set when the leader's answer arrived
	syncReady  bool
	syncCommit int64

	// set by the applier
	res tree.Result
}

// isWriteOp reports the opcodes that become txns.
func isWriteOp(op proto.OpCode) bool {
	switch op {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL,
		proto.OpDelete, proto.OpSetData, proto.OpSetACL, proto.OpMulti, proto.OpReconfig,
		proto.OpCheck, proto.OpDeleteContainer, proto.OpCloseSession, proto.OpCreateSession:
		return true
	}
	return false
}

// isReadOp reports the opcodes answered without a txn.
func isReadOp(op proto.OpCode) bool {
	switch op {
	case proto.OpExists, proto.OpGetData, proto.OpGetACL, proto.OpGetChildren, proto.OpGetChildren2,
		proto.OpSync, proto.OpPing, proto.OpSetWatches, proto.OpSetWatches2, proto.OpCheckWatches,
		proto.OpRemoveWatches, proto.OpAddWatch, proto.OpGetEphemerals, proto.OpGetAllChildrenNumber,
		proto.OpWhoAmI, proto.OpMultiRead:
		return true
	}
	return false
}
