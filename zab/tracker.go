package zab

import "sort"

// Tracker computes the commit point of a broadcast from cumulative
// acknowledgements: a zxid is committed once a majority of the voters have
// acknowledged it (or any later zxid). It is deterministic and not safe for
// concurrent use.
type Tracker struct {
	acked  map[int64]int64 // voter id → highest acknowledged zxid
	commit int64
}

// NewTracker tracks the given voters, all starting at zxid committed.
func NewTracker(voters []int64, committed int64) *Tracker {
	t := &Tracker{acked: make(map[int64]int64, len(voters)), commit: committed}
	for _, v := range voters {
		t.acked[v] = committed
	}
	return t
}

// Ack records that voter has durably logged every proposal up to zxid and
// returns the (possibly advanced) commit point. Acks from non-voters and
// acks that go backwards are ignored.
func (t *Tracker) Ack(voter, zxid int64) int64 {
	prev, ok := t.acked[voter]
	if !ok || zxid <= prev {
		return t.commit
	}
	t.acked[voter] = zxid
	vals := make([]int64, 0, len(t.acked))
	for _, z := range t.acked {
		vals = append(vals, z)
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] > vals[j] })
	// The majority-th highest ack is held by a majority.
	if q := vals[len(vals)/2]; q > t.commit {
		t.commit = q
	}
	return t.commit
}

// Committed is the current commit point.
func (t *Tracker) Committed() int64 { return t.commit }
