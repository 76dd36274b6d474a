package core

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Wire encoding of a Message (everything but Snapshot), for drivers that
// have no encoding of their own. Layout: a version byte (1), Type, Flags,
// State, then the integer fields as varints (From, To, Conn, Seq, Round,
// Vote.Leader, Vote.Zxid, Vote.Epoch, Epoch, CurrentEpoch, Zxid, Commit),
// the entry count and each entry (zxid, length, data), and the payload
// (length, data). Framing is the transport's job.

const codecVersion = 1

// ErrBadMessage reports an undecodable message.
var ErrBadMessage = errors.New("zab/core: malformed message")

// AppendBinary appends m's encoding to b.
func (m *Message) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, codecVersion, byte(m.Type), m.Flags, byte(m.State))
	b = binary.AppendVarint(b, m.From)
	b = binary.AppendVarint(b, m.To)
	b = binary.AppendUvarint(b, m.Conn)
	b = binary.AppendUvarint(b, m.Seq)
	b = binary.AppendUvarint(b, m.Round)
	b = binary.AppendVarint(b, m.Vote.Leader)
	b = binary.AppendVarint(b, m.Vote.Zxid)
	b = binary.AppendVarint(b, m.Vote.Epoch)
	b = binary.AppendVarint(b, m.Epoch)
	b = binary.AppendVarint(b, m.CurrentEpoch)
	b = binary.AppendVarint(b, m.Zxid)
	b = binary.AppendVarint(b, m.Commit)
	b = binary.AppendUvarint(b, uint64(len(m.Entries)))
	for _, e := range m.Entries {
		b = binary.AppendVarint(b, e.Zxid)
		b = binary.AppendUvarint(b, uint64(len(e.Data)))
		b = append(b, e.Data...)
	}
	b = binary.AppendUvarint(b, uint64(len(m.Payload)))
	b = append(b, m.Payload...)
	return b, nil
}

// MarshalBinary encodes m.
func (m *Message) MarshalBinary() ([]byte, error) { return m.AppendBinary(nil) }

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = ErrBadMessage
	}
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

// length reads a length that must fit in what is left of the input.
func (d *decoder) length() int {
	v := d.uvarint()
	if v > uint64(len(d.b)) {
		d.fail()
		d.b = nil
		return 0
	}
	return int(v)
}

// UnmarshalBinary decodes b into m. Entry data and the payload are copied
// (into one allocation), so b may be reused afterwards.
func (m *Message) UnmarshalBinary(b []byte) error {
	if len(b) < 4 || b[0] != codecVersion {
		return fmt.Errorf("%w: bad header", ErrBadMessage)
	}
	*m = Message{Type: MsgType(b[1]), Flags: b[2], State: Role(b[3])}
	if m.Type == 0 || m.Type >= msgTypeEnd || m.State > Observing {
		return fmt.Errorf("%w: type %d state %d", ErrBadMessage, b[1], b[3])
	}
	// Entry data and payload live in one copy of the input's tail.
	d := &decoder{b: append([]byte(nil), b[4:]...)}
	m.From = d.varint()
	m.To = d.varint()
	m.Conn = d.uvarint()
	m.Seq = d.uvarint()
	m.Round = d.uvarint()
	m.Vote.Leader = d.varint()
	m.Vote.Zxid = d.varint()
	m.Vote.Epoch = d.varint()
	m.Epoch = d.varint()
	m.CurrentEpoch = d.varint()
	m.Zxid = d.varint()
	m.Commit = d.varint()
	if n := d.length(); n > 0 { // each entry takes at least 2 bytes
		m.Entries = make([]Entry, 0, min(n, len(d.b)/2+1))
		for i := 0; i < n && d.err == nil; i++ {
			z := d.varint()
			l := d.length()
			if d.err != nil {
				break
			}
			m.Entries = append(m.Entries, Entry{Zxid: z, Data: d.b[:l:l]})
			d.b = d.b[l:]
		}
	}
	if l := d.length(); d.err == nil && l > 0 {
		m.Payload = d.b[:l:l]
		d.b = d.b[l:]
	}
	if d.err == nil && len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrBadMessage, len(d.b))
	}
	return d.err
}
