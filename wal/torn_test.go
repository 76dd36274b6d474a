package wal

import (
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// walImage is a closed log whose WAL holds every batch (nothing flushed),
// with the WAL size after each Append: batch i's record ends at ends[i].
type walImage struct {
	fs      *vfs.MemFS
	wal     string // path of the WAL file
	data    []byte // its bytes
	ends    []int64
	batches [][]Entry
}

func buildWALImage(t *testing.T) *walImage {
	t.Helper()
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	// The newest WAL receives the appends (names are zero-padded numbers).
	names := walFiles(t, fs, testDir)
	slices.Sort(names)
	img := &walImage{fs: fs, wal: fs.PathJoin(testDir, names[len(names)-1])}
	rng := rand.New(rand.NewPCG(3, 4))
	z := int64(0)
	for b := range 12 {
		// Batches 4 and 8 are larger than a 32 KiB WAL block, so their
		// records are split into several chunks.
		n := 1 + rng.IntN(10)
		if b == 4 || b == 8 {
			n = 60
		}
		batch := randBatch(rng, z+1, n, 1500, uint32(b))
		if err := l.Append(batch); err != nil {
			t.Fatal(err)
		}
		st, err := fs.Stat(img.wal)
		if err != nil {
			t.Fatal(err)
		}
		img.ends = append(img.ends, st.Size())
		img.batches = append(img.batches, batch)
		z = batch[len(batch)-1].Zxid
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := fs.Open(img.wal)
	if err != nil {
		t.Fatal(err)
	}
	img.data, err = io.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// withWAL returns a copy of the image's filesystem whose WAL file is data.
func (img *walImage) withWAL(t *testing.T, data []byte) *vfs.MemFS {
	t.Helper()
	fs := vfs.NewMem()
	if _, err := vfs.Clone(img.fs, fs, "/data", "/data"); err != nil {
		t.Fatal(err)
	}
	f, err := fs.Create(img.wal, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	// Copy: vfs.File.Write may modify its argument (MemFS does, in
	// invariants builds such as -race).
	if _, err := f.Write(append([]byte(nil), data...)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return fs
}

// A WAL cut at any byte (a torn write) recovers exactly the batches whose
// records lie wholly before the cut: never a part of the torn one.
func TestTornWALTailIsDropped(t *testing.T) {
	img := buildWALImage(t)
	start := int64(0)
	for i, end := range img.ends {
		cuts := []int64{start + 1, start + 7, (start + end) / 2, end - 1, end}
		if end-start > 32<<10 {
			// Cut at every block boundary inside a multi-chunk record.
			for b := (start/(32<<10) + 1) * (32 << 10); b < end; b += 32 << 10 {
				cuts = append(cuts, b, b+11)
			}
		}
		for _, cut := range cuts {
			if cut <= start || cut > end {
				continue
			}
			fs := img.withWAL(t, img.data[:cut])
			o := testOptions(t, fs)
			l := mustOpen(t, o)
			want := i
			if cut == end {
				want = i + 1
			}
			k, err := checkRecovered(readAll(t, l, 0), img.batches, want)
			if err == nil && k != want {
				t.Errorf("cut at %d (batch %d spans %d..%d): recovered %d batches, want %d",
					cut, i, start, end, k, want)
			}
			if err != nil {
				t.Errorf("cut at %d (batch %d spans %d..%d): %v", cut, i, start, end, err)
			}
			l.Close()
		}
		start = end
	}
}

// A damaged byte in the last record is indistinguishable from a torn write
// and is dropped like one. A damaged byte in an earlier record is never
// served and never skipped over: either Open fails with a corruption error,
// or the log ends just before the damaged record.
//
// Pebble decides between the two with the "synced offset" each WAL chunk
// header carries: a later chunk promising that the damaged bytes had been
// synced proves corruption. In v2.1.7 that offset leaves out full 32 KiB
// blocks written from the flusher's pending queue (record/log_writer.go
// flushLoop adds only the partial block to writtenOffset), so it lags once
// the WAL passes its first block, and damage further in is taken for a torn
// tail: the acked batches from the damaged one on are lost, though no wrong
// entry is served. Damage in the first block is always caught.
func TestDamagedWALRecord(t *testing.T) {
	img := buildWALImage(t)
	last := len(img.ends) - 1
	detected, cut := 0, 0
	for i, end := range img.ends {
		start := int64(0)
		if i > 0 {
			start = img.ends[i-1]
		}
		for _, pos := range []int64{start + 3, (start + end) / 2, end - 1} {
			data := append([]byte(nil), img.data...)
			data[pos] ^= 0x40
			fs := img.withWAL(t, data)
			l, err := Open(testOptions(t, fs))
			if err != nil {
				if i == last || !errors.Is(err, ErrCorrupt) {
					t.Fatalf("damage at %d in batch %d of %d: %v", pos, i, len(img.ends), err)
				}
				detected++
				continue
			}
			if end <= 32<<10 && i < last {
				t.Errorf("damage at %d in batch %d (first WAL block) was not detected", pos, i)
			}
			if i < last {
				cut++
			}
			if _, err := checkRecovered(readAll(t, l, 0), img.batches[:i], i); err != nil {
				t.Errorf("damage at %d in batch %d: %v", pos, i, err)
			}
			l.Close()
		}
	}
	t.Logf("damage before the last record: %d cases reported as corruption, %d cut the log", detected, cut)
	if detected == 0 {
		t.Fatal("no damage was detected as corruption")
	}
}
