package proto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "", "|", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRecordRoundTrip encodes every sample record, decodes the bytes back
// and requires an equal value that re-encodes to the same bytes.
func TestRecordRoundTrip(t *testing.T) {
	for i, rec := range sampleRecords() {
		t.Run(fmt.Sprintf("%d-%T", i, rec), func(t *testing.T) {
			enc := rec.Append(nil)
			got := checkRoundTrip(t, rec, enc)
			if !sameValue(got, rec) {
				t.Fatalf("decoded %+v, want %+v", got, rec)
			}
			// Appending after existing bytes must not disturb them.
			prefix := []byte("prefix")
			if out := rec.Append(append([]byte(nil), prefix...)); !bytes.Equal(out, append(prefix, enc...)) {
				t.Fatalf("append onto a prefix: got %x", out)
			}
		})
	}
}

// TestRecordTruncated decodes every strict prefix of every sample encoding:
// each must fail, except a Connect record cut right before its optional
// readOnly byte, which is a valid old-client encoding.
func TestRecordTruncated(t *testing.T) {
	for i, rec := range sampleRecords() {
		enc := rec.Append(nil)
		for n := 0; n < len(enc); n++ {
			out := newLike(rec)
			r := NewReader(enc[:n])
			out.Decode(&r)
			optional := n == len(enc)-1 && hasReadOnly(rec)
			if optional {
				if r.Err() != nil {
					t.Errorf("%d %T: without readOnly byte: %v", i, rec, r.Err())
				}
				continue
			}
			if r.Err() == nil {
				t.Errorf("%d %T: prefix %d/%d decoded without error: %+v", i, rec, n, len(enc), out)
			}
		}
	}
}

func hasReadOnly(rec Record) bool {
	switch v := rec.(type) {
	case *ConnectRequest:
		return v.HasReadOnly
	case *ConnectResponse:
		return v.HasReadOnly
	}
	return false
}

// The example of PROTOCOL.md §2: a Java client's new-session ConnectRequest
// with timeout 30000, as a complete frame.
const javaConnectFrame = "0000002d | 00000000 | 0000000000000000 | 00007530 | 0000000000000000 | 00000010 | 00000000000000000000000000000000 | 00"

func TestConnectRequestGolden(t *testing.T) {
	want := unhex(t, javaConnectFrame)
	q := ConnectRequest{Timeout: 30000, Passwd: make([]byte, PasswdLen), HasReadOnly: true}
	b, start := BeginFrame(nil)
	b = q.Append(b)
	b = EndFrame(b, start)
	if !bytes.Equal(b, want) {
		t.Fatalf("got  %x\nwant %x", b, want)
	}
	if len(b)-4 != 45 {
		t.Fatalf("payload %d bytes, want 45", len(b)-4)
	}
	payload, n, err := SplitFrame(b, DefaultMaxBuffer)
	if err != nil || n != len(b) {
		t.Fatalf("SplitFrame: n=%d err=%v", n, err)
	}
	got := decodeAll(t, &q, payload).(*ConnectRequest)
	if !got.HasReadOnly || got.ReadOnly || got.Timeout != 30000 || got.SessionID != 0 || !bytes.Equal(got.Passwd, make([]byte, 16)) {
		t.Fatalf("decoded %+v", got)
	}

	// Without the readOnly byte (go-zookeeper): 44 bytes, HasReadOnly false.
	old := q
	old.HasReadOnly = false
	enc := old.Append(nil)
	if len(enc) != 44 || !bytes.Equal(enc, want[4:48]) {
		t.Fatalf("44-byte form: %x", enc)
	}
	if got := decodeAll(t, &q, enc).(*ConnectRequest); got.HasReadOnly || got.ReadOnly {
		t.Fatalf("44-byte form decoded as %+v", got)
	}

	// Any non-zero readOnly byte reads as true.
	withRO := append(append([]byte(nil), enc...), 7)
	if got := decodeAll(t, &q, withRO).(*ConnectRequest); !got.HasReadOnly || !got.ReadOnly {
		t.Fatalf("readOnly byte 7 decoded as %+v", got)
	}
}

func TestConnectResponseSizes(t *testing.T) {
	p := ConnectResponse{Timeout: 4000, SessionID: 0x0102030405060708, Passwd: bytes.Repeat([]byte{0xee}, 16)}
	enc := p.Append(nil)
	want := unhex(t, "00000000 00000fa0 0102030405060708 00000010 eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee")
	if !bytes.Equal(enc, want) || len(enc) != 36 {
		t.Fatalf("36-byte form: %x", enc)
	}
	p.HasReadOnly = true
	if enc := p.Append(nil); len(enc) != 37 || !bytes.Equal(enc, append(want, 0)) {
		t.Fatalf("37-byte form: %x", enc)
	}
}

func TestStatGolden(t *testing.T) {
	enc := AppendStat(nil, &sampleStat)
	want := unhex(t, `0102030405060708 1112131415161718 2122232425262728 3132333435363738
		41424344 fffffffe 51525354 8123456789abcdf0 61626364 71727374 ffffffffffffffff`)
	if len(enc) != StatSize || StatSize != 68 {
		t.Fatalf("stat is %d bytes", len(enc))
	}
	if !bytes.Equal(enc, want) {
		t.Fatalf("got  %x\nwant %x", enc, want)
	}
	var s Stat
	r := NewReader(enc)
	s.Decode(&r)
	if r.Err() != nil || s != sampleStat {
		t.Fatalf("decoded %+v, %v", s, r.Err())
	}
}

func TestMultiHeaderGolden(t *testing.T) {
	for _, c := range []struct {
		h    MultiHeader
		want string
	}{
		{MultiHeader{OpCreate, false, ErrSystemError}, "00000001 00 ffffffff"},
		{MultiHeader{OpError, true, ErrSystemError}, "ffffffff 01 ffffffff"},
		{MultiHeader{OpError, false, ErrNoNode}, "ffffffff 00 ffffff9b"},
	} {
		enc := c.h.Append(nil)
		if len(enc) != MultiHeaderSize || MultiHeaderSize != 9 || !bytes.Equal(enc, unhex(t, c.want)) {
			t.Errorf("%+v: got %x want %s", c.h, enc, c.want)
		}
	}
	if end := AppendMultiEnd(nil); !bytes.Equal(end, unhex(t, "ffffffff01ffffffff")) {
		t.Errorf("terminator %x", end)
	}
}

// TestNullVersusEmpty checks that null (-1) and empty (0) buffers stay
// distinct in both directions wherever the records keep the distinction.
func TestNullVersusEmpty(t *testing.T) {
	null := AppendGetDataResponse(nil, nil, true, &Stat{})
	empty := AppendGetDataResponse(nil, nil, false, &Stat{})
	if !bytes.Equal(null[:4], []byte{0xff, 0xff, 0xff, 0xff}) || !bytes.Equal(empty[:4], []byte{0, 0, 0, 0}) {
		t.Fatalf("null %x empty %x", null[:4], empty[:4])
	}
	var p GetDataResponse
	r := NewReader(null)
	p.Decode(&r)
	if !p.DataNull || p.Data != nil {
		t.Fatalf("null decoded as %+v", p)
	}
	r = NewReader(empty)
	p.Decode(&r)
	if p.DataNull || p.Data == nil || len(p.Data) != 0 {
		t.Fatalf("empty decoded as %+v", p)
	}

	// Requests keep it too.
	for _, null := range []bool{true, false} {
		c := CreateRequest{Path: bs("/n"), DataNull: null, ACL: OpenACL}
		if got := decodeAll(t, &c, c.Append(nil)).(*CreateRequest); got.DataNull != null {
			t.Errorf("create null=%v decoded as %v", null, got.DataNull)
		}
		s := SetDataRequest{Path: bs("/n"), DataNull: null}
		if got := decodeAll(t, &s, s.Append(nil)).(*SetDataRequest); got.DataNull != null {
			t.Errorf("setData null=%v decoded as %v", null, got.DataNull)
		}
	}

	// ReconfigRequest: nil is null, non-nil empty is "".
	q := ReconfigRequest{LeavingServers: []byte{}}
	enc := q.Append(nil)
	if want := unhex(t, "ffffffff 00000000 ffffffff 0000000000000000"); !bytes.Equal(enc, want) {
		t.Fatalf("reconfig %x", enc)
	}
	got := decodeAll(t, &q, enc).(*ReconfigRequest)
	if got.JoiningServers != nil || got.LeavingServers == nil || got.NewMembers != nil {
		t.Fatalf("reconfig decoded as %+v", got)
	}
}

// TestBadLengths feeds lengths that are negative (other than -1) or larger
// than what remains to every kind of length-prefixed field.
func TestBadLengths(t *testing.T) {
	cases := []struct {
		name string
		rec  Record
		enc  string
		want error
	}{
		{"path -2", &PathWatchRequest{}, "fffffffe 00", ErrBadLength},
		{"path min int32", &PathWatchRequest{}, "80000000 00", ErrBadLength},
		{"path past end", &PathWatchRequest{}, "00000010 2f61 00", ErrShort},
		{"path max int32", &PathRequest{}, "7fffffff 2f", ErrShort},
		{"data -5", &SetDataRequest{}, "00000002 2f61 fffffffb 00000000", ErrBadLength},
		{"data past end", &SetDataRequest{}, "00000002 2f61 00100000 00000000", ErrShort},
		{"acl count -2", &CreateRequest{}, "00000002 2f61 ffffffff fffffffe 00000000", ErrBadLength},
		{"acl count past end", &CreateRequest{}, "00000002 2f61 ffffffff 00001000 00000000", ErrBadLength},
		{"acl count huge", &SetACLRequest{}, "00000002 2f61 7fffffff 00000000", ErrBadLength},
		{"children count -7", &GetChildrenResponse{}, "fffffff9", ErrBadLength},
		{"children name -3", &GetChildrenResponse{}, "00000001 fffffffd", ErrBadLength},
		{"watches count past end", &SetWatches{}, "0000000000000000 00000005 00000000", ErrBadLength},
		{"whoami count -9", &WhoAmIResponse{}, "fffffff7", ErrBadLength},
		{"passwd -2", &ConnectRequest{}, "00000000 0000000000000000 00007530 0000000000000000 fffffffe", ErrBadLength},
	}
	for _, c := range cases {
		r := NewReader(unhex(t, c.enc))
		c.rec.Decode(&r)
		if !errors.Is(r.Err(), c.want) {
			t.Errorf("%s: err %v, want %v", c.name, r.Err(), c.want)
		}
	}
}

// TestNullVectors checks that null vectors (-1) decode as empty, as ZK's
// readers do, and that null ustrings decode as empty paths.
func TestNullVectors(t *testing.T) {
	var c CreateRequest
	r := NewReader(unhex(t, "ffffffff ffffffff ffffffff 00000001"))
	c.Decode(&r)
	if r.Err() != nil || len(c.Path) != 0 || !c.DataNull || len(c.ACL) != 0 || c.Flags != 1 {
		t.Fatalf("decoded %+v, %v", c, r.Err())
	}
	var w SetWatches
	r = NewReader(unhex(t, "0000000000000009 ffffffff 00000001 00000002 2f61 ffffffff"))
	w.Decode(&r)
	if r.Err() != nil || w.RelativeZxid != 9 || len(w.DataWatches) != 0 || len(w.ExistWatches) != 1 ||
		string(w.ExistWatches[0]) != "/a" || len(w.ChildWatches) != 0 {
		t.Fatalf("decoded %+v, %v", w, r.Err())
	}
}

// TestDecodeAliasesFrame checks that decoded byte fields point into the
// frame (no copy), with capacity clipped so appending to one cannot
// overwrite the bytes after it.
func TestDecodeAliasesFrame(t *testing.T) {
	q := SetDataRequest{Path: bs("/x"), Data: bs("abc"), Version: 1}
	enc := q.Append(nil)
	var got SetDataRequest
	r := NewReader(enc)
	got.Decode(&r)
	enc[4] = 'y' // the path's first byte
	if string(got.Path) != "yx" {
		t.Fatalf("path %q does not alias the frame", got.Path)
	}
	if cap(got.Path) != len(got.Path) || cap(got.Data) != len(got.Data) {
		t.Fatalf("capacity not clipped: %d/%d %d/%d", len(got.Path), cap(got.Path), len(got.Data), cap(got.Data))
	}
	_ = append(got.Path, 'z')
	if enc[6] != 0 { // first byte of the data length, must be untouched
		t.Fatalf("append to a decoded field overwrote the frame")
	}
}

// TestRecordDecodeResets checks that decoding into a used record leaves no
// field from the previous value behind.
func TestRecordDecodeResets(t *testing.T) {
	full := ConnectRequest{Timeout: 1, Passwd: bs("0123456789abcdef"), ReadOnly: true, HasReadOnly: true}
	short := ConnectRequest{Timeout: 2, Passwd: bs("fedcba9876543210")}
	r := NewReader(full.Append(nil))
	var q ConnectRequest
	q.Decode(&r)
	r = NewReader(short.Append(nil))
	q.Decode(&r)
	if !sameValue(&q, &short) {
		t.Fatalf("got %+v want %+v", q, short)
	}
	rsp := GetChildrenResponse{Children: [][]byte{bs("a"), bs("b"), bs("c")}}
	var p GetChildrenResponse
	r = NewReader(rsp.Append(nil))
	p.Decode(&r)
	r = NewReader((&GetChildrenResponse{Children: [][]byte{bs("z")}}).Append(nil))
	p.Decode(&r)
	if len(p.Children) != 1 || string(p.Children[0]) != "z" {
		t.Fatalf("children %q", p.Children)
	}
}

// TestACLDecodeSharesCommonStrings checks the allocation-saving interning:
// the common ACL decodes with only the vector allocated.
func TestACLDecodeSharesCommonStrings(t *testing.T) {
	enc := AppendACLs(nil, OpenACL)
	allocs := testing.AllocsPerRun(100, func() {
		r := NewReader(enc)
		acl, _ := ReadACLs(&r)
		if len(acl) != 1 || acl[0] != OpenACL[0] {
			t.Fatalf("decoded %+v", acl)
		}
	})
	if allocs != 1 {
		t.Fatalf("%v allocations decoding OPEN_ACL_UNSAFE, want 1 (the vector)", allocs)
	}
	// An uncommon id still decodes to its own string.
	r := NewReader(AppendACLs(nil, sampleACL))
	acl, null := ReadACLs(&r)
	if null || !sameValue(acl, sampleACL) {
		t.Fatalf("decoded %+v", acl)
	}
}
