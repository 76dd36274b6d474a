package proto

import (
	"bytes"
	"errors"
	"testing"
)

// writeOps has one op of every type a multi (14) accepts.
func writeOps() []MultiOp {
	return []MultiOp{
		{Type: OpCreate, Path: bs("/a"), Data: bs("1"), ACL: OpenACL, Flags: FlagPersistent},
		{Type: OpCreate2, Path: bs("/a/s-"), DataNull: true, ACL: sampleACL, Flags: FlagEphemeralSequential},
		{Type: OpCreateContainer, Path: bs("/c"), Data: []byte{}, ACL: OpenACL, Flags: FlagContainer},
		{Type: OpCreateTTL, Path: bs("/t"), Data: bs("ttl"), ACL: OpenACL, Flags: FlagPersistentWithTTL, TTL: 60000},
		{Type: OpSetData, Path: bs("/a"), Data: bs("2"), Version: 0},
		{Type: OpSetData, Path: bs("/a"), DataNull: true, Version: -1},
		{Type: OpCheck, Path: bs("/a"), Version: 1},
		{Type: OpDelete, Path: bs("/a"), Version: -1},
	}
}

// readOps has one op of every type a multiRead (22) accepts.
func readOps() []MultiOp {
	return []MultiOp{
		{Type: OpGetData, Path: bs("/a"), Watch: true},
		{Type: OpGetChildren, Path: bs("/")},
	}
}

func TestMultiRoundTrip(t *testing.T) {
	for _, c := range []struct {
		read bool
		ops  []MultiOp
	}{{false, writeOps()}, {true, readOps()}, {false, nil}, {true, nil}} {
		enc := AppendMulti(nil, c.ops)
		r := NewReader(enc)
		got, err := DecodeMulti(&r, c.read, nil)
		if err != nil || r.Remaining() != 0 {
			t.Fatalf("read=%v: %v, %d left", c.read, err, r.Remaining())
		}
		if !sameValue(got, c.ops) {
			t.Fatalf("read=%v: got %+v\nwant %+v", c.read, got, c.ops)
		}
		if re := AppendMulti(nil, got); !bytes.Equal(re, enc) {
			t.Fatalf("read=%v: re-encoding differs", c.read)
		}
		for i := range got {
			if got[i].DataNull != c.ops[i].DataNull {
				t.Fatalf("op %d: DataNull %v", i, got[i].DataNull)
			}
		}
	}
}

// TestMultiGolden checks the exact bytes of a small multi: a check then the
// terminator, as PROTOCOL.md §9 lays them out.
func TestMultiGolden(t *testing.T) {
	enc := AppendMulti(nil, []MultiOp{{Type: OpCheck, Path: bs("/a"), Version: 5}})
	want := unhex(t, "0000000d 00 ffffffff | 00000002 2f61 00000005 | ffffffff 01 ffffffff")
	if !bytes.Equal(enc, want) {
		t.Fatalf("got  %x\nwant %x", enc, want)
	}
}

// TestDecodeMultiOpTypes tries every opcode in a range well beyond the
// defined ones in both kinds of multi: exactly the types of PROTOCOL.md §9
// are accepted, each only in its own kind.
func TestDecodeMultiOpTypes(t *testing.T) {
	write := map[OpCode]bool{OpCreate: true, OpCreate2: true, OpCreateContainer: true, OpCreateTTL: true,
		OpDelete: true, OpSetData: true, OpCheck: true}
	read := map[OpCode]bool{OpGetChildren: true, OpGetData: true}
	for op := OpCode(-20); op <= 120; op++ {
		for _, isRead := range []bool{false, true} {
			valid := write[op] && !isRead || read[op] && isRead
			// A well-formed body for the type when it has one; a bare
			// header otherwise (it must be refused before its body).
			enc := AppendMulti(nil, []MultiOp{{Type: op, Path: bs("/x"), ACL: OpenACL, Version: -1}})
			r := NewReader(enc)
			ops, err := DecodeMulti(&r, isRead, nil)
			if valid {
				if err != nil || len(ops) != 1 || ops[0].Type != op || string(ops[0].Path) != "/x" {
					t.Errorf("op %v read=%v: rejected: %v %+v", op, isRead, err, ops)
				}
				continue
			}
			if !errors.Is(err, ErrMultiOp) || len(ops) != 0 || !errors.Is(r.Err(), ErrMultiOp) {
				t.Errorf("op %v read=%v: got %v %+v, want ErrMultiOp", op, isRead, err, ops)
			}
		}
	}
}

// TestDecodeMultiMixedKinds: one op of the wrong kind anywhere in the record
// rejects the whole record.
func TestDecodeMultiMixedKinds(t *testing.T) {
	mixed := append(writeOps(), readOps()[0])
	r := NewReader(AppendMulti(nil, mixed))
	if ops, err := DecodeMulti(&r, false, nil); !errors.Is(err, ErrMultiOp) || len(ops) != 0 {
		t.Fatalf("write multi with a getData: %v %d ops", err, len(ops))
	}
	mixed = append(readOps(), writeOps()[6])
	r = NewReader(AppendMulti(nil, mixed))
	if ops, err := DecodeMulti(&r, true, nil); !errors.Is(err, ErrMultiOp) || len(ops) != 0 {
		t.Fatalf("multiRead with a check: %v %d ops", err, len(ops))
	}
}

func TestDecodeMultiCreateFlags(t *testing.T) {
	for _, typ := range []OpCode{OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL} {
		for flags := int32(-3); flags <= 9; flags++ {
			ops := []MultiOp{
				{Type: OpCheck, Path: bs("/a"), Version: -1},
				{Type: typ, Path: bs("/n"), ACL: OpenACL, Flags: flags},
				{Type: OpDelete, Path: bs("/b"), Version: -1},
			}
			if typ == OpCreateTTL {
				ops[1].TTL = 1
			}
			enc := AppendMulti(nil, ops)
			r := NewReader(enc)
			got, err := DecodeMulti(&r, false, nil)
			if flags >= 0 && flags <= 6 {
				if err != nil || len(got) != 3 {
					t.Errorf("%v flags %d: %v", typ, flags, err)
				}
				continue
			}
			// Invalid flags: an error, but the record is complete and the
			// Reader healthy (ZK 3.8.0 fails the op with BadArguments).
			if !errors.Is(err, ErrCreateFlags) || r.Err() != nil || r.Remaining() != 0 || !sameValue(got, ops) {
				t.Errorf("%v flags %d: err %v, reader %v, %d left, ops %+v", typ, flags, err, r.Err(), r.Remaining(), got)
			}
			// A malformed record after the bad flags still wins.
			r = NewReader(enc[:len(enc)-1])
			if got, err := DecodeMulti(&r, false, nil); !errors.Is(err, ErrShort) || len(got) != 0 {
				t.Errorf("%v flags %d truncated: %v %d ops", typ, flags, err, len(got))
			}
		}
	}
	if !ValidCreateFlags(0) || !ValidCreateFlags(6) || ValidCreateFlags(7) || ValidCreateFlags(-1) {
		t.Fatal("ValidCreateFlags")
	}
}

// TestDecodeMultiTruncated: every strict prefix of a valid record fails,
// including one that lacks only the terminator.
func TestDecodeMultiTruncated(t *testing.T) {
	for _, read := range []bool{false, true} {
		ops := writeOps()
		if read {
			ops = readOps()
		}
		enc := AppendMulti(nil, ops)
		for n := 0; n < len(enc); n++ {
			r := NewReader(enc[:n])
			got, err := DecodeMulti(&r, read, nil)
			if err == nil || len(got) != 0 || r.Err() == nil {
				t.Fatalf("read=%v prefix %d/%d: err %v, %d ops", read, n, len(enc), err, len(got))
			}
		}
	}
}

// TestDecodeMultiDoneEndsRecord: as in ZK, a header with done set ends the
// record whatever its type, and trailing bytes are left to the caller.
func TestDecodeMultiDoneEndsRecord(t *testing.T) {
	enc := AppendMultiHeader(nil, OpCheck, false, ErrSystemError)
	enc = (&CheckVersionRequest{Path: bs("/a"), Version: 2}).Append(enc)
	enc = AppendMultiHeader(enc, OpCreate, true, ErrOk)
	enc = append(enc, 0xde, 0xad)
	r := NewReader(enc)
	ops, err := DecodeMulti(&r, false, nil)
	if err != nil || len(ops) != 1 || ops[0].Version != 2 || r.Remaining() != 2 {
		t.Fatalf("got %+v %v, %d left", ops, err, r.Remaining())
	}
}

// TestDecodeMultiReusesSlice: decoding into a slice with room appends in
// place, and a failed decode returns it empty for reuse.
func TestDecodeMultiReusesSlice(t *testing.T) {
	buf := make([]MultiOp, 0, 16)
	r := NewReader(AppendMulti(nil, writeOps()))
	ops, err := DecodeMulti(&r, false, buf)
	if err != nil || &ops[0] != &buf[:1][0] {
		t.Fatalf("did not reuse the slice: %v", err)
	}
	r = NewReader([]byte{0, 0})
	ops, err = DecodeMulti(&r, false, ops)
	if err == nil || len(ops) != 0 || cap(ops) != 16 {
		t.Fatalf("failed decode: %v len %d cap %d", err, len(ops), cap(ops))
	}
}

func sampleResults() []MultiResult {
	return []MultiResult{
		{Type: OpCreate, Path: bs("/a")},
		{Type: OpCreate2, Path: bs("/b0000000001"), Stat: sampleStat},
		{Type: OpDelete},
		{Type: OpCheck},
		{Type: OpSetData, Stat: sampleStat},
		{Type: OpGetChildren, Children: [][]byte{bs("x"), bs("y")}},
		{Type: OpGetData, Data: bs("d"), Stat: sampleStat},
		{Type: OpGetData, DataNull: true, Stat: sampleStat},
		{Type: OpError, Err: ErrNoNode},
		{Type: OpError, Err: ErrOk},
	}
}

func TestMultiResponseRoundTrip(t *testing.T) {
	for _, res := range [][]MultiResult{sampleResults(), nil} {
		enc := AppendMultiResponse(nil, res)
		r := NewReader(enc)
		got, err := DecodeMultiResponse(&r, nil)
		if err != nil || r.Remaining() != 0 || !sameValue(got, res) {
			t.Fatalf("got %+v %v, want %+v", got, err, res)
		}
		if re := AppendMultiResponse(nil, got); !bytes.Equal(re, enc) {
			t.Fatal("re-encoding differs")
		}
		for n := 0; n < len(enc); n++ {
			r := NewReader(enc[:n])
			if got, err := DecodeMultiResponse(&r, nil); err == nil || len(got) != 0 {
				t.Fatalf("prefix %d/%d decoded: %+v", n, len(enc), got)
			}
		}
	}
}

// TestMultiErrorResult checks the exact bytes of a failed multi's results as
// PROTOCOL.md §9 describes them (and ZK 3.8.0 sent them, see testdata).
func TestMultiErrorResult(t *testing.T) {
	var b []byte
	b = AppendMultiError(b, ErrOk)
	b = AppendMultiError(b, ErrNoNode)
	b = AppendMultiError(b, ErrRuntimeInconsistency)
	b = AppendMultiEnd(b)
	want := unhex(t, `ffffffff 00 00000000 00000000
		ffffffff 00 ffffff9b ffffff9b
		ffffffff 00 fffffffe fffffffe
		ffffffff 01 ffffffff`)
	if !bytes.Equal(b, want) {
		t.Fatalf("got  %x\nwant %x", b, want)
	}
}

func TestDecodeMultiResponseRejectsUnknownType(t *testing.T) {
	for _, typ := range []OpCode{OpCreateContainer, OpCreateTTL, OpGetChildren2, OpExists, OpMulti, 0, 99} {
		enc := AppendMultiHeader(nil, typ, false, ErrOk)
		enc = AppendMultiEnd(enc)
		r := NewReader(enc)
		if got, err := DecodeMultiResponse(&r, nil); !errors.Is(err, ErrMultiOp) || len(got) != 0 {
			t.Errorf("result type %v: %v %+v", typ, err, got)
		}
	}
}
