package core

import (
	"bytes"
	"reflect"
	"testing"
)

func sampleMessages() []Message {
	return []Message{
		{Type: MsgVote, From: 1, To: 2, Round: 7, State: Looking, Vote: Vote{Leader: 3, Zxid: MakeZxid(2, 9), Epoch: 2}},
		{Type: MsgLearnerInfo, From: 2, To: 3, Conn: 1<<63 | 5, Seq: 1, Epoch: 4, Zxid: MakeZxid(4, 1), Commit: 3, Flags: FlagObserver},
		{Type: MsgAckEpoch, From: 2, To: 3, Conn: 9, Seq: 2, Epoch: 5, CurrentEpoch: 4, Zxid: -1, Flags: FlagFresh},
		{Type: MsgProposal, From: 3, To: 2, Conn: 9, Seq: 3, Epoch: 5, Entries: []Entry{
			{Zxid: MakeZxid(5, 1), Data: []byte("a")}, {Zxid: MakeZxid(5, 2), Data: []byte{}}, {Zxid: MakeZxid(5, 3), Data: bytes.Repeat([]byte{0xff}, 300)}}},
		{Type: MsgApp, From: 3, To: 2, Conn: 9, Seq: 4, Epoch: 5, Commit: MakeZxid(5, 2), Payload: []byte("sync")},
		{Type: MsgReset, From: 3, To: 2, Conn: 9},
	}
}

// normalize makes empty slices nil, as decoding produces them.
func normalize(m Message) Message {
	if len(m.Payload) == 0 {
		m.Payload = nil
	}
	if len(m.Entries) == 0 {
		m.Entries = nil
	}
	for i := range m.Entries {
		if len(m.Entries[i].Data) == 0 {
			m.Entries[i].Data = nil
		}
	}
	return m
}

func TestCodecRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Message
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("%v: %v", m.Type, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(m)) {
			t.Fatalf("round trip of %v:\n got %+v\nwant %+v", m.Type, got, m)
		}
		// The decoded message must not alias the input.
		for i := range b {
			b[i] = 0
		}
		if !reflect.DeepEqual(normalize(got), normalize(m)) {
			t.Fatalf("%v: decoded message aliases its input", m.Type)
		}
		// Every truncation fails cleanly.
		for k := 0; k < len(b); k++ {
			b2, _ := m.MarshalBinary()
			var x Message
			if err := x.UnmarshalBinary(b2[:k]); err == nil {
				t.Fatalf("%v: truncated to %d bytes decoded", m.Type, k)
			}
		}
	}
}

func FuzzCodec(f *testing.F) {
	for _, m := range sampleMessages() {
		b, _ := m.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if err := m.UnmarshalBinary(b); err != nil {
			return
		}
		b2, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var m2 Message
		if err := m2.UnmarshalBinary(b2); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(normalize(m), normalize(m2)) {
			t.Fatalf("unstable round trip:\n%+v\n%+v", m, m2)
		}
	})
}
