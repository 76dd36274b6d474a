package wal

import (
	"errors"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestPurge(t *testing.T) {
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	for b := range 100 {
		if err := l.Append(makeBatch(int64(b*10+1), 10, 80, uint32(b))); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Purge(3); err != nil { // no snapshots: nothing to do
		t.Fatal(err)
	}
	if l.FirstZxid() != 1 || len(readAll(t, l, 0)) != 1000 {
		t.Fatal("Purge without snapshots removed entries")
	}
	for _, z := range []int64{100, 200, 300, 400, 500} {
		writeSnap(t, l, z, snapPayload(uint64(z), 1000))
	}
	// A damaged newer file does not count as a retained snapshot.
	rewriteFile(t, fs, fs.PathJoin(testSnapDir, snapName(600)), []byte("torn"))

	if err := l.Purge(1); err != nil { // raised to MinSnapRetain
		t.Fatal(err)
	}
	check := func(l *Log) {
		t.Helper()
		if got := l.Snapshots(); !slices.Equal(got, []int64{500, 400, 300}) {
			t.Fatalf("Snapshots() = %v", got)
		}
		if l.FirstZxid() != 301 || l.LastZxid() != 1000 {
			t.Fatalf("first %d last %d", l.FirstZxid(), l.LastZxid())
		}
		got := readAll(t, l, 0)
		if len(got) != 700 || got[0].Zxid != 301 {
			t.Fatalf("%d entries from %d", len(got), got[0].Zxid)
		}
		for _, z := range []int64{300, 400, 500} {
			if _, err := readSnap(l, z); err != nil {
				t.Fatalf("retained snapshot %d: %v", z, err)
			}
		}
	}
	check(l)
	for _, z := range []int64{100, 200} {
		if _, err := fs.Stat(fs.PathJoin(testSnapDir, snapName(z))); err == nil {
			t.Fatalf("snapshot %d not deleted", z)
		}
	}
	if _, err := fs.Stat(fs.PathJoin(testSnapDir, snapName(600))); err != nil {
		t.Fatal("the damaged file newer than every retained snapshot was deleted")
	}
	if err := l.Purge(3); err != nil { // idempotent
		t.Fatal(err)
	}
	check(l)
	l.Close()
	l = mustOpen(t, o)
	defer l.Close()
	check(l)
	if err := l.Append(makeBatch(1001, 1, 10, 0)); err != nil {
		t.Fatal(err)
	}

	// Truncating below the purged part is refused and changes nothing.
	if err := l.TruncateAfter(250); !errors.Is(err, ErrTruncateBelowPurged) {
		t.Fatalf("TruncateAfter below the purge point: %v", err)
	}
	if l.LastZxid() != 1001 || len(l.Snapshots()) != 3 {
		t.Fatalf("refused truncation changed state: last %d", l.LastZxid())
	}
	if err := l.TruncateAfter(300); err != nil { // exactly the purge point
		t.Fatal(err)
	}
	// The log holds nothing; it starts after the purge point.
	if l.FirstZxid() != 0 || l.LastZxid() != 300 || l.Base() != 300 || !slices.Equal(l.Snapshots(), []int64{300}) {
		t.Fatalf("TruncateAfter(300): first %d last %d snapshots %v",
			l.FirstZxid(), l.LastZxid(), l.Snapshots())
	}
}

// Purging everything the log holds leaves it empty, and it still refuses
// zxids at or below the purge point, also after a restart.
func TestPurgeEmptiesLogKeepsFloor(t *testing.T) {
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	fr := newFatalRecorder()
	o.OnFatal = fr.onFatal
	l := mustOpen(t, o)
	if err := l.Append(makeBatch(1, 50, 10, 0)); err != nil {
		t.Fatal(err)
	}
	for _, z := range []int64{50, 55} {
		writeSnap(t, l, z, []byte("s"))
	}
	if err := l.Purge(3); err != nil {
		t.Fatal(err)
	}
	// An emptied log's LastZxid is its base, the purge point.
	if l.FirstZxid() != 0 || l.LastZxid() != 50 || l.Base() != 50 || len(readAll(t, l, 0)) != 0 {
		t.Fatalf("first %d last %d base %d", l.FirstZxid(), l.LastZxid(), l.Base())
	}
	l.Close()
	l = mustOpen(t, o)
	defer l.Close()
	if l.FirstZxid() != 0 || l.LastZxid() != 50 || l.Base() != 50 {
		t.Fatalf("reopened: first %d last %d base %d", l.FirstZxid(), l.LastZxid(), l.Base())
	}
	if err := l.Append(makeBatch(50, 1, 10, 0)); err == nil {
		t.Fatal("Append at the purge point accepted")
	}
	if len(fr.calls()) != 1 {
		t.Fatal("OnFatal not called")
	}
	l2 := func() *Log {
		l.Close()
		o.OnFatal = nil
		return mustOpen(t, o)
	}()
	defer l2.Close()
	if err := l2.Append(makeBatch(51, 2, 10, 1)); err != nil {
		t.Fatal(err)
	}
	if l2.FirstZxid() != 51 || l2.LastZxid() != 52 {
		t.Fatalf("first %d last %d", l2.FirstZxid(), l2.LastZxid())
	}
}
