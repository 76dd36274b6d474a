package wal

import (
	"io"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// benchLog opens a Log on the real disk under b.TempDir().
func benchLog(b *testing.B, noSync bool) *Log {
	b.Helper()
	dir := b.TempDir()
	l, err := Open(Options{Dir: dir + "/zen-log", SnapDir: dir + "/zen-snap", FS: vfs.Default, NoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// benchAppend appends b.N batches of n entries of size bytes each and
// reports throughput in fsyncs (Appends) and entries per second.
func benchAppend(b *testing.B, n, size int, noSync bool) {
	l := benchLog(b, noSync)
	batch := make([]Entry, n)
	for i := range batch {
		batch[i].Data = make([]byte, size)
	}
	b.SetBytes(int64(n * size))
	b.ReportAllocs()
	z := int64(0)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for i := range batch {
			z++
			batch[i].Zxid = z
		}
		if err := l.Append(batch); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "appends/s")
	b.ReportMetric(float64(b.N*n)/elapsed.Seconds(), "entries/s")
	m := l.Metrics()
	b.ReportMetric(float64(m.CommitMicros.P50), "p50-µs")
	b.ReportMetric(float64(m.CommitMicros.P99), "p99-µs")
}

// One entry per Append: the latency of one group commit (one fsync).
func BenchmarkAppend1(b *testing.B) { benchAppend(b, 1, 100, false) }

// 256 entries of 100 B per Append: a full batch under load, still one fsync.
func BenchmarkAppend256x100B(b *testing.B) { benchAppend(b, 256, 100, false) }

// The same without fsync (forceSync=no): the cost of Pebble plus a write(2).
func BenchmarkAppend1NoSync(b *testing.B)        { benchAppend(b, 1, 100, true) }
func BenchmarkAppend256x100BNoSync(b *testing.B) { benchAppend(b, 256, 100, true) }

// Iterate over 200,000 entries of 100 B (about half of them flushed to
// sstables), as a follower catching up would.
func BenchmarkIterate(b *testing.B) {
	l := benchLog(b, true)
	const total, size = 200_000, 100
	batch := make([]Entry, 1000)
	z := int64(0)
	for range total / len(batch) {
		for i := range batch {
			z++
			batch[i] = Entry{Zxid: z, Data: entryData(z, 0, size)}
		}
		if err := l.Append(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(total * size)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		n := 0
		err := l.Iterate(0, func(int64, []byte) error { n++; return nil })
		if err != nil || n != total {
			b.Fatalf("iterated %d: %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*total)/time.Since(start).Seconds(), "entries/s")
}

// Entries of 1024 entries of 100 B per call over a 200,000-entry log (about
// half of it flushed to sstables), as a leader streaming a follower's
// catch-up would call it.
func BenchmarkEntries1024x100B(b *testing.B) {
	l := benchLog(b, true)
	const total, size, per = 200_000, 100, 1024
	batch := make([]Entry, 1000)
	z := int64(0)
	for range total / len(batch) {
		for i := range batch {
			z++
			batch[i] = Entry{Zxid: z, Data: entryData(z, 0, size)}
		}
		if err := l.Append(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(per * size)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	after := int64(0)
	for range b.N {
		es, err := l.Entries(after, per)
		if err != nil || len(es) != per || es[0].Zxid != after+1 {
			b.Fatalf("Entries(%d): %d entries, %v", after, len(es), err)
		}
		if after += per; after+per > total {
			after = 0
		}
	}
	b.ReportMetric(float64(b.N*per)/time.Since(start).Seconds(), "entries/s")
}

// snapBenchInput is 100 MB of tree-like data, built once.
var snapBenchInput []byte

func snapInput() []byte {
	if snapBenchInput == nil {
		snapBenchInput = snapPayload(42, 100<<20)
	}
	return snapBenchInput
}

// WriteSnapshot of 100 MB written in 4 KiB pieces, through zstd, to disk
// (including its fsyncs).
func BenchmarkWriteSnapshot(b *testing.B) {
	l := benchLog(b, false)
	in := snapInput()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		_, err := l.WriteSnapshot(func(w io.Writer) (int64, error) {
			for p := in; len(p) > 0; {
				n := min(len(p), 4096)
				if _, err := w.Write(p[:n]); err != nil {
					return 0, err
				}
				p = p[n:]
			}
			return int64(i), nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	m := l.Metrics()
	b.ReportMetric(float64(m.LastSnapshotRawBytes)/float64(m.LastSnapshotBytes), "ratio")
}

// OpenSnapshot and read 100 MB, verifying both checksums.
func BenchmarkReadSnapshot(b *testing.B) {
	l := benchLog(b, false)
	in := snapInput()
	writeSnap(b, l, 1, in)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	buf := make([]byte, 64<<10)
	b.ResetTimer()
	for range b.N {
		r, err := l.OpenSnapshot(1)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf)
		if err != nil || n != int64(len(in)) {
			b.Fatalf("read %d: %v", n, err)
		}
		r.Close()
	}
}
