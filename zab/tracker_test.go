package zab

import "testing"

func TestTrackerSingleVoterCommitsOnOwnAck(t *testing.T) {
	tr := NewTracker([]int64{1}, 10)
	if got := tr.Ack(1, 15); got != 15 {
		t.Fatalf("commit = %d, want 15", got)
	}
	if got := tr.Ack(1, 12); got != 15 {
		t.Fatalf("backwards ack moved commit to %d", got)
	}
}

func TestTrackerMajority(t *testing.T) {
	tr := NewTracker([]int64{1, 2, 3}, 0)
	if got := tr.Ack(1, 5); got != 0 {
		t.Fatalf("one of three acked: commit = %d, want 0", got)
	}
	if got := tr.Ack(3, 3); got != 3 {
		t.Fatalf("two of three acked 3: commit = %d, want 3", got)
	}
	if got := tr.Ack(2, 7); got != 5 {
		t.Fatalf("acks 5,7,3: commit = %d, want 5", got)
	}
	if got := tr.Ack(9, 100); got != 5 {
		t.Fatalf("non-voter ack moved commit to %d", got)
	}
}

func TestTrackerFiveVoters(t *testing.T) {
	tr := NewTracker([]int64{1, 2, 3, 4, 5}, 0)
	tr.Ack(1, 10)
	tr.Ack(2, 10)
	if tr.Committed() != 0 {
		t.Fatalf("2 of 5 must not commit")
	}
	if got := tr.Ack(5, 8); got != 8 {
		t.Fatalf("acks 10,10,8: commit = %d, want 8", got)
	}
}
