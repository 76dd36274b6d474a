package wal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

const (
	testDir     = "/data/zen-log"
	testSnapDir = "/data/zen-snap"
)

// fatalRecorder counts OnFatal calls.
type fatalRecorder struct {
	mu   sync.Mutex
	errs []error
	ch   chan struct{} // closed on the first call
}

func newFatalRecorder() *fatalRecorder { return &fatalRecorder{ch: make(chan struct{})} }

func (r *fatalRecorder) onFatal(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
	if len(r.errs) == 1 {
		close(r.ch)
	}
}

func (r *fatalRecorder) calls() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// testOptions returns Options for fs under the test directories.
func testOptions(t testing.TB, fs vfs.FS) Options {
	return Options{
		Dir:     testDir,
		SnapDir: testSnapDir,
		FS:      fs,
		Logger: func(format string, args ...any) {
			if testing.Verbose() {
				t.Logf(format, args...)
			}
		},
	}
}

func mustOpen(t testing.TB, o Options) *Log {
	t.Helper()
	l, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

// entryData is the deterministic payload of zxid in batch: a header naming
// both, then filler derived from zxid, so a reader can tell a real entry from
// garbage or from an entry of another batch.
func entryData(zxid int64, batch uint32, size int) []byte {
	size = max(size, 12)
	b := make([]byte, size)
	binary.BigEndian.PutUint64(b, uint64(zxid))
	binary.BigEndian.PutUint32(b[8:], batch)
	for i := 12; i < size; i++ {
		b[i] = byte(uint64(zxid)*31 + uint64(i)*7)
	}
	return b
}

// checkEntry verifies data is entryData(zxid, batch, len(data)) for some
// batch and returns that batch.
func checkEntry(zxid int64, data []byte) (uint32, error) {
	if len(data) < 12 {
		return 0, fmt.Errorf("zxid %#x: %d-byte entry", zxid, len(data))
	}
	batch := binary.BigEndian.Uint32(data[8:])
	if want := entryData(zxid, batch, len(data)); !bytes.Equal(want, data) {
		return 0, fmt.Errorf("zxid %#x: garbage entry", zxid)
	}
	return batch, nil
}

// makeBatch returns n entries with zxids start, start+1, ... tagged batch.
func makeBatch(start int64, n int, size int, batch uint32) []Entry {
	out := make([]Entry, n)
	for i := range out {
		z := start + int64(i)
		out[i] = Entry{Zxid: z, Data: entryData(z, batch, size)}
	}
	return out
}

// randBatch is makeBatch with a random size per entry in [12, maxSize].
func randBatch(rng *rand.Rand, start int64, n, maxSize int, batch uint32) []Entry {
	out := make([]Entry, n)
	for i := range out {
		z := start + int64(i)
		out[i] = Entry{Zxid: z, Data: entryData(z, batch, 12+rng.IntN(maxSize-11))}
	}
	return out
}

// readAll returns every entry of l above after, copied.
func readAll(t testing.TB, l *Log, after int64) []Entry {
	t.Helper()
	var out []Entry
	err := l.Iterate(after, func(z int64, d []byte) error {
		out = append(out, Entry{Zxid: z, Data: append([]byte(nil), d...)})
		return nil
	})
	if err != nil {
		t.Fatalf("Iterate(%d): %v", after, err)
	}
	return out
}

func equalEntries(a, b []Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Zxid != b[i].Zxid || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

// walFiles lists the Pebble WAL files in dir.
func walFiles(t testing.TB, fs vfs.FS, dir string) []string {
	t.Helper()
	names, err := fs.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, ".log") {
			out = append(out, n)
		}
	}
	return out
}
