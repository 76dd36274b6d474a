package tree

// ixmap is a small insertion-ordered map: a slice, plus a hash index once it
// grows past ixIndexAbove entries. Most watch sets hold one or two entries,
// for which a Go map would cost far more memory than the entries themselves.
// Removal swaps the last entry into the hole, so order is not stable.
type ixmap[K comparable, V any] struct {
	ents []kv[K, V]
	idx  map[K]int32 // nil while small
}

type kv[K comparable, V any] struct {
	k K
	v V
}

const ixIndexAbove = 16

func (m *ixmap[K, V]) len() int { return len(m.ents) }

// find returns the position of k, or -1.
func (m *ixmap[K, V]) find(k K) int {
	if m.idx != nil {
		if i, ok := m.idx[k]; ok {
			return int(i)
		}
		return -1
	}
	for i := range m.ents {
		if m.ents[i].k == k {
			return i
		}
	}
	return -1
}

// put returns k's entry, adding it with the zero value if absent.
func (m *ixmap[K, V]) put(k K) (e *kv[K, V], added bool) {
	if i := m.find(k); i >= 0 {
		return &m.ents[i], false
	}
	m.ents = append(m.ents, kv[K, V]{k: k})
	n := len(m.ents)
	switch {
	case m.idx != nil:
		m.idx[k] = int32(n - 1)
	case n > ixIndexAbove:
		m.idx = make(map[K]int32, 2*n)
		for i := range m.ents {
			m.idx[m.ents[i].k] = int32(i)
		}
	}
	return &m.ents[n-1], true
}

// removeAt deletes the entry at position i; the last entry moves into i.
func (m *ixmap[K, V]) removeAt(i int) {
	last := len(m.ents) - 1
	if m.idx != nil {
		delete(m.idx, m.ents[i].k)
	}
	if i != last {
		m.ents[i] = m.ents[last]
		if m.idx != nil {
			m.idx[m.ents[i].k] = int32(i)
		}
	}
	m.ents[last] = kv[K, V]{}
	m.ents = m.ents[:last]
	if m.idx != nil && last <= ixIndexAbove/2 {
		m.idx = nil
	}
	if last == 0 {
		m.ents = nil
	}
}

// remove deletes k if present and reports whether it was.
func (m *ixmap[K, V]) remove(k K) bool {
	i := m.find(k)
	if i < 0 {
		return false
	}
	m.removeAt(i)
	return true
}
