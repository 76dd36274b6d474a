package tree

import (
	"sort"
	"strconv"
	"strings"
)

// Quotas, as ZooKeeper 3.8 keeps them (without enforcement):
//
// A path P is a quota root while the node /zookeeper/quota<P>/zookeeper_limits
// exists. For every create, delete and setData at a path whose longest
// quota-root prefix is P (P = "/" never counts), the node
// /zookeeper/quota<P>/zookeeper_stats has its count and bytes adjusted in
// place: its data changes, its version, mzxid and watches do not. Creating
// a zookeeper_stats node recomputes that root's totals over its subtree
// (the root counts itself). Stats data is text like "count=3,bytes=8",
// written with ZK's StatsTrack rules (see formatStats). After a restart ZK
// recomputes every root from scratch; RecomputeQuotas does the same.
//
// The quota roots are applier-owned. Apply locks the stripe of every stats
// node a txn may adjust, and every stripe for txns that touch
// /zookeeper/quota itself (a recompute reads a whole subtree).

const (
	quotaPrefix = "/zookeeper/quota"
	limitNode   = "zookeeper_limits"
	statNode    = "zookeeper_stats"
)

// underQuotaTree reports whether path lies in /zookeeper/quota.
func underQuotaTree(path string) bool {
	return path == quotaPrefix || strings.HasPrefix(path, quotaPrefix+"/")
}

// statPath is the stats node of quota root p.
func statPath(p string) string { return quotaPrefix + p + "/" + statNode }

// quotaRootOf returns the longest quota root that is path itself or one of
// its ancestors, excluding "/" (ZK's getMaxPrefixWithQuota).
func (t *Tree) quotaRootOf(path string) (string, bool) {
	if len(t.quotas) == 0 {
		return "", false
	}
	for p := path; p != "/" && p != ""; {
		if _, ok := t.quotas[p]; ok {
			return p, true
		}
		parent, _, ok := splitPath(p)
		if !ok {
			break
		}
		p = parent
	}
	return "", false
}

// quotaMask adds the stripes a change at path may touch through quotas.
func (t *Tree) quotaMask(path string) uint64 {
	if underQuotaTree(path) {
		return ^uint64(0)
	}
	if root, ok := t.quotaRootOf(path); ok {
		return uint64(1) << t.stripeIndex(statPath(root))
	}
	return 0
}

// quotaCreated is applyCreate's hook for a node that came into existence.
// REQUIRES: the stripes from quotaMask locked.
func (t *Tree) quotaCreated(n *node, parent string) {
	if underQuotaTree(parent) {
		_, name, _ := splitPath(n.path)
		root := strings.TrimPrefix(parent, quotaPrefix)
		switch name {
		case limitNode:
			if t.quotas == nil {
				t.quotas = make(map[string]struct{})
			}
			t.quotas[root] = struct{}{}
		case statNode:
			t.recomputeQuota(root)
		}
	}
	if root, ok := t.quotaRootOf(n.path); ok {
		t.adjustQuota(root, int64(len(n.data)), 1)
	}
}

// quotaDeleted is applyDelete's hook for a node that was removed.
func (t *Tree) quotaDeleted(n *node, parent string) {
	if underQuotaTree(parent) {
		if _, name, _ := splitPath(n.path); name == limitNode {
			delete(t.quotas, strings.TrimPrefix(parent, quotaPrefix))
		}
	}
	if root, ok := t.quotaRootOf(n.path); ok {
		t.adjustQuota(root, -int64(len(n.data)), -1)
	}
}

// quotaDataChanged is applySetData's hook.
func (t *Tree) quotaDataChanged(path string, oldLen, newLen int) {
	if root, ok := t.quotaRootOf(path); ok {
		t.adjustQuota(root, int64(newLen-oldLen), 0)
	}
}

// adjustQuota is ZK's updateQuotaStat.
// REQUIRES: the stats node's stripe write-locked.
func (t *Tree) adjustQuota(root string, bytes, count int64) {
	sn := t.lookupLocked(statPath(root))
	if sn == nil {
		return // ZK logs "Missing node for stat" and goes on
	}
	st := parseStats(string(sn.data))
	st.set("count", st.get("count")+count)
	st.set("bytes", st.get("bytes")+bytes)
	t.setStatData(sn, st.format())
}

// recomputeQuota is ZK's updateQuotaForPath: the subtree's node count and
// data bytes, written as a fresh StatsTrack.
// REQUIRES: every stripe locked.
func (t *Tree) recomputeQuota(root string) {
	sn := t.lookupLocked(statPath(root))
	if sn == nil {
		return
	}
	var count, bytes int64
	var walk func(p string)
	walk = func(p string) {
		n := t.lookupLocked(p)
		if n == nil {
			return
		}
		count++
		bytes += int64(len(n.data))
		for name := range n.children {
			if p == "/" {
				walk("/" + name)
			} else {
				walk(p + "/" + name)
			}
		}
	}
	walk(root)
	st := stats{}
	st.set("bytes", bytes)
	st.set("count", count)
	t.setStatData(sn, st.format())
}

// setStatData replaces a stats node's data without a version change.
func (t *Tree) setStatData(n *node, s string) {
	d := []byte(s)
	t.dataSize.Add(int64(len(d) - len(n.data)))
	n.data, n.null = d, false
}

// RecomputeQuotas rebuilds the quota roots from the zookeeper_limits nodes
// and recomputes every root's stats, as ZK does at startup. Call it after
// recovery (snapshot load and log replay), before serving.
func (t *Tree) RecomputeQuotas() {
	t.lockMask(^uint64(0))
	defer t.unlockMask(^uint64(0))
	t.quotas = nil
	var roots []string
	var walk func(p string)
	walk = func(p string) {
		n := t.lookupLocked(p)
		if n == nil {
			return
		}
		for name := range n.children {
			child := p + "/" + name
			if name == limitNode {
				roots = append(roots, strings.TrimPrefix(p, quotaPrefix))
				continue
			}
			walk(child)
		}
	}
	walk(quotaPrefix)
	sort.Strings(roots)
	for _, r := range roots {
		if t.quotas == nil {
			t.quotas = make(map[string]struct{})
		}
		t.quotas[r] = struct{}{}
	}
	for _, r := range roots {
		t.recomputeQuota(r)
	}
}

// stats is ZK's StatsTrack: a map of long values read from "k=v" pairs
// separated by ',' or ';'.
type stats struct {
	keys []string
	vals map[string]int64
}

// parseStats reads StatsTrack text. A value that is empty reads as -1; one
// that is not a number makes ZK throw, which leaves the stats unchanged —
// here it reads as -1 too (such data can only come from a client writing
// the stats node by hand).
func parseStats(s string) stats {
	st := stats{}
	for _, pair := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		// Java's pair.split("="): trailing empty parts are dropped, so
		// "bytes=2=" (which ZK's own format can produce) reads as 2.
		kv := strings.Split(pair, "=")
		for len(kv) > 1 && kv[len(kv)-1] == "" {
			kv = kv[:len(kv)-1]
		}
		k, v := kv[0], ""
		if len(kv) > 1 {
			v = kv[1]
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if v == "" || err != nil {
			n = -1
		}
		st.set(k, n)
	}
	return st
}

func (s *stats) get(k string) int64 {
	if v, ok := s.vals[k]; ok {
		return v
	}
	return -1
}

func (s *stats) set(k string, v int64) {
	if s.vals == nil {
		s.vals = make(map[string]int64)
	}
	if _, ok := s.vals[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.vals[k] = v
}

// format is StatsTrack.toString: "count=N,bytes=M", then — when other keys
// exist — "=" followed by ";k=v" for each of them in sorted order (the stray
// "=" is ZK's).
func (s *stats) format() string {
	var b strings.Builder
	b.WriteString("count=")
	b.WriteString(strconv.FormatInt(s.get("count"), 10))
	b.WriteString(",bytes=")
	b.WriteString(strconv.FormatInt(s.get("bytes"), 10))
	var rest []string
	for _, k := range s.keys {
		if k != "count" && k != "bytes" {
			rest = append(rest, k)
		}
	}
	if len(rest) > 0 {
		sort.Strings(rest)
		b.WriteString("=")
		for _, k := range rest {
			b.WriteString(";")
			b.WriteString(k)
			b.WriteString("=")
			b.WriteString(strconv.FormatInt(s.vals[k], 10))
		}
	}
	return b.String()
}
