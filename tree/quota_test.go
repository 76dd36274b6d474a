package tree

import (
	"testing"

	"github.com/zen-coord/zen/proto"
)

func statsOf(t *testing.T, tr *Tree, root string) string {
	t.Helper()
	d, _, _, err := tr.GetData(statPath(root), nil, nil)
	if err != proto.ErrOk {
		t.Fatalf("stats node of %s: %v", root, err)
	}
	return string(d)
}

func TestQuotaStats(t *testing.T) {
	tr := New()
	z := int64(0)
	next := func() int64 { z++; return z }
	mustApply(t, tr, createE(next(), "/q", "ab", 0))
	mustApply(t, tr, createE(next(), "/q/x", "cde", 0))
	mustApply(t, tr, createE(next(), "/other", "zzzz", 0))
	// setquota: the quota tree, the limits node, then the stats node, which
	// recomputes the subtree (the root counts itself).
	mustApply(t, tr, createE(next(), "/zookeeper/quota/q", "", 0))
	mustApply(t, tr, createE(next(), "/zookeeper/quota/q/zookeeper_limits", "count=10,bytes=-1", 0))
	mustApply(t, tr, createE(next(), "/zookeeper/quota/q/zookeeper_stats", "count=0,bytes=0", 0))
	if got := statsOf(t, tr, "/q"); got != "count=2,bytes=5" {
		t.Fatalf("after setquota: %q", got)
	}
	st0, _ := tr.Exists(statPath("/q"), nil, nil)

	mustApply(t, tr, createE(next(), "/q/x/y", "1234", 0))
	mustApply(t, tr, setDataE(next(), "/q/x", "c", 1))
	mustApply(t, tr, createE(next(), "/other/n", "ignored", 0))
	mustApply(t, tr, deleteE(next(), "/q/x/y"))
	if got := statsOf(t, tr, "/q"); got != "count=2,bytes=3" {
		t.Fatalf("after changes: %q", got)
	}
	st1, _ := tr.Exists(statPath("/q"), nil, nil)
	if st1.Version != st0.Version || st1.Mzxid != st0.Mzxid {
		t.Errorf("stats updates changed version/mzxid: %+v -> %+v", st0, st1)
	}

	// A nested quota takes over its subtree (longest prefix wins).
	mustApply(t, tr, createE(next(), "/zookeeper/quota/q/x", "", 0))
	mustApply(t, tr, createE(next(), "/zookeeper/quota/q/x/zookeeper_limits", "count=1", 0))
	mustApply(t, tr, createE(next(), "/zookeeper/quota/q/x/zookeeper_stats", "", 0))
	mustApply(t, tr, createE(next(), "/q/x/z", "12", 0))
	if got, want := statsOf(t, tr, "/q"), "count=2,bytes=3"; got != want {
		t.Errorf("outer root after nested change: %q, want %q", got, want)
	}
	if got, want := statsOf(t, tr, "/q/x"), "count=2,bytes=3"; got != want {
		t.Errorf("nested root: %q, want %q", got, want)
	}

	// delquota: without the limits node the root no longer counts.
	mustApply(t, tr, deleteE(next(), "/zookeeper/quota/q/zookeeper_limits"))
	mustApply(t, tr, createE(next(), "/q/w", "9", 0))
	if got := statsOf(t, tr, "/q"); got != "count=2,bytes=3" {
		t.Errorf("after removing the limits: %q", got)
	}

	// RecomputeQuotas (startup) gives the same numbers as the live updates
	// for roots with limits.
	before := statsOf(t, tr, "/q/x")
	tr.RecomputeQuotas()
	if got := statsOf(t, tr, "/q/x"); got != before {
		t.Errorf("recompute: %q, live %q", got, before)
	}
}

// StatsTrack's text rules, checked against ZooKeeper 3.8.0's own class.
func TestStatsFormat(t *testing.T) {
	for in, want := range map[string]string{
		"count=0,bytes=0":                      "count=0,bytes=0",
		"count=1,bytes=2;countHardLimit=5":     "count=1,bytes=2=;countHardLimit=5",
		"":                                     "count=-1,bytes=-1",
		"count=3":                              "count=3,bytes=-1",
		"bytes=9,count=2;byteHardLimit=7;zz=1": "count=2,bytes=9=;byteHardLimit=7;zz=1",
		"count=1,bytes=2=;countHardLimit=5":    "count=1,bytes=2=;countHardLimit=5",
	} {
		st := parseStats(in)
		if got := st.format(); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}
