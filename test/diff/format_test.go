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
