package wal

import (
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestTruncateAfter(t *testing.T) {
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	var want []Entry
	for b := range 10 {
		batch := makeBatch(int64(b*10+1), 10, 50, uint32(b))
		if err := l.Append(batch); err != nil {
			t.Fatal(err)
		}
		want = append(want, batch...)
	}
	for _, z := range []int64{20, 50, 80} {
		writeSnap(t, l, z, []byte{byte(z)})
	}

	if err := l.TruncateAfter(200); err != nil { // beyond the end: no-op
		t.Fatal(err)
	}
	if l.LastZxid() != 100 || len(readAll(t, l, 0)) != 100 {
		t.Fatal("TruncateAfter beyond the end removed entries")
	}
	if err := l.TruncateAfter(55); err != nil {
		t.Fatal(err)
	}
	want = want[:55]
	check := func(l *Log) {
		t.Helper()
		if l.LastZxid() != 55 || l.FirstZxid() != 1 {
			t.Fatalf("after truncation: first %d last %d", l.FirstZxid(), l.LastZxid())
		}
		if got := readAll(t, l, 0); !equalEntries(got, want) {
			t.Fatalf("after truncation: %d entries", len(got))
		}
		// The snapshot at 80 held discarded txns.
		if got := l.Snapshots(); !slices.Equal(got, []int64{50, 20}) {
			t.Fatalf("after truncation: Snapshots() = %v", got)
		}
	}
	check(l)
	// The log continues from the truncation point with a new history.
	nb := makeBatch(56, 5, 70, 77)
	if err := l.Append(nb); err != nil {
		t.Fatal(err)
	}
	if err := l.TruncateAfter(55); err != nil {
		t.Fatal(err)
	}
	check(l)
	l.Close()
	l = mustOpen(t, o)
	check(l)

	if err := l.TruncateAfter(0); err != nil {
		t.Fatal(err)
	}
	if l.FirstZxid() != 0 || l.LastZxid() != 0 || len(readAll(t, l, 0)) != 0 || len(l.Snapshots()) != 0 {
		t.Fatalf("TruncateAfter(0): first %d last %d snapshots %v", l.FirstZxid(), l.LastZxid(), l.Snapshots())
	}
	if err := l.Append(makeBatch(1, 3, 10, 0)); err != nil {
		t.Fatal(err)
	}
	if l.FirstZxid() != 1 || l.LastZxid() != 3 {
		t.Fatalf("after re-append: first %d last %d", l.FirstZxid(), l.LastZxid())
	}
	if err := l.TruncateAfter(-1); err == nil {
		t.Fatal("negative truncation point accepted")
	}
	l.Close()
}

// TruncateAfter survives a crash right after it returned, including the
// removal of the snapshots above the truncation point.
func TestTruncateAfterIsDurable(t *testing.T) {
	fs := vfs.NewCrashableMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	defer l.Close()
	if err := l.Append(makeBatch(1, 40, 50, 0)); err != nil {
		t.Fatal(err)
	}
	writeSnap(t, l, 10, []byte("a"))
	writeSnap(t, l, 30, []byte("b"))
	if err := l.TruncateAfter(25); err != nil {
		t.Fatal(err)
	}
	o.FS = fs.CrashClone(vfs.CrashCloneCfg{})
	lc := mustOpen(t, o)
	defer lc.Close()
	if lc.LastZxid() != 25 || len(readAll(t, lc, 0)) != 25 {
		t.Fatalf("after crash: last %d", lc.LastZxid())
	}
	if got := lc.Snapshots(); !slices.Equal(got, []int64{10}) {
		t.Fatalf("after crash: Snapshots() = %v", got)
	}
}

// A snapshot being written when the log is truncated below its zxid is
// discarded rather than published.
func TestTruncateDiscardsSnapshotInFlight(t *testing.T) {
	l := mustOpen(t, testOptions(t, vfs.NewMem()))
	defer l.Close()
	if err := l.Append(makeBatch(1, 40, 50, 0)); err != nil {
		t.Fatal(err)
	}
	started, proceed := make(chan struct{}), make(chan struct{})
	res := make(chan error)
	go func() {
		_, err := l.WriteSnapshot(func(w io.Writer) (int64, error) {
			close(started)
			<-proceed
			w.Write([]byte("state at 35"))
			return 35, nil
		})
		res <- err
	}()
	<-started
	if err := l.TruncateAfter(30); err != nil {
		t.Fatal(err)
	}
	close(proceed)
	if err := <-res; !errors.Is(err, ErrSnapshotDiscarded) {
		t.Fatalf("WriteSnapshot: %v", err)
	}
	if got := l.Snapshots(); len(got) != 0 {
		t.Fatalf("Snapshots() = %v", got)
	}
	// A snapshot at or below the truncation point is still published.
	started, proceed = make(chan struct{}), make(chan struct{})
	go func() {
		_, err := l.WriteSnapshot(func(w io.Writer) (int64, error) {
			close(started)
			<-proceed
			return 28, nil
		})
		res <- err
	}()
	<-started
	if err := l.TruncateAfter(30); err != nil {
		t.Fatal(err)
	}
	close(proceed)
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	if got := l.Snapshots(); !slices.Equal(got, []int64{28}) {
		t.Fatalf("Snapshots() = %v", got)
	}
}
