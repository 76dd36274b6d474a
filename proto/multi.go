package proto

import "errors"

// multi (14) and multiRead (22): a MultiOperationRecord is a run of
// MultiHeader + op record pairs ended by a header with Done set; the
// MultiResponse has the same shape with result bodies.

// ErrMultiOp is returned for an op or result type that is not allowed where
// it appears (for example getData inside a multi, or a nested multi).
var ErrMultiOp = errors.New("proto: op type not allowed in multi")

// ErrCreateFlags is returned by DecodeMulti when the record is well formed
// but a create op's flags are not a CreateMode (0..6). Unlike the other
// errors it comes with the complete op list and leaves the Reader healthy:
// ZooKeeper 3.8.0 parses such a record and fails the multi with BadArguments
// on that op (see testdata/zk380_zen_probe.txt), so a server may either
// answer MarshallingError or run the ops through its normal create checks.
var ErrCreateFlags = errors.New("proto: invalid create flags in multi")

// MultiHeader precedes every op of a MultiOperationRecord and every result
// of a MultiResponse, and ends both (Done set).
type MultiHeader struct {
	Type OpCode
	Done bool
	Err  Err
}

// MultiHeaderSize is the encoded size of a MultiHeader.
const MultiHeaderSize = 9

// Decode reads h.
func (h *MultiHeader) Decode(r *Reader) {
	h.Type = OpCode(r.Int())
	h.Done = r.Bool()
	h.Err = Err(r.Int())
}

// Append appends h.
func (h *MultiHeader) Append(b []byte) []byte { return AppendMultiHeader(b, h.Type, h.Done, h.Err) }

// AppendMultiHeader appends MultiHeader{typ, done, err}.
func AppendMultiHeader(b []byte, typ OpCode, done bool, err Err) []byte {
	b = AppendInt(b, int32(typ))
	b = AppendBool(b, done)
	return AppendInt(b, int32(err))
}

// AppendMultiEnd appends the terminator {-1, true, -1} that ends both a
// MultiOperationRecord and a MultiResponse.
func AppendMultiEnd(b []byte) []byte { return AppendMultiHeader(b, OpError, true, ErrSystemError) }

// MultiOp is one operation of a multi or multiRead, flattened: Type selects
// which fields are meaningful.
//
//	OpCreate, OpCreate2, OpCreateContainer  Path, Data, DataNull, ACL, Flags
//	OpCreateTTL                             the same plus TTL
//	OpDelete, OpCheck                       Path, Version
//	OpSetData                               Path, Data, DataNull, Version
//	OpGetChildren, OpGetData                Path, Watch (multiRead only)
//
// Path and Data alias the decoded frame; ACL is freshly allocated per op.
type MultiOp struct {
	Type     OpCode
	Path     []byte
	Data     []byte
	DataNull bool
	ACL      []ACL
	Flags    int32
	TTL      int64
	Version  int32
	Watch    bool
}

// DecodeMulti reads a MultiOperationRecord up to and including its Done
// header, appending the ops to ops[:0]. read selects the opcode the record
// came with: false for multi (14), which accepts create, create2,
// createContainer, createTTL, delete, setData and check; true for multiRead
// (22), which accepts getChildren and getData. Any other op type (including
// one of the other kind) or a truncated record returns ops[:0] and an error
// that is also recorded in r; the server answers MarshallingError (-5). A
// create whose flags are not 0..6 returns all the ops and ErrCreateFlags
// (see there), unless the record is also malformed.
func DecodeMulti(r *Reader, read bool, ops []MultiOp) ([]MultiOp, error) {
	want := allowedIn(read)
	return decodeMulti(r, func(k opKind) bool { return k == want }, ops)
}

// DecodeMultiRecord reads a MultiOperationRecord the way ZooKeeper
// deserializes one, before it looks at which opcode carried it: every op
// type of either kind is accepted (create, create2, createContainer,
// createTTL, delete, setData, check, getChildren, getData). The server then
// rejects ops of the wrong kind itself (ZK answers a multiRead holding a
// write op differently from an unparsable one). Errors as DecodeMulti.
func DecodeMultiRecord(r *Reader, ops []MultiOp) ([]MultiOp, error) {
	return decodeMulti(r, func(k opKind) bool { return k != kindNone }, ops)
}

// IsReadOp reports whether a multi op type belongs to multiRead.
func (op *MultiOp) IsReadOp() bool { return multiOpAllowed(op.Type) == kindRead }

func decodeMulti(r *Reader, accept func(opKind) bool, ops []MultiOp) ([]MultiOp, error) {
	ops = ops[:0]
	badFlags := false
	for {
		var h MultiHeader
		h.Decode(r)
		if r.Err() != nil {
			return ops[:0], r.Err()
		}
		if h.Done {
			if badFlags {
				return ops, ErrCreateFlags
			}
			return ops, nil
		}
		if !accept(multiOpAllowed(h.Type)) {
			r.Fail(ErrMultiOp)
			return ops[:0], r.Err()
		}
		if len(ops) < cap(ops) {
			ops = ops[:len(ops)+1]
		} else {
			ops = append(ops, MultiOp{})
		}
		op := &ops[len(ops)-1]
		*op = MultiOp{Type: h.Type}
		op.decodeBody(r)
		if r.Err() != nil {
			return ops[:0], r.Err()
		}
		if op.isCreate() && !ValidCreateFlags(op.Flags) {
			badFlags = true
		}
	}
}

// opKind classifies op types for multi: which of the two records accepts it.
type opKind uint8

const (
	kindNone opKind = iota
	kindWrite
	kindRead
)

func allowedIn(read bool) opKind {
	if read {
		return kindRead
	}
	return kindWrite
}

func multiOpAllowed(t OpCode) opKind {
	switch t {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL, OpDelete, OpSetData, OpCheck:
		return kindWrite
	case OpGetChildren, OpGetData:
		return kindRead
	}
	return kindNone
}

func (op *MultiOp) isCreate() bool {
	switch op.Type {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL:
		return true
	}
	return false
}

func (op *MultiOp) decodeBody(r *Reader) {
	op.Path = r.Bytes()
	switch op.Type {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL:
		op.Data, op.DataNull = r.Buffer()
		op.ACL, _ = ReadACLs(r)
		op.Flags = r.Int()
		if op.Type == OpCreateTTL {
			op.TTL = r.Long()
		}
	case OpDelete, OpCheck:
		op.Version = r.Int()
	case OpSetData:
		op.Data, op.DataNull = r.Buffer()
		op.Version = r.Int()
	case OpGetChildren, OpGetData:
		op.Watch = r.Bool()
	}
}

// appendBody appends the op's request record, chosen by its Type. An op type
// that has no record in a multi appends nothing.
func (op *MultiOp) appendBody(b []byte) []byte {
	if multiOpAllowed(op.Type) == kindNone {
		return b
	}
	b = AppendBytes(b, op.Path)
	switch op.Type {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL:
		b = AppendBuffer(b, op.Data, op.DataNull)
		b = AppendACLs(b, op.ACL)
		b = AppendInt(b, op.Flags)
		if op.Type == OpCreateTTL {
			b = AppendLong(b, op.TTL)
		}
	case OpDelete, OpCheck:
		b = AppendInt(b, op.Version)
	case OpSetData:
		b = AppendBuffer(b, op.Data, op.DataNull)
		b = AppendInt(b, op.Version)
	case OpGetChildren, OpGetData:
		b = AppendBool(b, op.Watch)
	}
	return b
}

// AppendMulti appends a MultiOperationRecord: one {Type, false, -1} header
// and request record per op, then the terminator. It does not check that
// the ops suit one kind of multi; an op whose Type has no record in a multi
// is written as a bare header, which DecodeMulti rejects.
func AppendMulti(b []byte, ops []MultiOp) []byte {
	for i := range ops {
		b = AppendMultiHeader(b, ops[i].Type, false, ErrSystemError)
		b = ops[i].appendBody(b)
	}
	return AppendMultiEnd(b)
}

// MultiResult is one entry of a MultiResponse. Type selects the body:
//
//	OpCreate                 Path
//	OpCreate2                Path, Stat (answers create2, createContainer, createTTL)
//	OpDelete, OpCheck        nothing
//	OpSetData                Stat
//	OpGetChildren            Children (multiRead)
//	OpGetData                Data, DataNull, Stat (multiRead)
//	OpError                  Err
//
// Err is ErrOk for every type but OpError. Decoded byte slices alias the
// frame.
type MultiResult struct {
	Type     OpCode
	Err      Err
	Path     []byte
	Stat     Stat
	Data     []byte
	DataNull bool
	Children [][]byte
}

func multiResultAllowed(t OpCode) bool {
	switch t {
	case OpCreate, OpCreate2, OpDelete, OpCheck, OpSetData, OpGetChildren, OpGetData, OpError:
		return true
	}
	return false
}

// AppendMultiError appends an error result: MultiHeader{-1, false, err} and
// ErrorResponse{err}. A failed multi answers every op with one (ErrOk for the
// ops before the failing one, RuntimeInconsistency after it).
func AppendMultiError(b []byte, err Err) []byte {
	b = AppendMultiHeader(b, OpError, false, err)
	return AppendErrorResponse(b, err)
}

// AppendMultiResponse appends a MultiResponse: a header and body per result,
// then the terminator. A result whose Type is not a MultiResult type is
// written as a bare header, which DecodeMultiResponse rejects.
func AppendMultiResponse(b []byte, results []MultiResult) []byte {
	for i := range results {
		b = results[i].Append(b)
	}
	return AppendMultiEnd(b)
}

// Append appends one result (header and body).
func (res *MultiResult) Append(b []byte) []byte {
	if res.Type == OpError {
		return AppendMultiError(b, res.Err)
	}
	b = AppendMultiHeader(b, res.Type, false, ErrOk)
	switch res.Type {
	case OpCreate:
		b = AppendBytes(b, res.Path)
	case OpCreate2:
		b = AppendBytes(b, res.Path)
		b = AppendStat(b, &res.Stat)
	case OpSetData:
		b = AppendStat(b, &res.Stat)
	case OpGetChildren:
		b = AppendBytesVector(b, res.Children)
	case OpGetData:
		b = AppendGetDataResponse(b, res.Data, res.DataNull, &res.Stat)
	}
	return b
}

// DecodeMultiResponse reads a MultiResponse up to and including its Done
// header, appending the results to results[:0]. An unknown result type or a
// truncated record returns results[:0] and an error, also recorded in r.
func DecodeMultiResponse(r *Reader, results []MultiResult) ([]MultiResult, error) {
	results = results[:0]
	for {
		var h MultiHeader
		h.Decode(r)
		if r.Err() != nil {
			return results[:0], r.Err()
		}
		if h.Done {
			return results, nil
		}
		if !multiResultAllowed(h.Type) {
			r.Fail(ErrMultiOp)
			return results[:0], r.Err()
		}
		res := MultiResult{Type: h.Type}
		switch h.Type {
		case OpCreate:
			res.Path = r.Bytes()
		case OpCreate2:
			res.Path = r.Bytes()
			res.Stat.Decode(r)
		case OpSetData:
			res.Stat.Decode(r)
		case OpGetChildren:
			res.Children = r.BytesVector(nil)
		case OpGetData:
			res.Data, res.DataNull = r.Buffer()
			res.Stat.Decode(r)
		case OpError:
			res.Err = Err(r.Int())
		}
		if r.Err() != nil {
			return results[:0], r.Err()
		}
		results = append(results, res)
	}
}
