package proto

// Txn records are zen's replicated log entries. A log entry is a TxnHeader
// followed by the body its Type selects:
//
//	TxnCreate        CreateTxn        (create, create2, createContainer, createTTL)
//	TxnDelete        DeleteTxn        (delete, and deleteContainer from the reaper)
//	TxnSetData       SetDataTxn
//	TxnSetACL        SetACLTxn
//	TxnCheck         CheckTxn         (only inside a multi)
//	TxnError         ErrorTxn         (a write that failed in prep)
//	TxnMulti         MultiTxn         (sub-txns of the types above)
//	TxnCreateSession CreateSessionTxn (Session in the header is the new id)
//	TxnCloseSession  CloseSessionTxn
//
// A failed multi is a TxnMulti whose sub-txns are all TxnError (Ok for the ops
// before the failing one, its code, then RuntimeInconsistency).
// The encoding is jute-style (big-endian, length-prefixed); zen owns it.

// Txn types (OpCode values, so logs read naturally).
const (
	TxnCreate        = OpCreate
	TxnDelete        = OpDelete
	TxnSetData       = OpSetData
	TxnSetACL        = OpSetACL
	TxnCheck         = OpCheck
	TxnMulti         = OpMulti
	TxnError         = OpError
	TxnCreateSession = OpCreateSession
	TxnCloseSession  = OpCloseSession
)

// TxnHeader heads every log entry.
type TxnHeader struct {
	Session int64  // session that issued it (the new id for createSession)
	Cxid    int32  // client xid, for matching the reply
	Zxid    int64  // assigned by the leader
	Time    int64  // leader wall clock, ms since the epoch
	Type    OpCode // Txn* constant
}

// TxnHeaderSize is the encoded size of a TxnHeader.
const TxnHeaderSize = 32

// AppendTxnHeader appends h.
func AppendTxnHeader(b []byte, h *TxnHeader) []byte {
	b = AppendLong(b, h.Session)
	b = AppendInt(b, h.Cxid)
	b = AppendLong(b, h.Zxid)
	b = AppendLong(b, h.Time)
	return AppendInt(b, int32(h.Type))
}

// Decode reads a TxnHeader.
func (h *TxnHeader) Decode(r *Reader) {
	h.Session = r.Long()
	h.Cxid = r.Int()
	h.Zxid = r.Long()
	h.Time = r.Long()
	h.Type = OpCode(r.Int())
}

// CreateTxn creates one node. Owner is the internal ephemeralOwner: a session
// id, 0, OwnerContainer or OwnerTTLMask|ttl.
type CreateTxn struct {
	Path     string
	Data     []byte // aliases the decoded buffer
	DataNull bool
	ACL      []ACL
	Owner    int64
}

// Append appends t.
func (t *CreateTxn) Append(b []byte) []byte {
	b = AppendString(b, t.Path)
	b = AppendBuffer(b, t.Data, t.DataNull)
	b = AppendACLs(b, t.ACL)
	return AppendLong(b, t.Owner)
}

// Decode reads t.
func (t *CreateTxn) Decode(r *Reader) {
	t.Path = r.String()
	t.Data, t.DataNull = r.Buffer()
	t.ACL, _ = ReadACLs(r)
	t.Owner = r.Long()
}

// DeleteTxn deletes one node.
type DeleteTxn struct{ Path string }

// Append appends t.
func (t *DeleteTxn) Append(b []byte) []byte { return AppendString(b, t.Path) }

// Decode reads t.
func (t *DeleteTxn) Decode(r *Reader) { t.Path = r.String() }

// SetDataTxn replaces a node's data; Version is the node's new version.
type SetDataTxn struct {
	Path     string
	Data     []byte // aliases the decoded buffer
	DataNull bool
	Version  int32
}

// Append appends t.
func (t *SetDataTxn) Append(b []byte) []byte {
	b = AppendString(b, t.Path)
	b = AppendBuffer(b, t.Data, t.DataNull)
	return AppendInt(b, t.Version)
}

// Decode reads t.
func (t *SetDataTxn) Decode(r *Reader) {
	t.Path = r.String()
	t.Data, t.DataNull = r.Buffer()
	t.Version = r.Int()
}

// SetACLTxn replaces a node's ACL; Version is the node's new aversion.
type SetACLTxn struct {
	Path    string
	ACL     []ACL
	Version int32
}

// Append appends t.
func (t *SetACLTxn) Append(b []byte) []byte {
	b = AppendString(b, t.Path)
	b = AppendACLs(b, t.ACL)
	return AppendInt(b, t.Version)
}

// Decode reads t.
func (t *SetACLTxn) Decode(r *Reader) {
	t.Path = r.String()
	t.ACL, _ = ReadACLs(r)
	t.Version = r.Int()
}

// CheckTxn is a successful version check inside a multi (no effect).
type CheckTxn struct {
	Path    string
	Version int32
}

// Append appends t.
func (t *CheckTxn) Append(b []byte) []byte {
	b = AppendString(b, t.Path)
	return AppendInt(b, t.Version)
}

// Decode reads t.
func (t *CheckTxn) Decode(r *Reader) {
	t.Path = r.String()
	t.Version = r.Int()
}

// ErrorTxn records a write that failed validation (it still takes a zxid).
type ErrorTxn struct{ Err Err }

// Append appends t.
func (t *ErrorTxn) Append(b []byte) []byte { return AppendInt(b, int32(t.Err)) }

// Decode reads t.
func (t *ErrorTxn) Decode(r *Reader) { t.Err = Err(r.Int()) }

// CreateSessionTxn opens a session (its id is the header's Session).
type CreateSessionTxn struct{ Timeout int32 }

// Append appends t.
func (t *CreateSessionTxn) Append(b []byte) []byte { return AppendInt(b, t.Timeout) }

// Decode reads t.
func (t *CreateSessionTxn) Decode(r *Reader) { t.Timeout = r.Int() }

// CloseSessionTxn closes the header's session and deletes the ephemerals
// listed (all of the session's ephemerals as of prep).
type CloseSessionTxn struct{ Paths []string }

// Append appends t.
func (t *CloseSessionTxn) Append(b []byte) []byte { return AppendStrings(b, t.Paths) }

// Decode reads t.
func (t *CloseSessionTxn) Decode(r *Reader) { t.Paths = r.Strings() }

// SubTxn is one operation of a MultiTxn: its type and encoded body.
type SubTxn struct {
	Type OpCode
	Body []byte // aliases the decoded buffer
}

// MultiTxn is an atomic group of sub-txns sharing one zxid.
type MultiTxn struct{ Ops []SubTxn }

// Append appends t.
func (t *MultiTxn) Append(b []byte) []byte {
	b = AppendInt(b, int32(len(t.Ops)))
	for i := range t.Ops {
		b = AppendInt(b, int32(t.Ops[i].Type))
		b = AppendBytes(b, t.Ops[i].Body)
	}
	return b
}

// Decode reads t.
func (t *MultiTxn) Decode(r *Reader) {
	n, _ := r.VectorLen()
	t.Ops = make([]SubTxn, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		var s SubTxn
		s.Type = OpCode(r.Int())
		s.Body = r.Bytes()
		t.Ops = append(t.Ops, s)
	}
}
