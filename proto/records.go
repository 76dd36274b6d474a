package proto

// Record is implemented by every client record of the wire protocol. Decode
// reads the record's fields in order; failures are reported by the Reader's
// sticky Err. Decode never fails on bytes left over after the record (ZK
// ignores them too); callers that care check r.Remaining(). Append encodes
// the record onto b.
//
// Fields typed []byte are jute ustrings or buffers that alias the decoded
// frame: they are valid only while the frame is, so copy what must outlive
// it. A decoded null ustring reads as empty; buffers whose null-ness matters
// (znode data, SASL tokens) carry a separate *Null flag.
type Record interface {
	Decode(r *Reader)
	Append(b []byte) []byte
}

// This file holds the records of the znode operations (create through
// reconfig). Connection records are in records_session.go, watch records in
// records_watch.go.

// CreateRequest is the body of create (1), create2 (15) and
// createContainer (19).
type CreateRequest struct {
	Path     []byte
	Data     []byte
	DataNull bool
	ACL      []ACL
	Flags    int32
}

// Decode reads q.
func (q *CreateRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.Data, q.DataNull = r.Buffer()
	q.ACL, _ = ReadACLs(r)
	q.Flags = r.Int()
}

// Append appends q.
func (q *CreateRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	b = AppendBuffer(b, q.Data, q.DataNull)
	b = AppendACLs(b, q.ACL)
	return AppendInt(b, q.Flags)
}

// CreateTTLRequest is the body of createTTL (21).
type CreateTTLRequest struct {
	Path     []byte
	Data     []byte
	DataNull bool
	ACL      []ACL
	Flags    int32
	TTL      int64
}

// Decode reads q.
func (q *CreateTTLRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.Data, q.DataNull = r.Buffer()
	q.ACL, _ = ReadACLs(r)
	q.Flags = r.Int()
	q.TTL = r.Long()
}

// Append appends q.
func (q *CreateTTLRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	b = AppendBuffer(b, q.Data, q.DataNull)
	b = AppendACLs(b, q.ACL)
	b = AppendInt(b, q.Flags)
	return AppendLong(b, q.TTL)
}

// CreateResponse answers create (1): the final path, sequence suffix included.
type CreateResponse struct{ Path []byte }

// Decode reads p.
func (p *CreateResponse) Decode(r *Reader) { p.Path = r.Bytes() }

// Append appends p.
func (p *CreateResponse) Append(b []byte) []byte { return AppendBytes(b, p.Path) }

// Create2Response answers create2, createContainer and createTTL.
type Create2Response struct {
	Path []byte
	Stat Stat
}

// Decode reads p.
func (p *Create2Response) Decode(r *Reader) {
	p.Path = r.Bytes()
	p.Stat.Decode(r)
}

// Append appends p.
func (p *Create2Response) Append(b []byte) []byte {
	b = AppendBytes(b, p.Path)
	return AppendStat(b, &p.Stat)
}

// DeleteRequest is the body of delete (2).
type DeleteRequest struct {
	Path    []byte
	Version int32
}

// Decode reads q.
func (q *DeleteRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.Version = r.Int()
}

// Append appends q.
func (q *DeleteRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	return AppendInt(b, q.Version)
}

// DeleteContainerRequest is the body of deleteContainer (20). ZK declares the
// path a buffer; its bytes are those of a ustring.
type DeleteContainerRequest struct{ Path []byte }

// Decode reads q.
func (q *DeleteContainerRequest) Decode(r *Reader) { q.Path = r.Bytes() }

// Append appends q.
func (q *DeleteContainerRequest) Append(b []byte) []byte { return AppendBytes(b, q.Path) }

// PathWatchRequest is the shared shape {ustring path; boolean watch} of the
// exists, getData, getChildren and getChildren2 requests.
type PathWatchRequest struct {
	Path  []byte
	Watch bool
}

// Decode reads q.
func (q *PathWatchRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.Watch = r.Bool()
}

// Append appends q.
func (q *PathWatchRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	return AppendBool(b, q.Watch)
}

// ExistsRequest is the body of exists (3).
type ExistsRequest = PathWatchRequest

// GetDataRequest is the body of getData (4).
type GetDataRequest = PathWatchRequest

// GetChildrenRequest is the body of getChildren (8).
type GetChildrenRequest = PathWatchRequest

// GetChildren2Request is the body of getChildren2 (12).
type GetChildren2Request = PathWatchRequest

// StatResponse is the shared shape {Stat stat} of the exists, setData and
// setACL responses.
type StatResponse struct{ Stat Stat }

// Decode reads p.
func (p *StatResponse) Decode(r *Reader) { p.Stat.Decode(r) }

// Append appends p.
func (p *StatResponse) Append(b []byte) []byte { return AppendStat(b, &p.Stat) }

// ExistsResponse answers exists.
type ExistsResponse = StatResponse

// SetDataResponse answers setData.
type SetDataResponse = StatResponse

// SetACLResponse answers setACL.
type SetACLResponse = StatResponse

// GetDataResponse answers getData (and reconfig). Null data (length -1) is
// distinct from empty data.
type GetDataResponse struct {
	Data     []byte
	DataNull bool
	Stat     Stat
}

// Decode reads p.
func (p *GetDataResponse) Decode(r *Reader) {
	p.Data, p.DataNull = r.Buffer()
	p.Stat.Decode(r)
}

// Append appends p.
func (p *GetDataResponse) Append(b []byte) []byte {
	return AppendGetDataResponse(b, p.Data, p.DataNull, &p.Stat)
}

// SetDataRequest is the body of setData (5).
type SetDataRequest struct {
	Path     []byte
	Data     []byte
	DataNull bool
	Version  int32
}

// Decode reads q.
func (q *SetDataRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.Data, q.DataNull = r.Buffer()
	q.Version = r.Int()
}

// Append appends q.
func (q *SetDataRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	b = AppendBuffer(b, q.Data, q.DataNull)
	return AppendInt(b, q.Version)
}

// PathRequest is the shared shape {ustring path} of the getACL, sync and
// getAllChildrenNumber requests (and of SyncResponse).
type PathRequest struct{ Path []byte }

// Decode reads q.
func (q *PathRequest) Decode(r *Reader) { q.Path = r.Bytes() }

// Append appends q.
func (q *PathRequest) Append(b []byte) []byte { return AppendBytes(b, q.Path) }

// GetACLRequest is the body of getACL (6).
type GetACLRequest = PathRequest

// SyncRequest is the body of sync (9).
type SyncRequest = PathRequest

// SyncResponse answers sync with the path as sent.
type SyncResponse = PathRequest

// GetAllChildrenNumberRequest is the body of getAllChildrenNumber (104).
type GetAllChildrenNumberRequest = PathRequest

// GetACLResponse answers getACL.
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

// Decode reads p.
func (p *GetACLResponse) Decode(r *Reader) {
	p.ACL, _ = ReadACLs(r)
	p.Stat.Decode(r)
}

// Append appends p.
func (p *GetACLResponse) Append(b []byte) []byte { return AppendGetACLResponse(b, p.ACL, &p.Stat) }

// SetACLRequest is the body of setACL (7).
type SetACLRequest struct {
	Path    []byte
	ACL     []ACL
	Version int32
}

// Decode reads q.
func (q *SetACLRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.ACL, _ = ReadACLs(r)
	q.Version = r.Int()
}

// Append appends q.
func (q *SetACLRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	b = AppendACLs(b, q.ACL)
	return AppendInt(b, q.Version)
}

// GetChildrenResponse answers getChildren: child names, not full paths.
type GetChildrenResponse struct{ Children [][]byte }

// Decode reads p, reusing p.Children's backing array.
func (p *GetChildrenResponse) Decode(r *Reader) { p.Children = r.BytesVector(p.Children) }

// Append appends p.
func (p *GetChildrenResponse) Append(b []byte) []byte { return AppendBytesVector(b, p.Children) }

// GetChildren2Response answers getChildren2: names plus the parent's Stat.
type GetChildren2Response struct {
	Children [][]byte
	Stat     Stat
}

// Decode reads p, reusing p.Children's backing array.
func (p *GetChildren2Response) Decode(r *Reader) {
	p.Children = r.BytesVector(p.Children)
	p.Stat.Decode(r)
}

// Append appends p.
func (p *GetChildren2Response) Append(b []byte) []byte {
	b = AppendBytesVector(b, p.Children)
	return AppendStat(b, &p.Stat)
}

// GetAllChildrenNumberResponse answers getAllChildrenNumber.
type GetAllChildrenNumberResponse struct{ TotalNumber int32 }

// Decode reads p.
func (p *GetAllChildrenNumberResponse) Decode(r *Reader) { p.TotalNumber = r.Int() }

// Append appends p.
func (p *GetAllChildrenNumberResponse) Append(b []byte) []byte { return AppendInt(b, p.TotalNumber) }

// CheckVersionRequest is the body of check (13), valid only inside a multi.
type CheckVersionRequest struct {
	Path    []byte
	Version int32
}

// Decode reads q.
func (q *CheckVersionRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.Version = r.Int()
}

// Append appends q.
func (q *CheckVersionRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	return AppendInt(b, q.Version)
}

// GetEphemeralsRequest is the body of getEphemerals (103).
type GetEphemeralsRequest struct{ PrefixPath []byte }

// Decode reads q.
func (q *GetEphemeralsRequest) Decode(r *Reader) { q.PrefixPath = r.Bytes() }

// Append appends q.
func (q *GetEphemeralsRequest) Append(b []byte) []byte { return AppendBytes(b, q.PrefixPath) }

// GetEphemeralsResponse answers getEphemerals with full paths.
type GetEphemeralsResponse struct{ Ephemerals [][]byte }

// Decode reads p, reusing p.Ephemerals' backing array.
func (p *GetEphemeralsResponse) Decode(r *Reader) { p.Ephemerals = r.BytesVector(p.Ephemerals) }

// Append appends p.
func (p *GetEphemeralsResponse) Append(b []byte) []byte { return AppendBytesVector(b, p.Ephemerals) }

// ReconfigRequest is the body of reconfig (16); it is answered with a
// GetDataResponse. A nil field is a null ustring ("not given", which selects
// between incremental and full membership changes); a non-nil empty slice is
// an empty string.
type ReconfigRequest struct {
	JoiningServers []byte
	LeavingServers []byte
	NewMembers     []byte
	CurConfigID    int64
}

// Decode reads q.
func (q *ReconfigRequest) Decode(r *Reader) {
	q.JoiningServers, _ = r.Buffer()
	q.LeavingServers, _ = r.Buffer()
	q.NewMembers, _ = r.Buffer()
	q.CurConfigID = r.Long()
}

// Append appends q.
func (q *ReconfigRequest) Append(b []byte) []byte {
	b = AppendBuffer(b, q.JoiningServers, q.JoiningServers == nil)
	b = AppendBuffer(b, q.LeavingServers, q.LeavingServers == nil)
	b = AppendBuffer(b, q.NewMembers, q.NewMembers == nil)
	return AppendLong(b, q.CurConfigID)
}

// ErrorResponse carries an error code: the body of an error result in a
// multi response and of the addWatch reply (Err = ErrOk).
type ErrorResponse struct{ Err Err }

// Decode reads p.
func (p *ErrorResponse) Decode(r *Reader) { p.Err = Err(r.Int()) }

// Append appends p.
func (p *ErrorResponse) Append(b []byte) []byte { return AppendInt(b, int32(p.Err)) }
