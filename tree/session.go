package tree

import (
	"slices"
	"strings"

	"github.com/zen-coord/zen/proto"
)

// session is one entry of the session table.
type session struct {
	timeout  int32
	lastZxid int64 // zxid of the createSession that made it (replay gate)
}

// SessionInfo describes one session.
type SessionInfo struct {
	ID      int64
	Timeout int32
}

// indexAddLocked records n in the ephemeral, container or TTL index.
// REQUIRES: idxMu held (or the tree not yet shared).
func (t *Tree) indexAddLocked(n *node) {
	switch {
	case proto.IsSessionOwner(n.owner):
		set := t.ephemerals[n.owner]
		if set == nil {
			set = make(map[string]struct{})
			t.ephemerals[n.owner] = set
		}
		set[n.path] = struct{}{}
		t.ephCount.Add(1)
	case n.owner == proto.OwnerContainer:
		t.containers[n.path] = struct{}{}
	case proto.IsTTLOwner(n.owner):
		t.ttls[n.path] = struct{}{}
	}
}

// indexRemoveLocked undoes indexAddLocked.
// REQUIRES: idxMu held.
func (t *Tree) indexRemoveLocked(n *node) {
	switch {
	case proto.IsSessionOwner(n.owner):
		set := t.ephemerals[n.owner]
		if _, ok := set[n.path]; !ok {
			return
		}
		delete(set, n.path)
		if len(set) == 0 {
			delete(t.ephemerals, n.owner)
		}
		t.ephCount.Add(-1)
	case n.owner == proto.OwnerContainer:
		delete(t.containers, n.path)
	case proto.IsTTLOwner(n.owner):
		delete(t.ttls, n.path)
	}
}

// indexed reports whether a node with this owner lives in an index (and so
// needs idxMu to be created or deleted).
func indexed(owner int64) bool { return owner != 0 }

// Session returns the negotiated timeout of a live session.
func (t *Tree) Session(id int64) (timeout int32, ok bool) {
	t.idxMu.RLock()
	s, ok := t.sessions[id]
	t.idxMu.RUnlock()
	return s.timeout, ok
}

// Sessions lists every session, sorted by ID.
func (t *Tree) Sessions() []SessionInfo {
	t.idxMu.RLock()
	out := make([]SessionInfo, 0, len(t.sessions))
	for id, s := range t.sessions {
		out = append(out, SessionInfo{ID: id, Timeout: s.timeout})
	}
	t.idxMu.RUnlock()
	slices.SortFunc(out, func(a, b SessionInfo) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// SessionEphemerals returns the full paths of the session's ephemeral nodes,
// sorted.
func (t *Tree) SessionEphemerals(session int64) []string {
	return t.Ephemerals(session, "")
}

// Ephemerals returns the session's ephemeral paths that start with prefix
// (a plain string prefix, as getEphemerals does; a blank prefix or "/"
// selects all), sorted.
func (t *Tree) Ephemerals(session int64, prefix string) []string {
	if p := strings.TrimSpace(prefix); p == "" || p == "/" {
		prefix = ""
	}
	t.idxMu.RLock()
	set := t.ephemerals[session]
	out := make([]string, 0, len(set))
	for p := range set {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	t.idxMu.RUnlock()
	slices.Sort(out)
	return out
}

// ReapCandidates returns up to limit (≤ 0: no limit) paths the container
// reaper should delete, sorted: containers with no children that have had
// at least one child, and TTL nodes with no children whose mtime is more
// than their TTL before now (ms since the epoch).
func (t *Tree) ReapCandidates(now int64, limit int) []string {
	t.idxMu.RLock()
	paths := make([]string, 0, len(t.containers)+len(t.ttls))
	for p := range t.containers {
		paths = append(paths, p)
	}
	for p := range t.ttls {
		paths = append(paths, p)
	}
	t.idxMu.RUnlock()
	slices.Sort(paths)

	out := paths[:0]
	for _, p := range paths {
		if limit > 0 && len(out) >= limit {
			break
		}
		s := t.stripeOf(p)
		s.mu.RLock()
		n := s.nodes[p]
		reap := false
		if n != nil && len(n.children) == 0 {
			switch {
			case n.owner == proto.OwnerContainer:
				reap = n.childCreates > 0
			case proto.IsTTLOwner(n.owner):
				reap = now-n.mtime > proto.TTLOf(n.owner)
			}
		}
		s.mu.RUnlock()
		if reap {
			out = append(out, p)
		}
	}
	return slices.Clip(out)
}
