package zab

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/zen-coord/zen/zab/core"
)

// Wire format of the peer transport. All integers are big-endian.
//
// Hello, dialer → acceptor, first thing on a new connection (21 bytes):
//
//	magic "ZENP" (4) | version (1) | sender id (8) | target id (8)
//
// The acceptor checks the magic, the version, that the target id is its own
// and that the sender is a known peer; if anything is wrong it logs why and
// closes the connection. Otherwise it answers with a hello of its own
// (sender = the acceptor, target = the dialer), which the dialer checks the
// same way; only then does the dialer count itself connected and start
// writing frames. After the handshake the connection carries frames in one
// direction only (dialer → acceptor); the acceptor never writes again.
//
// Frame:
//
//	length (4) | kind (1) | body (length-1)
//
// length counts every byte after itself (kind and body) and must be in
// [1, MaxFrame]. Kinds:
//
//	1 (message):            body = core.Message encoding (Message.AppendBinary)
//	2 (message + snapshot): body = message length (4) | message | snapshot body
//
// A frame that breaks any rule (length, kind, a message that does not
// decode, a message whose From is not the hello's sender or whose To is not
// the receiver) closes that connection.

const (
	helloMagic   = "ZENP"
	protoVersion = 1
	helloLen     = 4 + 1 + 8 + 8

	frameMsg  byte = 1
	frameSnap byte = 2

	frameHdrLen = 4 + 1 // length and kind
	snapHdrLen  = 4     // message length inside a kind-2 body

	// readChunk is the first allocation when reading a body larger than the
	// scratch buffer; the buffer then doubles as bytes arrive, so a length
	// announced by a peer commits memory only as its bytes show up.
	readChunk = 1 << 20
	// readScratchMax bounds the message scratch buffer a reader keeps between
	// frames.
	readScratchMax = 4 << 20
)

// Errors of the wire format.
var (
	errBadHello   = errors.New("bad hello")
	errFrameSize  = errors.New("frame length out of range")
	errFrameKind  = errors.New("unknown frame kind")
	errFrameShort = errors.New("snapshot frame shorter than its message")

	errAddrChanged = errors.New("address changed")
)

func appendHello(b []byte, from, to int64) []byte {
	b = append(b, helloMagic...)
	b = append(b, protoVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(from))
	return binary.BigEndian.AppendUint64(b, uint64(to))
}

// parseHello decodes a hello of helloLen bytes.
func parseHello(b []byte) (from, to int64, err error) {
	if len(b) != helloLen || string(b[:4]) != helloMagic {
		return 0, 0, fmt.Errorf("%w: magic %q", errBadHello, b[:min(len(b), 4)])
	}
	if b[4] != protoVersion {
		return 0, 0, fmt.Errorf("%w: protocol version %d, want %d", errBadHello, b[4], protoVersion)
	}
	return int64(binary.BigEndian.Uint64(b[5:13])), int64(binary.BigEndian.Uint64(b[13:21])), nil
}

// frameSizeHint guesses the encoded size of m's frame header and message,
// so that encoding mostly needs one allocation.
func frameSizeHint(m *core.Message) int {
	n := frameHdrLen + snapHdrLen + 64 + len(m.Payload)
	for _, e := range m.Entries {
		n += len(e.Data) + 12
	}
	return n
}

// appendFrame appends the frame carrying m to b. With snap != nil the frame
// is a kind-2 frame whose snapshot body is snap: it is not copied, it
// follows the returned bytes on the wire. It returns the frame's length
// field (the bytes after it, snapshot included).
func appendFrame(b []byte, m *core.Message, snap []byte) ([]byte, uint64, error) {
	start := len(b)
	b = append(b, 0, 0, 0, 0, frameMsg)
	if snap != nil {
		b[start+4] = frameSnap
		b = append(b, 0, 0, 0, 0)
	}
	msgStart := len(b)
	b, err := m.AppendBinary(b)
	if err != nil {
		return b[:start], 0, err
	}
	msgLen := len(b) - msgStart
	n := uint64(len(b)-start-4) + uint64(len(snap))
	if n > 1<<32-1 || uint64(msgLen) > 1<<32-1 {
		return b[:start], n, errFrameSize
	}
	binary.BigEndian.PutUint32(b[start:], uint32(n))
	if snap != nil {
		binary.BigEndian.PutUint32(b[start+frameHdrLen:], uint32(msgLen))
	}
	return b, n, nil
}

// frameReader decodes the frames of one connection.
type frameReader struct {
	r        *bufio.Reader
	maxFrame int
	hdr      [frameHdrLen]byte
	scratch  []byte // message bytes; reused (UnmarshalBinary copies)
}

// next reads one frame and returns its message (Snapshot set to the body
// when the frame carries one) and the frame's size on the wire. It returns
// io.EOF when the stream ends cleanly between frames.
func (fr *frameReader) next() (m core.Message, wire int, err error) {
	if _, err = io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		return m, 0, err
	}
	n := binary.BigEndian.Uint32(fr.hdr[:4])
	if n < 1 || uint64(n) > uint64(fr.maxFrame) {
		return m, 0, fmt.Errorf("%w: %d (max %d)", errFrameSize, n, fr.maxFrame)
	}
	body := int(n) - 1
	var snap []byte
	switch fr.hdr[4] {
	case frameMsg:
		if fr.scratch, err = readGrow(fr.r, fr.scratch, body); err != nil {
			return m, 0, midFrameEOF(err)
		}
	case frameSnap:
		if body < snapHdrLen {
			return m, 0, errFrameShort
		}
		if _, err = io.ReadFull(fr.r, fr.hdr[:snapHdrLen]); err != nil {
			return m, 0, midFrameEOF(err)
		}
		ml := binary.BigEndian.Uint32(fr.hdr[:snapHdrLen])
		if uint64(ml) > uint64(body-snapHdrLen) {
			return m, 0, fmt.Errorf("%w: message %d bytes, frame body %d", errFrameShort, ml, body)
		}
		if fr.scratch, err = readGrow(fr.r, fr.scratch, int(ml)); err != nil {
			return m, 0, midFrameEOF(err)
		}
		if snap, err = readGrow(fr.r, nil, body-snapHdrLen-int(ml)); err != nil {
			return m, 0, midFrameEOF(err)
		}
		if snap == nil {
			snap = []byte{}
		}
	default:
		return m, 0, fmt.Errorf("%w: %d", errFrameKind, fr.hdr[4])
	}
	err = m.UnmarshalBinary(fr.scratch)
	if cap(fr.scratch) > readScratchMax {
		fr.scratch = nil
	}
	if err != nil {
		return core.Message{}, 0, err
	}
	if snap != nil {
		m.Snapshot = snap
	}
	return m, 4 + int(n), nil
}

// readGrow reads exactly n bytes into buf (reused when large enough). A
// buffer it must grow starts at readChunk and doubles as bytes arrive.
func readGrow(r io.Reader, buf []byte, n int) ([]byte, error) {
	if n <= cap(buf) {
		buf = buf[:n]
		_, err := io.ReadFull(r, buf)
		return buf, err
	}
	buf = buf[:0]
	for have := 0; have < n; {
		next := min(n, max(2*have, readChunk))
		buf = slices.Grow(buf[:have], next-have)[:next]
		if _, err := io.ReadFull(r, buf[have:next]); err != nil {
			return buf[:0], err
		}
		have = next
	}
	return buf, nil
}

// midFrameEOF turns an end of stream inside a frame into io.ErrUnexpectedEOF.
func midFrameEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
