package proto

import (
	"encoding/binary"
	"errors"
)

// ErrShort is returned when a record runs past the end of its frame.
var ErrShort = errors.New("proto: record truncated")

// ErrBadLength is returned for a negative (other than -1) or oversized
// buffer, string or vector length.
var ErrBadLength = errors.New("proto: bad length")

// maxVector bounds vector counts while decoding so a hostile count cannot make
// a decoder allocate gigabytes before it notices the frame is too short.
const maxVector = 1 << 20

// Reader decodes jute values from a byte slice in place. The zero value is
// unusable; make one with NewReader. Errors are sticky: after the first
// failure every read returns a zero value and Err reports the failure.
// Byte slices it returns alias the input.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) Reader { return Reader{b: b} }

// Err reports the first decoding error.
func (r *Reader) Err() error { return r.err }

// Remaining is the number of undecoded bytes.
func (r *Reader) Remaining() int { return len(r.b) - r.off }

// Offset is the number of bytes consumed.
func (r *Reader) Offset() int { return r.off }

// Fail records err if no error is recorded yet.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *Reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = ErrShort
		return false
	}
	return true
}

// Int reads a jute int.
func (r *Reader) Int() int32 {
	if !r.need(4) {
		return 0
	}
	v := int32(binary.BigEndian.Uint32(r.b[r.off:]))
	r.off += 4
	return v
}

// Long reads a jute long.
func (r *Reader) Long() int64 {
	if !r.need(8) {
		return 0
	}
	v := int64(binary.BigEndian.Uint64(r.b[r.off:]))
	r.off += 8
	return v
}

// Bool reads a jute boolean (any non-zero byte is true).
func (r *Reader) Bool() bool {
	if !r.need(1) {
		return false
	}
	v := r.b[r.off] != 0
	r.off++
	return v
}

// Buffer reads a jute buffer. A null buffer (length -1) returns (nil, true);
// an empty one returns a non-nil empty slice and false. The slice aliases the
// input.
func (r *Reader) Buffer() (b []byte, null bool) {
	n := r.Int()
	if r.err != nil {
		return nil, false
	}
	if n == -1 {
		return nil, true
	}
	if n < -1 {
		r.err = ErrBadLength
		return nil, false
	}
	if !r.need(int(n)) {
		return nil, false
	}
	b = r.b[r.off : r.off+int(n) : r.off+int(n)]
	r.off += int(n)
	return b, false
}

// Bytes reads a jute buffer or ustring, treating null as empty. The slice
// aliases the input.
func (r *Reader) Bytes() []byte {
	b, _ := r.Buffer()
	return b
}

// String reads a ustring into a newly allocated Go string (null → "").
func (r *Reader) String() string { return string(r.Bytes()) }

// VectorLen reads a vector count. A null vector (-1) returns (0, true).
func (r *Reader) VectorLen() (n int, null bool) {
	c := r.Int()
	if r.err != nil {
		return 0, false
	}
	if c == -1 {
		return 0, true
	}
	// Every element takes at least one byte, so a count larger than what is
	// left cannot be valid.
	if c < -1 || int(c) > maxVector || int(c) > r.Remaining() {
		r.err = ErrBadLength
		return 0, false
	}
	return int(c), false
}

// Strings reads a vector<ustring> into newly allocated strings.
func (r *Reader) Strings() []string {
	n, _ := r.VectorLen()
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.String())
	}
	if r.err != nil {
		return nil
	}
	return out
}

// BytesVector reads a vector<ustring> as byte slices aliasing the input,
// appending them to dst[:0] (pass nil to allocate). A null vector yields an
// empty result. Only the outer slice may allocate.
func (r *Reader) BytesVector(dst [][]byte) [][]byte {
	dst = dst[:0]
	n, _ := r.VectorLen()
	for i := 0; i < n && r.err == nil; i++ {
		dst = append(dst, r.Bytes())
	}
	if r.err != nil {
		return dst[:0]
	}
	return dst
}

// AppendInt appends a jute int.
func AppendInt(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

// AppendLong appends a jute long.
func AppendLong(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

// AppendBool appends a jute boolean.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendBuffer appends a jute buffer; null writes length -1.
func AppendBuffer(b []byte, v []byte, null bool) []byte {
	if null {
		return AppendInt(b, -1)
	}
	b = AppendInt(b, int32(len(v)))
	return append(b, v...)
}

// AppendBytes appends a non-null buffer/ustring from a byte slice.
func AppendBytes(b []byte, v []byte) []byte {
	b = AppendInt(b, int32(len(v)))
	return append(b, v...)
}

// AppendString appends a non-null ustring.
func AppendString(b []byte, s string) []byte {
	b = AppendInt(b, int32(len(s)))
	return append(b, s...)
}

// AppendStrings appends a vector<ustring> (never null).
func AppendStrings(b []byte, v []string) []byte {
	b = AppendInt(b, int32(len(v)))
	for _, s := range v {
		b = AppendString(b, s)
	}
	return b
}

// BeginFrame reserves the 4-byte length prefix of a frame and returns the
// offset to pass to EndFrame.
func BeginFrame(b []byte) ([]byte, int) {
	return append(b, 0, 0, 0, 0), len(b)
}

// EndFrame fills in the length prefix reserved by BeginFrame at start.
func EndFrame(b []byte, start int) []byte {
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

// AppendBytesVector appends a vector<ustring> from byte slices (never null).
func AppendBytesVector(b []byte, v [][]byte) []byte {
	b = AppendInt(b, int32(len(v)))
	for _, s := range v {
		b = AppendBytes(b, s)
	}
	return b
}
