package proto

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
)

// sameValue reports whether a and b are deeply equal, treating a nil slice
// and an empty one as equal (decoders return non-nil empty slices for empty
// buffers and vectors, and a null ustring decodes as nil).
func sameValue(a, b any) bool { return sameRV(reflect.ValueOf(a), reflect.ValueOf(b)) }

func sameRV(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameRV(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !sameRV(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !sameRV(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	default:
		return a.Equal(b)
	}
}

// requestRecord returns an empty record for the body of a request with
// opcode op, or nil when the request has no body or is a multi (which
// DecodeMulti handles). This is the table of PROTOCOL.md §4.
func requestRecord(op OpCode) Record {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return new(CreateRequest)
	case OpCreateTTL:
		return new(CreateTTLRequest)
	case OpDelete:
		return new(DeleteRequest)
	case OpExists, OpGetData, OpGetChildren, OpGetChildren2:
		return new(PathWatchRequest)
	case OpSetData:
		return new(SetDataRequest)
	case OpGetACL, OpSync, OpGetAllChildrenNumber:
		return new(PathRequest)
	case OpSetACL:
		return new(SetACLRequest)
	case OpCheck:
		return new(CheckVersionRequest)
	case OpReconfig:
		return new(ReconfigRequest)
	case OpCheckWatches, OpRemoveWatches:
		return new(WatchesRequest)
	case OpDeleteContainer:
		return new(DeleteContainerRequest)
	case OpAuth:
		return new(AuthPacket)
	case OpSetWatches:
		return new(SetWatches)
	case OpSASL:
		return new(GetSASLRequest)
	case OpGetEphemerals:
		return new(GetEphemeralsRequest)
	case OpSetWatches2:
		return new(SetWatches2)
	case OpAddWatch:
		return new(AddWatchRequest)
	}
	return nil
}

// responseRecord returns an empty record for the body of a successful reply
// to opcode op, or nil when that reply has no body or is a multi response.
func responseRecord(op OpCode) Record {
	switch op {
	case OpCreate:
		return new(CreateResponse)
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return new(Create2Response)
	case OpExists, OpSetData, OpSetACL:
		return new(StatResponse)
	case OpGetData, OpReconfig:
		return new(GetDataResponse)
	case OpGetACL:
		return new(GetACLResponse)
	case OpGetChildren:
		return new(GetChildrenResponse)
	case OpGetChildren2:
		return new(GetChildren2Response)
	case OpSync:
		return new(PathRequest)
	case OpGetAllChildrenNumber:
		return new(GetAllChildrenNumberResponse)
	case OpGetEphemerals:
		return new(GetEphemeralsResponse)
	case OpWhoAmI:
		return new(WhoAmIResponse)
	case OpAddWatch:
		return new(ErrorResponse)
	case OpSASL:
		return new(SetSASLResponse)
	}
	return nil
}

// newLike returns a new zero record of the same type as rec.
func newLike(rec Record) Record {
	return reflect.New(reflect.TypeOf(rec).Elem()).Interface().(Record)
}

// decodeAll decodes b into a new record like rec, requiring that it
// succeeds and consumes every byte.
func decodeAll(t testing.TB, rec Record, b []byte) Record {
	t.Helper()
	out := newLike(rec)
	r := NewReader(b)
	out.Decode(&r)
	if r.Err() != nil {
		t.Fatalf("%T: decode %x: %v", rec, b, r.Err())
	}
	if r.Remaining() != 0 {
		t.Fatalf("%T: decode %x left %d bytes", rec, b, r.Remaining())
	}
	return out
}

// checkRoundTrip decodes enc as a record like rec and checks that the result
// re-encodes to exactly enc (the encoding is canonical for these bytes).
func checkRoundTrip(t testing.TB, rec Record, enc []byte) Record {
	t.Helper()
	got := decodeAll(t, rec, enc)
	if re := got.Append(nil); !bytes.Equal(re, enc) {
		t.Fatalf("%T: re-encoding differs\n got %x\nwant %x", rec, re, enc)
	}
	return got
}

// sampleStat has a distinct value in every field.
var sampleStat = Stat{
	Czxid: 0x0102030405060708, Mzxid: 0x1112131415161718, Ctime: 0x2122232425262728,
	Mtime: 0x3132333435363738, Version: 0x41424344, Cversion: -2, Aversion: 0x51525354,
	EphemeralOwner: -0x7edcba9876543210, DataLength: 0x61626364, NumChildren: 0x71727374,
	Pzxid: -1,
}

var sampleACL = []ACL{
	{Perms: PermAll, Scheme: "world", ID: "anyone"},
	{Perms: PermRead | PermAdmin, Scheme: "digest", ID: "alice:NvPNKFxOrk8zxYmUODqZMj98xdM="},
	{Perms: PermCreate, Scheme: "ip", ID: "10.0.0.0/8"},
}

func bs(s string) []byte { return []byte(s) }

// sampleRecords holds one fully populated value of every record type, plus
// variants where null-ness or optional fields change the encoding.
func sampleRecords() []Record {
	return []Record{
		&ConnectRequest{ProtocolVersion: 0, LastZxidSeen: 0x100000007, Timeout: 30000, SessionID: 0x1000002d7db0007, Passwd: bytes.Repeat([]byte{0xab}, 16), ReadOnly: true, HasReadOnly: true},
		&ConnectRequest{LastZxidSeen: 9, Timeout: 4000, Passwd: make([]byte, 16)},
		&ConnectResponse{Timeout: 30000, SessionID: 0x1000002d7db0007, Passwd: bytes.Repeat([]byte{0xcd}, 16), HasReadOnly: true},
		&ConnectResponse{Timeout: 4000, SessionID: 42, Passwd: make([]byte, 16), ReadOnly: true, HasReadOnly: true},
		&ConnectResponse{Passwd: make([]byte, 16)},
		&CreateRequest{Path: bs("/a/b"), Data: bs("data"), ACL: sampleACL, Flags: FlagEphemeralSequential},
		&CreateRequest{Path: bs("/a/null"), DataNull: true, ACL: OpenACL, Flags: FlagContainer},
		&CreateRequest{Path: bs("/a/empty"), Data: []byte{}, ACL: OpenACL},
		&CreateTTLRequest{Path: bs("/ttl"), Data: bs("x"), ACL: OpenACL, Flags: FlagPersistentSequentialWithTTL, TTL: MaxTTL},
		&CreateResponse{Path: bs("/a/b0000000007")},
		&Create2Response{Path: bs("/a/b"), Stat: sampleStat},
		&DeleteRequest{Path: bs("/a/b"), Version: -1},
		&DeleteContainerRequest{Path: bs("/container")},
		&PathWatchRequest{Path: bs("/watched"), Watch: true},
		&PathWatchRequest{Path: bs("/unwatched")},
		&StatResponse{Stat: sampleStat},
		&GetDataResponse{Data: bs("payload"), Stat: sampleStat},
		&GetDataResponse{DataNull: true, Stat: sampleStat},
		&GetDataResponse{Data: []byte{}, Stat: sampleStat},
		&SetDataRequest{Path: bs("/a"), Data: bs("new"), Version: 7},
		&SetDataRequest{Path: bs("/a"), DataNull: true, Version: -1},
		&PathRequest{Path: bs("/sync/me")},
		&GetACLResponse{ACL: sampleACL, Stat: sampleStat},
		&SetACLRequest{Path: bs("/acl"), ACL: sampleACL, Version: 3},
		&GetChildrenResponse{Children: [][]byte{bs("a"), bs("bb"), bs("")}},
		&GetChildren2Response{Children: [][]byte{bs("x")}, Stat: sampleStat},
		&GetAllChildrenNumberResponse{TotalNumber: 123456},
		&CheckVersionRequest{Path: bs("/c"), Version: 0x7fffffff},
		&GetEphemeralsRequest{PrefixPath: bs("/e")},
		&GetEphemeralsResponse{Ephemerals: [][]byte{bs("/e/1"), bs("/e/2")}},
		&ReconfigRequest{JoiningServers: bs("server.4=h:1:2;3"), LeavingServers: []byte{}, CurConfigID: -1},
		&ReconfigRequest{NewMembers: bs("server.1=h:1:2;3"), CurConfigID: 0x100000000},
		&ErrorResponse{Err: ErrNoNode},
		&AuthPacket{Scheme: bs("digest"), Auth: bs("user:pass")},
		&GetSASLRequest{Token: bs("tok")},
		&GetSASLRequest{TokenNull: true},
		&SetSASLResponse{TokenNull: true},
		&SetSASLResponse{Token: []byte{}},
		&ClientInfo{AuthScheme: "ip", User: "127.0.0.1"},
		&WhoAmIResponse{ClientInfo: []ClientInfo{{"digest", "alice"}, {"ip", "::1"}}},
		&WatcherEvent{Type: EventNodeChildrenChanged, State: StateSyncConnected, Path: bs("/p")},
		&SetWatches{RelativeZxid: 0x200000001, DataWatches: [][]byte{bs("/d")}, ExistWatches: [][]byte{bs("/e1"), bs("/e2")}},
		&SetWatches2{RelativeZxid: 5, DataWatches: [][]byte{bs("/d")}, ChildWatches: [][]byte{bs("/c")},
			PersistentWatches: [][]byte{bs("/p")}, PersistentRecursiveWatches: [][]byte{bs("/r"), bs("/r2")}},
		&WatchesRequest{Path: bs("/w"), Type: WatcherAny},
		&AddWatchRequest{Path: bs("/w"), Mode: AddWatchPersistentRecursive},
		&MultiHeader{Type: OpCreate, Done: false, Err: ErrSystemError},
		&MultiHeader{Type: OpError, Done: true, Err: ErrSystemError},
		&RequestHeader{Xid: 0x7fffffff, Type: OpGetChildren2},
		&ReplyHeader{Xid: XidNotification, Zxid: -1, Err: ErrOk},
		&ReplyHeader{Xid: 12, Zxid: 0x300000002, Err: ErrNodeExists},
	}
}

func recName(rec Record) string { return fmt.Sprintf("%T%+v", rec, rec) }
