package cluster

import (
	"math"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/zen-coord/zen/internal/ztest"
)

// TestRegisterModel feeds hand-made histories to the porcupine model the
// cluster tests use: the check must reject what is not linearizable (or it
// could never fail) and accept what is.
func TestRegisterModel(t *testing.T) {
	const k = "/r/k0"
	unknown := int64(math.MaxInt64) // ignored for an unknown outcome
	create := func(c int, v string, call, ret int64, out ztest.Outcome) ztest.HOp {
		return ztest.HOp{Client: c, Kind: ztest.OpCreate, Key: k, Value: v, Call: call, Return: ret, Outcome: out}
	}
	set := func(c int, v string, ver int32, call, ret int64, out ztest.Outcome) ztest.HOp {
		return ztest.HOp{Client: c, Kind: ztest.OpSet, Key: k, Value: v, Version: ver, Call: call, Return: ret, Outcome: out}
	}
	get := func(c int, v string, ver int32, call, ret int64) ztest.HOp {
		return ztest.HOp{Client: c, Kind: ztest.OpGet, Key: k, Value: v, Version: ver, Call: call, Return: ret, Outcome: ztest.OutOK}
	}
	absent := func(c int, call, ret int64) ztest.HOp {
		return ztest.HOp{Client: c, Kind: ztest.OpGet, Key: k, Call: call, Return: ret, Outcome: ztest.OutFailed}
	}
	for _, tc := range []struct {
		name string
		ops  []ztest.HOp
		ok   bool
	}{
		{"sequential", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 1, 20, 30, ztest.OutOK), get(2, "b", 1, 40, 50)}, true},
		{"concurrent read sees either", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 1, 20, 60, ztest.OutOK),
			get(2, "b", 1, 30, 40), get(3, "a", 0, 30, 70)}, true},
		{"stale read", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 1, 20, 30, ztest.OutOK), get(2, "a", 0, 40, 50)}, false},
		{"lost acked create", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), absent(1, 20, 30)}, false},
		{"read goes back in time", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 1, 20, 100, ztest.OutOK),
			get(2, "b", 1, 30, 40), get(3, "a", 0, 50, 60)}, false},
		{"two writes make the same version", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 1, 20, 30, ztest.OutOK), set(2, "c", 1, 40, 50, ztest.OutOK)}, false},
		{"versions against real time", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 2, 20, 30, ztest.OutOK), set(2, "c", 1, 40, 50, ztest.OutOK)}, false},
		{"create fails on a missing node", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutFailed), absent(1, 20, 30)}, false},
		{"second create succeeds", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), create(1, "b", 20, 30, ztest.OutOK)}, false},
		{"unknown write may apply late", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 0, 20, unknown, ztest.OutUnknown),
			get(2, "a", 0, 30, 40), get(3, "b", 1, 50, 60)}, true},
		{"unknown write may never apply", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 0, 20, unknown, ztest.OutUnknown), get(2, "a", 0, 30, 40)}, true},
		{"unknown write cannot apply before its call", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), get(2, "b", 1, 20, 30), set(1, "b", 0, 40, unknown, ztest.OutUnknown)}, false},
		{"unknown create fills the version gap", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutUnknown), set(1, "b", 1, 20, 30, ztest.OutOK)}, true},
		{"sync reads are not checked", []ztest.HOp{
			create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 1, 20, 30, ztest.OutOK),
			{Client: 2, Kind: ztest.OpSyncGet, Key: k, Value: "a", Call: 40, Return: 50, Outcome: ztest.OutOK}}, true},
	} {
		got := porcupine.CheckOperations(ztest.RegisterModel(), ztest.PorcupineOps(tc.ops))
		if got != tc.ok {
			t.Errorf("%s: linearizable = %v, want %v", tc.name, got, tc.ok)
		}
	}
	// Keys are independent: a violation on one key is found among many.
	var ops []ztest.HOp
	for i := range 50 {
		key := "/r/k" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		ops = append(ops, ztest.HOp{Client: i, Kind: ztest.OpCreate, Key: key, Value: "x", Call: 0, Return: 10})
	}
	if !porcupine.CheckOperations(ztest.RegisterModel(), ztest.PorcupineOps(ops)) {
		t.Fatal("50 independent creates are not linearizable")
	}
	ops = append(ops, ztest.HOp{Client: 99, Kind: ztest.OpGet, Key: ops[17].Key, Call: 20, Return: 30, Outcome: ztest.OutFailed})
	if porcupine.CheckOperations(ztest.RegisterModel(), ztest.PorcupineOps(ops)) {
		t.Fatal("a lost create among 50 keys went unnoticed")
	}
	// StaleSyncReads finds a sync read that missed an acked write.
	stale, total, _ := ztest.StaleSyncReads([]ztest.HOp{
		create(0, "a", 0, 10, ztest.OutOK), set(1, "b", 1, 20, 30, ztest.OutOK),
		{Client: 2, Kind: ztest.OpSyncGet, Key: k, Value: "a", Call: 40, Return: 50, Outcome: ztest.OutOK},
		{Client: 3, Kind: ztest.OpSyncGet, Key: k, Value: "b", Version: 1, Call: 40, Return: 50, Outcome: ztest.OutOK},
	})
	if stale != 1 || total != 2 {
		t.Errorf("StaleSyncReads: %d of %d, want 1 of 2", stale, total)
	}
}
