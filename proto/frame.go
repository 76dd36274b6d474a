package proto

import (
	"encoding/binary"
	"errors"
)

// ErrFrameLength is returned by SplitFrame for a length prefix that is
// negative or larger than the allowed maximum. The peer is broken or hostile;
// ZooKeeper closes the connection without a reply.
var ErrFrameLength = errors.New("proto: bad frame length")

// FrameHeaderSize is the size of the length prefix in front of every frame.
const FrameHeaderSize = 4

// SplitFrame extracts the first frame of b. With fewer than 4 bytes, or an
// incomplete frame, it returns (nil, 0, nil): read more and call again. A
// length prefix < 0 or > max returns ErrFrameLength, decided from the prefix
// alone so nothing is buffered for a frame that will be refused. Otherwise it
// returns the payload (aliasing b, capacity clipped to the payload) and
// n = 4 + len(payload), the number of bytes to consume.
func SplitFrame(b []byte, max int) (payload []byte, n int, err error) {
	if len(b) < FrameHeaderSize {
		return nil, 0, nil
	}
	l := int64(int32(binary.BigEndian.Uint32(b)))
	if l < 0 || l > int64(max) {
		return nil, 0, ErrFrameLength
	}
	if l > int64(len(b)-FrameHeaderSize) {
		return nil, 0, nil
	}
	end := FrameHeaderSize + int(l)
	return b[FrameHeaderSize:end:end], end, nil
}

// RequestHeaderSize is the encoded size of a RequestHeader.
const RequestHeaderSize = 8

// Decode reads a RequestHeader.
func (h *RequestHeader) Decode(r *Reader) {
	h.Xid = r.Int()
	h.Type = OpCode(r.Int())
}

// Append appends h.
func (h *RequestHeader) Append(b []byte) []byte { return AppendRequestHeader(b, h.Xid, h.Type) }

// AppendRequestHeader appends RequestHeader{xid, op}.
func AppendRequestHeader(b []byte, xid int32, op OpCode) []byte {
	b = AppendInt(b, xid)
	return AppendInt(b, int32(op))
}

// DecodeRequestHeader splits a request payload (a frame without its length
// prefix, not the ConnectRequest) into its header and the request record
// that follows, which aliases payload.
func DecodeRequestHeader(payload []byte) (RequestHeader, []byte, error) {
	if len(payload) < RequestHeaderSize {
		return RequestHeader{}, nil, ErrShort
	}
	r := NewReader(payload)
	var h RequestHeader
	h.Decode(&r)
	return h, payload[RequestHeaderSize:], nil
}

// ReplyHeader precedes every reply after the handshake and every watch
// notification (Xid = XidNotification).
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  Err
}

// Decode reads a ReplyHeader.
func (h *ReplyHeader) Decode(r *Reader) {
	h.Xid = r.Int()
	h.Zxid = r.Long()
	h.Err = Err(r.Int())
}

// Append appends h.
func (h *ReplyHeader) Append(b []byte) []byte { return AppendReplyHeader(b, h.Xid, h.Zxid, h.Err) }

// DecodeReplyHeader splits a reply payload into its header and the response
// record that follows (aliasing payload; empty when the reply has no body,
// which is always the case when Err != ErrOk).
func DecodeReplyHeader(payload []byte) (ReplyHeader, []byte, error) {
	if len(payload) < ReplyHeaderSize {
		return ReplyHeader{}, nil, ErrShort
	}
	r := NewReader(payload)
	var h ReplyHeader
	h.Decode(&r)
	return h, payload[ReplyHeaderSize:], nil
}
