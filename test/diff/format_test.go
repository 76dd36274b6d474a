package diff

import (
	"slices"
	"testing"
)

// mntr key sets compare equal whichever servers are a leader's learners.
func TestMntrKeysIgnoreLearnerIDs(t *testing.T) {
	var r Runner
	a := r.norm4lw("mntr", "keys", "zk_version\t3.8.0\nzk_avg_1_learner_handler_qp_size\t0\nzk_max_2_learner_handler_qp_time_ms\t0\n")
	b := r.norm4lw("mntr", "keys", "zk_version\t3.8.0\nzk_avg_3_learner_handler_qp_size\t0\nzk_max_1_learner_handler_qp_time_ms\t0\n")
	if !slices.Equal(a, b) {
		t.Fatalf("%q vs %q", a, b)
	}
	if !slices.Contains(a, `"zk_avg_<learner>_learner_handler_qp_size"`) {
		t.Fatalf("keys %q", a)
	}
	// Other keys keep their digits.
	c := r.norm4lw("mntr", "keys", "zk_avg_2_other\t0\n")
	if !slices.Equal(c, []string{`"zk_avg_2_other"`}) {
		t.Fatalf("keys %q", c)
	}
}

func TestOracleTimedOutFirst(t *testing.T) {
	step := "s1 create /e x flags=ephemeral"
	zk := []string{"s1 connect", "  <- connected", step, "  <- timeout (nothing within 4s)", "s2 exists /e"}
	zen := []string{"s1 connect", "  <- connected", step, `  <- reply create xid=1 zx=+3 err=0 path="~/e"`, "s2 exists /e"}
	if !oracleTimedOutFirst(zk, zen) {
		t.Error("ZooKeeper's timeout where zen replied: want a rerun")
	}
	if oracleTimedOutFirst(zen, zk) {
		t.Error("zen's timeout where ZooKeeper replied is zen's difference: want no rerun")
	}
	later := slices.Clone(zen)
	later[4] = "s2 get /e"
	zkLater := append(slices.Clone(zk[:3]), zen[3], "s2 exists /e", "  <- timeout (nothing within 4s)")
	if oracleTimedOutFirst(zkLater, later) {
		t.Error("the transcripts part first at a step line, not at a timeout: want no rerun")
	}
	zkNoEvent := slices.Clone(zk)
	zkNoEvent[3] = "  <- no event within the limit"
	if !oracleTimedOutFirst(zkNoEvent, zen) {
		t.Error("ZooKeeper's missing event where zen had one: want a rerun")
	}
	if oracleTimedOutFirst(zk, zk) {
		t.Error("equal transcripts: want no rerun")
	}
}
