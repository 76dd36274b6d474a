package proto

// This file holds the watch records: notifications, re-arming after a
// reconnect, and the watch management requests.

// WatcherEvent is a watch notification, sent after ReplyHeader{Xid:
// XidNotification}. Servers always send State = StateSyncConnected.
type WatcherEvent struct {
	Type  EventType
	State int32
	Path  []byte
}

// Decode reads e.
func (e *WatcherEvent) Decode(r *Reader) {
	e.Type = EventType(r.Int())
	e.State = r.Int()
	e.Path = r.Bytes()
}

// Append appends e.
func (e *WatcherEvent) Append(b []byte) []byte {
	b = AppendInt(b, int32(e.Type))
	b = AppendInt(b, e.State)
	return AppendBytes(b, e.Path)
}

// SetWatches is the body of setWatches (101): the watches a reconnecting
// client wants re-armed, relative to the last zxid it saw.
type SetWatches struct {
	RelativeZxid int64
	DataWatches  [][]byte
	ExistWatches [][]byte
	ChildWatches [][]byte
}

// Decode reads q, reusing the vectors' backing arrays.
func (q *SetWatches) Decode(r *Reader) {
	q.RelativeZxid = r.Long()
	q.DataWatches = r.BytesVector(q.DataWatches)
	q.ExistWatches = r.BytesVector(q.ExistWatches)
	q.ChildWatches = r.BytesVector(q.ChildWatches)
}

// Append appends q.
func (q *SetWatches) Append(b []byte) []byte {
	b = AppendLong(b, q.RelativeZxid)
	b = AppendBytesVector(b, q.DataWatches)
	b = AppendBytesVector(b, q.ExistWatches)
	return AppendBytesVector(b, q.ChildWatches)
}

// SetWatches2 is the body of setWatches2 (105): SetWatches plus persistent
// and persistent-recursive watches.
type SetWatches2 struct {
	RelativeZxid               int64
	DataWatches                [][]byte
	ExistWatches               [][]byte
	ChildWatches               [][]byte
	PersistentWatches          [][]byte
	PersistentRecursiveWatches [][]byte
}

// Decode reads q, reusing the vectors' backing arrays.
func (q *SetWatches2) Decode(r *Reader) {
	q.RelativeZxid = r.Long()
	q.DataWatches = r.BytesVector(q.DataWatches)
	q.ExistWatches = r.BytesVector(q.ExistWatches)
	q.ChildWatches = r.BytesVector(q.ChildWatches)
	q.PersistentWatches = r.BytesVector(q.PersistentWatches)
	q.PersistentRecursiveWatches = r.BytesVector(q.PersistentRecursiveWatches)
}

// Append appends q.
func (q *SetWatches2) Append(b []byte) []byte {
	b = AppendLong(b, q.RelativeZxid)
	b = AppendBytesVector(b, q.DataWatches)
	b = AppendBytesVector(b, q.ExistWatches)
	b = AppendBytesVector(b, q.ChildWatches)
	b = AppendBytesVector(b, q.PersistentWatches)
	return AppendBytesVector(b, q.PersistentRecursiveWatches)
}

// WatchesRequest is the shared shape {ustring path; int type} of
// checkWatches (17) and removeWatches (18); Type is a Watcher* constant.
type WatchesRequest struct {
	Path []byte
	Type int32
}

// Decode reads q.
func (q *WatchesRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.Type = r.Int()
}

// Append appends q.
func (q *WatchesRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	return AppendInt(b, q.Type)
}

// CheckWatchesRequest is the body of checkWatches (17).
type CheckWatchesRequest = WatchesRequest

// RemoveWatchesRequest is the body of removeWatches (18).
type RemoveWatchesRequest = WatchesRequest

// AddWatchRequest is the body of addWatch (106); Mode is an AddWatch*
// constant. The reply is ErrorResponse{ErrOk}.
type AddWatchRequest struct {
	Path []byte
	Mode int32
}

// Decode reads q.
func (q *AddWatchRequest) Decode(r *Reader) {
	q.Path = r.Bytes()
	q.Mode = r.Int()
}

// Append appends q.
func (q *AddWatchRequest) Append(b []byte) []byte {
	b = AppendBytes(b, q.Path)
	return AppendInt(b, q.Mode)
}
