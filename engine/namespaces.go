package engine

import (
	"sort"
	"sync"
	"sync/atomic"
)

// nsStats are ZooKeeper's per-namespace read/write summaries (mntr's
// zk_{avg,cnt,min,max,sum}_<ns>_{read,write}_per_namespace): bytes read or
// written under each top-level znode, one summary per namespace that has
// seen traffic.
type nsStats struct {
	cnt, sum, min, max atomic.Int64
}

func (s *nsStats) add(n int64) {
	if s.cnt.Add(1) == 1 {
		s.min.Store(n)
	}
	s.sum.Add(n)
	for {
		cur := s.min.Load()
		if cur <= n || s.min.CompareAndSwap(cur, n) {
			break
		}
	}
	for {
		cur := s.max.Load()
		if cur >= n || s.max.CompareAndSwap(cur, n) {
			break
		}
	}
}

// namespaceStats maps a namespace to its summary. Lookups are lock-free and
// allocation-free (a copy-on-write map behind an atomic pointer); adding a
// namespace, which happens once per namespace, copies the map.
type namespaceStats struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string]*nsStats]
}

// topNamespace is ZK's PathUtils.getTopNamespace: the first component of
// an absolute path ("" for "/" and for paths without one).
func topNamespace(path string) string {
	if len(path) < 2 || path[0] != '/' {
		return ""
	}
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			return path[1:i]
		}
	}
	return path[1:]
}

// record adds n bytes of traffic on path's namespace.
func (ns *namespaceStats) record(path string, n int64) {
	key := topNamespace(path)
	if key == "" {
		return
	}
	if m := ns.m.Load(); m != nil {
		if s := (*m)[key]; s != nil {
			s.add(n)
			return
		}
	}
	ns.mu.Lock()
	old := ns.m.Load()
	var s *nsStats
	if old != nil {
		s = (*old)[key]
	}
	if s == nil {
		next := make(map[string]*nsStats, 1)
		if old != nil {
			for k, v := range *old {
				next[k] = v
			}
		}
		s = &nsStats{}
		next[string([]byte(key))] = s // key may alias a request buffer
		ns.m.Store(&next)
	}
	ns.mu.Unlock()
	s.add(n)
}

// each calls fn for every namespace in name order.
func (ns *namespaceStats) each(fn func(name string, s *nsStats)) {
	m := ns.m.Load()
	if m == nil {
		return
	}
	names := make([]string, 0, len(*m))
	for k := range *m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fn(k, (*m)[k])
	}
}
