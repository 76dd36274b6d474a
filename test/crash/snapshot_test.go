package crash

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zen-coord/zen/internal/ztest"
)

// damage is one way of breaking snapshot files after a crash.
type damage struct {
	name string
	// all: damage every snapshot (recovery must use the log alone);
	// otherwise only the newest.
	all bool
	// content: the trailer stays sound, so the damage is only found by
	// reading the file (the server must log that it is unusable).
	content bool
	// apply damages the snapshot at path; older lists the intact
	// snapshots older than it, newest first.
	apply func(t testing.TB, path string, older []snapFile, rng *rand.Rand)
}

var damages = []damage{
	{name: "torn-trailer", apply: func(t testing.TB, path string, _ []snapFile, _ *rand.Rand) {
		truncateBy(t, path, 7)
	}},
	{name: "truncated-half", apply: func(t testing.TB, path string, _ []snapFile, _ *rand.Rand) {
		truncateTo(t, path, fileSize(t, path)/2)
	}},
	{name: "empty", apply: func(t testing.TB, path string, _ []snapFile, _ *rand.Rand) {
		truncateTo(t, path, 0)
	}},
	{name: "garbage-appended", apply: func(t testing.TB, path string, _ []snapFile, rng *rand.Rand) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		junk := make([]byte, 100+rng.IntN(4000))
		for i := range junk {
			junk[i] = byte(rng.Uint32())
		}
		if _, err := f.Write(junk); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "garbage-over-tail", apply: func(t testing.TB, path string, _ []snapFile, rng *rand.Rand) {
		size := fileSize(t, path)
		n := min(size, int64(200))
		junk := make([]byte, n)
		for i := range junk {
			junk[i] = byte(rng.Uint32())
		}
		writeAt(t, path, junk, size-n)
	}},
	{name: "older-content", apply: func(t testing.TB, path string, older []snapFile, _ *rand.Rand) {
		// A sound snapshot file of another zxid under the newest name.
		if len(older) == 0 {
			t.Fatal("no older snapshot to copy")
		}
		b, err := os.ReadFile(older[0].path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "bitflip-middle", content: true, apply: func(t testing.TB, path string, _ []snapFile, rng *rand.Rand) {
		flipByte(t, path, rng)
	}},
	{name: "all-bitflipped", all: true, content: true, apply: func(t testing.TB, path string, _ []snapFile, rng *rand.Rand) {
		flipByte(t, path, rng)
	}},
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func truncateTo(t testing.TB, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

func truncateBy(t testing.TB, path string, n int64) {
	t.Helper()
	truncateTo(t, path, max(fileSize(t, path)-n, 0))
}

func writeAt(t testing.TB, path string, b []byte, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// flipByte inverts one byte of the compressed body (not the 32-byte
// trailer).
func flipByte(t testing.TB, path string, rng *rand.Rand) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) <= 64 {
		t.Fatalf("%s is only %d bytes", path, len(b))
	}
	body := len(b) - 32
	i := body/4 + rng.IntN(body/2)
	writeAt(t, path, []byte{^b[i]}, int64(i))
}

// TestDamagedSnapshotNotUsed crashes the server, damages its newest snapshot
// (or all of them) in various ways and restarts it: the server must start
// from an older intact snapshot (or the log alone), never from the damaged
// one, and must serve exactly the state it had (quiet crash: the whole tree,
// stats included, is compared) or every acknowledged write (crash under
// load).
func TestDamagedSnapshotNotUsed(t *testing.T) {
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			rng := newRand(t)
			bin := ztest.ZenBinary(t)
			dir := t.TempDir()
			port := ztest.FreePort(t)
			cfg := []string{"snapCount=200"}
			p := ztest.StartZenProc(t, bin, dir, port, cfg)
			c, _ := connect(t, p.Addr, 10*time.Second)
			setupLoad(t, c)
			c.Close()
			l := newLoad()
			damaged := map[int64]bool{}

			for cycle, quiet := range []bool{true, false} {
				admin, _ := connect(t, p.Addr, 10*time.Second)
				prev := listSnapshots(t, snapDir(dir))
				ws := l.start(t, admin, p.Addr, fmt.Sprintf("c%d", cycle), 3, 16, rng)
				admin.Close()
				// Run until two new snapshots are written, so there is an
				// older one to fall back to.
				if !waitFor(60*time.Second, func() bool {
					return len(listSnapshots(t, snapDir(dir))) >= len(prev)+2
				}) {
					t.Fatalf("no new snapshots with snapCount=200:\n%s", p.Output())
				}
				var before map[string]nodeInfo
				if quiet {
					for _, w := range ws {
						w.stopAndDrain(t)
					}
					vc, _ := connect(t, p.Addr, 10*time.Second)
					before = dumpTree(t, vc)
					vc.Close()
				} else {
					time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
				}
				p.Kill()
				for _, w := range ws {
					w.waitDone(t)
				}
				l.checkViolations(t)

				snaps := listSnapshots(t, snapDir(dir))
				victims := snaps[:1]
				if d.all {
					victims = snaps
				}
				for i, s := range victims {
					if !damaged[s.zxid] {
						d.apply(t, s.path, snaps[i+1:], rng)
						damaged[s.zxid] = true
					}
				}
				wantBase := int64(0)
				if !d.all && len(snaps) > 1 {
					wantBase = snaps[1].zxid
				}

				p = ztest.StartZenProc(t, bin, dir, port, cfg)
				_, base, n := recovery(t, p)
				out := p.Output()
				t.Logf("cycle %d: damaged %d snapshot(s) (newest %#x); recovered from snapshot %#x + %d log entries",
					cycle, len(victims), snaps[0].zxid, base, n)
				for _, s := range victims {
					if base == s.zxid {
						t.Errorf("recovered from the damaged snapshot %#x", s.zxid)
					}
				}
				if base != wantBase {
					t.Errorf("recovered from snapshot %#x, want the newest intact one, %#x", base, wantBase)
				}
				if d.content && !strings.Contains(out, "unusable") {
					t.Errorf("the server did not log that the damaged snapshot is unusable")
				}
				vc, _ := connect(t, p.Addr, 10*time.Second)
				if quiet {
					after := dumpTree(t, vc)
					if diff := diffDumps(before, after); len(diff) > 0 {
						t.Errorf("the tree after recovery differs from the tree before the crash:\n%s", strings.Join(diff, "\n"))
					}
				}
				l.verify(t, vc)
				checkServing(t, vc, l, fmt.Sprint(cycle))
				vc.Close()
				if t.Failed() {
					t.FailNow()
				}
			}
		})
	}
}
