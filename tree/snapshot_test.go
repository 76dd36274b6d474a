package tree

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/zen-coord/zen/proto"
)

// dump renders every node and session, for readable failure diffs.
func dump(tr *Tree) []string {
	var out []string
	for i := range tr.stripes {
		s := &tr.stripes[i]
		s.mu.RLock()
		for _, n := range s.nodes {
			kids := make([]string, 0, len(n.children))
			for k := range n.children {
				kids = append(kids, k)
			}
			sort.Strings(kids)
			out = append(out, fmt.Sprintf("%s null=%v data=%x stat=%+v owner=%#x creates=%d last=%#x acl=%v kids=%v",
				n.path, n.null, n.data, n.stat(), n.owner, n.childCreates, n.lastZxid, n.aclList(), kids))
		}
		s.mu.RUnlock()
	}
	for _, s := range tr.Sessions() {
		out = append(out, fmt.Sprintf("session %#x timeout %d eph %v", s.ID, s.Timeout, tr.SessionEphemerals(s.ID)))
	}
	sort.Strings(out)
	return out
}

// sameTree fails unless b is indistinguishable from a.
func sameTree(tb testing.TB, a, b *Tree) {
	tb.Helper()
	if a.Digest() == b.Digest() && slices.Equal(dump(a), dump(b)) &&
		a.NodeCount() == b.NodeCount() && a.ApproxDataSize() == b.ApproxDataSize() &&
		a.EphemeralCount() == b.EphemeralCount() && a.acls.n == b.acls.n &&
		slices.Equal(a.ReapCandidates(1<<60, 0), b.ReapCandidates(1<<60, 0)) &&
		slices.Equal(a.ReapCandidates(0, 0), b.ReapCandidates(0, 0)) {
		return
	}
	da, db := dump(a), dump(b)
	var diff []string
	for _, l := range da {
		if !slices.Contains(db, l) {
			diff = append(diff, "- "+l)
		}
	}
	for _, l := range db {
		if !slices.Contains(da, l) {
			diff = append(diff, "+ "+l)
		}
	}
	tb.Fatalf("trees differ (digest %x vs %x, nodes %d/%d, size %d/%d, eph %d/%d, acls %d/%d):\n%s",
		a.Digest(), b.Digest(), a.NodeCount(), b.NodeCount(), a.ApproxDataSize(), b.ApproxDataSize(),
		a.EphemeralCount(), b.EphemeralCount(), a.acls.n, b.acls.n, strings.Join(diff, "\n"))
}

func TestSnapshotRoundTrip(t *testing.T) {
	g := newGen(1)
	a := New()
	for _, e := range g.entries(2000) {
		mustApply(t, a, e)
	}
	// Watches are not state: they must not affect the snapshot.
	a.AddWatch("/", newRec("w", &evlog{}), proto.AddWatchPersistentRecursive)
	var buf bytes.Buffer
	z0, err := a.WriteSnapshot(&buf)
	if err != nil || z0 != a.LastZxid() {
		t.Fatalf("WriteSnapshot: %v, zxid %#x", err, z0)
	}
	b, z, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil || z != z0 || b.LastZxid() != z0 {
		t.Fatalf("Load: %v, zxid %#x", err, z)
	}
	sameTree(t, a, b)
	if a.EphemeralCount() == 0 || len(a.Sessions()) == 0 || a.recursive.Load() != 2 || b.recursive.Load() != 0 {
		t.Fatalf("generator too tame: %d ephemerals, %d sessions", a.EphemeralCount(), len(a.Sessions()))
	}
	// The loaded tree keeps working identically.
	for _, e := range g.entries(500) {
		mustApply(t, a, e)
		mustApply(t, b, e)
	}
	sameTree(t, a, b)
}

func TestLoadRejectsDamage(t *testing.T) {
	a := New()
	g := newGen(2)
	for _, e := range g.entries(50) {
		mustApply(t, a, e)
	}
	var buf bytes.Buffer
	if _, err := a.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	snap := buf.Bytes()
	// Every truncation is detected (the end record carries counts).
	for n := 0; n < len(snap); n++ {
		if _, _, err := Load(bytes.NewReader(snap[:n])); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(snap))
		}
	}
	bad := slices.Clone(snap)
	bad[0] = 'Z'
	if _, _, err := Load(bytes.NewReader(bad)); err == nil {
		t.Error("bad magic accepted")
	}
	bad = slices.Clone(snap)
	bad[len(snapMagic)] = 9
	if _, _, err := Load(bytes.NewReader(bad)); err == nil {
		t.Error("unknown version accepted")
	}
	// Random corruption must give an error or a tree, never a panic.
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		bad = slices.Clone(snap)
		for j := 0; j < 1+rng.IntN(3); j++ {
			bad[len(snapMagic)+rng.IntN(len(bad)-len(snapMagic))] = byte(rng.IntN(256))
		}
		Load(bytes.NewReader(bad))
	}
}

type failWriter struct{ left int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		return 0, errors.New("disk full")
	}
	f.left -= len(p)
	return len(p), nil
}

func TestWriteSnapshotReportsWriteErrors(t *testing.T) {
	a := New()
	for i := 0; i < 3000; i++ {
		mustApply(t, a, createE(int64(i+1), fmt.Sprintf("/n%05d", i), strings.Repeat("x", 100), 0))
	}
	for _, left := range []int{0, 100, 64 << 10, 200 << 10} {
		if _, err := a.WriteSnapshot(&failWriter{left: left}); err == nil {
			t.Errorf("writer failing after %d bytes: no error", left)
		}
	}
}

// replayFrom loads snap and re-applies every entry after its zxid.
func replayFrom(tb testing.TB, snap []byte, entries [][]byte) *Tree {
	tb.Helper()
	b, z0, err := Load(bytes.NewReader(snap))
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	for _, e := range entries {
		if zxidOf(e) > z0 {
			mustApply(tb, b, e)
		}
	}
	return b
}

var fuzzSeeds = flag.Int("tree.seeds", 300, "seeds for TestFuzzySnapshotReplay")

// TestFuzzySnapshotReplay is the key property: a snapshot taken while txns
// are being applied, plus replay of every entry after its zxid, gives the
// live tree. The hook applies 0-3 entries before each stripe is copied, so
// every snapshot is fuzzy in a different way.
func TestFuzzySnapshotReplay(t *testing.T) {
	seeds := *fuzzSeeds
	if testing.Short() {
		seeds = min(seeds, 50)
	}
	for seed := 0; seed < seeds; seed++ {
		g := newGen(uint64(seed))
		entries := g.entries(300 + seed%200)
		a := New()
		applied := 0
		applyTo := func(k int) {
			for ; applied < k && applied < len(entries); applied++ {
				mustApply(t, a, entries[applied])
			}
		}
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		applyTo(rng.IntN(len(entries) / 2))
		var buf bytes.Buffer
		z0, err := a.writeSnapshot(&buf, func(int) { applyTo(applied + rng.IntN(4)) })
		if err != nil {
			t.Fatal(err)
		}
		applyTo(len(entries))
		b := replayFrom(t, buf.Bytes(), entries)
		if b.LastZxid() != a.LastZxid() {
			t.Fatalf("seed %d: zxid %#x vs %#x", seed, b.LastZxid(), a.LastZxid())
		}
		func() {
			defer func() {
				if t.Failed() {
					t.Logf("seed %d, Z0 %#x", seed, z0)
				}
			}()
			sameTree(t, a, b)
		}()
		// Sanity: the live tree matches the generator's model.
		if got, want := a.NodeCount()-1, len(g.nodes); got != want {
			t.Fatalf("seed %d: tree has %d nodes, model %d", seed, got, want)
		}
	}
}

// TestSnapshotOfReplayingTree: a tree loaded from a fuzzy snapshot and only
// partly replayed (it still has ghosts and orphans) snapshots and reloads
// correctly too.
func TestSnapshotOfReplayingTree(t *testing.T) {
	ghosts := 0
	for seed := 0; seed < 200; seed++ {
		g := newGen(uint64(7000 + seed))
		entries := g.entries(400)
		a := New()
		applied := 0
		applyTo := func(k int) {
			for ; applied < k && applied < len(entries); applied++ {
				mustApply(t, a, entries[applied])
			}
		}
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		applyTo(100)
		var s1 bytes.Buffer
		z1, err := a.writeSnapshot(&s1, func(int) { applyTo(applied + rng.IntN(4)) })
		if err != nil {
			t.Fatal(err)
		}
		applyTo(len(entries))
		b, _, err := Load(bytes.NewReader(s1.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		ghosts += len(b.ghosts)
		// Replay only the first few entries after z1.
		for _, e := range entries {
			if z := zxidOf(e); z > z1 && z <= z1+3 {
				mustApply(t, b, e)
			}
		}
		var s2 bytes.Buffer
		if _, err := b.WriteSnapshot(&s2); err != nil {
			t.Fatal(err)
		}
		sameTree(t, a, replayFrom(t, s2.Bytes(), entries))
	}
	if ghosts == 0 {
		t.Error("no seed produced a ghost")
	}
}

// TestReplayIsIdempotent: replaying from any earlier point onto a later,
// quiescent snapshot changes nothing (every effect is gated, and nodes the
// replay briefly resurrects are deleted again).
func TestReplayIsIdempotent(t *testing.T) {
	for seed := 0; seed < 40; seed++ {
		g := newGen(uint64(1000 + seed))
		entries := g.entries(400)
		a := New()
		for _, e := range entries {
			mustApply(t, a, e)
		}
		var buf bytes.Buffer
		if _, err := a.WriteSnapshot(&buf); err != nil {
			t.Fatal(err)
		}
		b, _, err := Load(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries[seed*5:] {
			mustApply(t, b, e)
		}
		sameTree(t, a, b)
	}
}

// TestConcurrentSnapshotReplay runs snapshots on their own goroutine while
// the applier runs freely (meant for -race).
func TestConcurrentSnapshotReplay(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	for round := 0; round < rounds; round++ {
		g := newGen(uint64(5000 + round))
		entries := g.entries(2000)
		a := New()
		var snaps [3]bytes.Buffer
		var wg sync.WaitGroup
		started := make(chan struct{})
		for i := range snaps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-started
				for a.LastZxid() < zxidOf(entries[(i+1)*len(entries)/5]) {
					runtime.Gosched() // let the applier get going
				}
				if _, err := a.WriteSnapshot(&snaps[i]); err != nil {
					t.Error(err)
				}
			}()
		}
		close(started)
		for _, e := range entries {
			mustApply(t, a, e)
		}
		wg.Wait()
		for i := range snaps {
			sameTree(t, a, replayFrom(t, snaps[i].Bytes(), entries))
		}
	}
}

func TestLoadKeepsOrphansUntilReplay(t *testing.T) {
	// Build by hand the fuzzy snapshot the gate exists for: the child's
	// stripe is copied before the txns deleting child and parent, the
	// parent's stripe after them, so the snapshot holds the child but not
	// its parent.
	a := New()
	var p, c string
	for k := 0; ; k++ {
		p, c = fmt.Sprintf("/p%d", k), fmt.Sprintf("/p%d/c", k)
		if a.stripeIndex(c) < a.stripeIndex(p) {
			break
		}
	}
	mustApply(t, a, createE(1, p, "", 0))
	mustApply(t, a, createE(2, c, "", sess1))
	entries := [][]byte{deleteE(3, c), deleteE(4, p)}
	applied := false
	var buf bytes.Buffer
	z0, err := a.writeSnapshot(&buf, func(i int) {
		if i == a.stripeIndex(p) {
			for _, e := range entries {
				mustApply(t, a, e)
			}
			applied = true
		}
	})
	if err != nil || z0 != 2 || !applied {
		t.Fatalf("snapshot: %v %d %v", err, z0, applied)
	}
	b, _, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Lookup(c); !ok {
		t.Fatal("snapshot lacks the orphan")
	}
	if _, ok := b.Lookup(p); ok {
		t.Fatal("snapshot has the parent")
	}
	if b.EphemeralCount() != 1 {
		t.Errorf("orphan ephemeral not indexed")
	}
	for _, e := range entries {
		mustApply(t, b, e)
	}
	sameTree(t, a, b)
}

func TestWriteSnapshotIsStreamed(t *testing.T) {
	a := New()
	for i := 0; i < 2000; i++ {
		mustApply(t, a, createE(int64(i+1), fmt.Sprintf("/n%05d", i), strings.Repeat("x", 1000), 0))
	}
	cw := &countWriter{}
	if _, err := a.WriteSnapshot(cw); err != nil {
		t.Fatal(err)
	}
	if cw.n < 2000*1000 || cw.calls < 20 || cw.max > 128<<10 {
		t.Errorf("%d bytes in %d writes, largest %d: not streamed in bounded chunks", cw.n, cw.calls, cw.max)
	}
	b, _, err := Load(io.MultiReader(bytes.NewReader(nil), &cw.buf))
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, a, b)
}

type countWriter struct {
	buf      bytes.Buffer
	n, calls int
	max      int
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	c.calls++
	c.max = max(c.max, len(p))
	return c.buf.Write(p)
}

// A version-1 snapshot (no size hints), written by the code before
// version 2, still loads: testdata/snapshot-v1.bin is the snapshot of
// newGen(7)'s first 400 entries.
func TestLoadVersion1Snapshot(t *testing.T) {
	snap, err := os.ReadFile("testdata/snapshot-v1.bin")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := binary.Uvarint(snap[len(snapMagic):]); v != snapVersionNoHints {
		t.Fatalf("golden file is version %d", v)
	}
	g := newGen(7)
	a := New()
	for _, e := range g.entries(400) {
		mustApply(t, a, e)
	}
	b, z, err := Load(bytes.NewReader(snap))
	if err != nil || z != a.LastZxid() {
		t.Fatalf("Load: %v, zxid %#x want %#x", err, z, a.LastZxid())
	}
	sameTree(t, a, b)
	for _, e := range g.entries(300) {
		mustApply(t, a, e)
		mustApply(t, b, e)
	}
	sameTree(t, a, b)
}

// The size hints only size maps: a snapshot whose header hint is zero,
// tiny or absurd loads the same tree.
func TestSnapshotHintsAreOnlyHints(t *testing.T) {
	g := newGen(8)
	a := New()
	for _, e := range g.entries(1500) {
		mustApply(t, a, e)
	}
	var buf bytes.Buffer
	if _, err := a.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	snap := buf.Bytes()
	// header: magic, uvarint(version), varint(z0), uvarint(node hint)
	off := len(snapMagic)
	v, n := binary.Uvarint(snap[off:])
	if v != snapVersion {
		t.Fatalf("writes version %d", v)
	}
	off += n
	_, n = binary.Varint(snap[off:])
	off += n
	hint, n := binary.Uvarint(snap[off:])
	if int(hint) != a.NodeCount() {
		t.Fatalf("node hint %d, tree has %d", hint, a.NodeCount())
	}
	for _, h := range []uint64{0, 1, 1 << 40, 1<<64 - 1} {
		alt := binary.AppendUvarint(slices.Clone(snap[:off]), h)
		alt = append(alt, snap[off+n:]...)
		b, _, err := Load(bytes.NewReader(alt))
		if err != nil {
			t.Fatalf("hint %d: %v", h, err)
		}
		sameTree(t, a, b)
	}
}
