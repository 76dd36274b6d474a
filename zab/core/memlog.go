package core

import (
	"fmt"
	"slices"
	"sort"
)

// MemLog is an in-memory Log for tests and tools. It is not safe for
// concurrent use.
type MemLog struct {
	base int64
	ents []Entry
}

// NewMemLog returns an empty log with base 0.
func NewMemLog() *MemLog { return &MemLog{} }

// Base implements Log.
func (m *MemLog) Base() int64 { return m.base }

// LastZxid implements Log.
func (m *MemLog) LastZxid() int64 {
	if n := len(m.ents); n > 0 {
		return m.ents[n-1].Zxid
	}
	return m.base
}

// Floor implements Log.
func (m *MemLog) Floor(z int64) (int64, error) {
	if z < m.base {
		return 0, ErrCompacted
	}
	i := sort.Search(len(m.ents), func(i int) bool { return m.ents[i].Zxid > z })
	if i == 0 {
		return m.base, nil
	}
	return m.ents[i-1].Zxid, nil
}

// Entries implements Log.
func (m *MemLog) Entries(after int64, max int) ([]Entry, error) {
	if after < m.base {
		return nil, ErrCompacted
	}
	i := sort.Search(len(m.ents), func(i int) bool { return m.ents[i].Zxid > after })
	j := min(len(m.ents), i+max)
	return slices.Clone(m.ents[i:j]), nil
}

// All returns every entry.
func (m *MemLog) All() []Entry { return slices.Clone(m.ents) }

// Append adds entries above the last one.
func (m *MemLog) Append(es []Entry) error {
	last := m.LastZxid()
	for _, e := range es {
		if e.Zxid <= last {
			return fmt.Errorf("memlog: append of %s after %s", FormatZxid(e.Zxid), FormatZxid(last))
		}
		last = e.Zxid
		m.ents = append(m.ents, e)
	}
	return nil
}

// TruncateAfter removes the entries above z.
func (m *MemLog) TruncateAfter(z int64) error {
	if z < m.base {
		return ErrCompacted
	}
	i := sort.Search(len(m.ents), func(i int) bool { return m.ents[i].Zxid > z })
	m.ents = m.ents[:i:i]
	return nil
}

// Reset empties the log and makes it start after base (snapshot install).
func (m *MemLog) Reset(base int64) {
	m.base, m.ents = base, nil
}

// Compact drops the entries at or below z, which becomes the base (purge
// after a snapshot at z). REQUIRES: base <= z <= LastZxid().
func (m *MemLog) Compact(z int64) {
	if z <= m.base {
		return
	}
	i := sort.Search(len(m.ents), func(i int) bool { return m.ents[i].Zxid > z })
	m.ents = slices.Clone(m.ents[i:])
	m.base = z
}

// Clone returns an independent copy.
func (m *MemLog) Clone() *MemLog {
	return &MemLog{base: m.base, ents: slices.Clone(m.ents)}
}

// Persist performs rd's log operations (install, truncate, append). The
// caller keeps the HardState and the snapshot body itself.
func (m *MemLog) Persist(rd *Ready) error {
	if rd.Install != nil {
		m.Reset(rd.Install.Zxid)
	}
	if rd.Truncate {
		if err := m.TruncateAfter(rd.TruncateAfter); err != nil {
			return err
		}
	}
	return m.Append(rd.Entries)
}
