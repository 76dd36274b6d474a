package wal

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// snapPayload returns size bytes that compress somewhat, like a serialized
// tree: repeated path fragments mixed with random data.
func snapPayload(seed uint64, size int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for b.Len() < size {
		b.WriteString("/app/service-")
		b.WriteByte(byte('a' + rng.IntN(26)))
		b.WriteString("/config/node-0000")
		for range rng.IntN(64) {
			b.WriteByte(byte(rng.Uint32()))
		}
	}
	return b.Bytes()[:size]
}

// writeSnap writes payload as the snapshot at zxid, in uneven pieces.
func writeSnap(t testing.TB, l *Log, zxid int64, payload []byte) {
	t.Helper()
	got, err := l.WriteSnapshot(func(w io.Writer) (int64, error) {
		for p := payload; len(p) > 0; {
			n := min(len(p), 1+len(p)%4099)
			if _, err := w.Write(p[:n]); err != nil {
				return 0, err
			}
			p = p[n:]
		}
		return zxid, nil
	})
	if err != nil || got != zxid {
		t.Fatalf("WriteSnapshot(%#x) = %#x, %v", zxid, got, err)
	}
}

// readSnap reads the whole snapshot at zxid.
func readSnap(l *Log, zxid int64) ([]byte, error) {
	r, err := l.OpenSnapshot(zxid)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// rewriteFile replaces the content of path.
func rewriteFile(t testing.TB, fs vfs.FS, path string, data []byte) {
	t.Helper()
	f, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append([]byte(nil), data...)); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, fs vfs.FS, path string) []byte {
	t.Helper()
	f, err := fs.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSnapshotRoundTrip(t *testing.T) {
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	payloads := map[int64][]byte{
		0:           nil, // an empty tree at startup
		0x100000005: snapPayload(1, 3<<20),
		0x100000009: snapPayload(2, 1000),
	}
	for _, z := range []int64{0x100000009, 0, 0x100000005} {
		writeSnap(t, l, z, payloads[z])
	}
	if got, want := l.Snapshots(), []int64{0x100000009, 0x100000005, 0}; !slices.Equal(got, want) {
		t.Fatalf("Snapshots() = %x, want %x", got, want)
	}
	check := func(l *Log) {
		t.Helper()
		for z, want := range payloads {
			got, err := readSnap(l, z)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("snapshot %#x: %d bytes, err %v; want %d bytes", z, len(got), err, len(want))
			}
		}
	}
	check(l)
	m := l.Metrics()
	if m.Snapshots != 3 || m.LastSnapshotRawBytes != 3<<20 || m.LastSnapshotBytes <= 0 ||
		m.LastSnapshotBytes >= 3<<20 || m.LastSnapshotDuration <= 0 {
		t.Fatalf("snapshot metrics: %+v", m)
	}
	names, _ := fs.List(testSnapDir)
	if slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, snapTempPrefix) }) {
		t.Fatalf("temp files left: %v", names)
	}
	l.Close()
	l = mustOpen(t, o)
	defer l.Close()
	check(l)
	if _, err := l.OpenSnapshot(0x77); err == nil {
		t.Fatal("OpenSnapshot of a missing snapshot succeeded")
	}
}

// Any flipped byte and any truncation is reported: by OpenSnapshot or, at
// the latest, by the Read that reaches the end; never as a clean io.EOF.
func TestSnapshotCorruptionDetected(t *testing.T) {
	fs := vfs.NewMem()
	l := mustOpen(t, testOptions(t, fs))
	defer l.Close()
	const z = 0x200000001
	payload := snapPayload(3, 200<<10)
	writeSnap(t, l, z, payload)
	path := fs.PathJoin(testSnapDir, snapName(z))
	orig := readFile(t, fs, path)

	positions := []int{0, 1, 4, 5, 17, len(orig) / 3, len(orig) / 2, len(orig) - trailerLen - 1}
	for i := len(orig) - trailerLen; i < len(orig); i++ {
		positions = append(positions, i) // every trailer byte
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 40 {
		positions = append(positions, rng.IntN(len(orig)))
	}
	for _, pos := range positions {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			data := append([]byte(nil), orig...)
			data[pos] ^= mask
			rewriteFile(t, fs, path, data)
			got, err := readSnap(l, z)
			if err == nil {
				t.Fatalf("byte %d ^ %#x: read %d bytes without error (equal to original: %v)",
					pos, mask, len(got), bytes.Equal(got, payload))
			}
		}
	}
	cuts := []int{0, 1, 10, len(orig) / 2, len(orig) - trailerLen, len(orig) - trailerLen + 1, len(orig) - 1}
	for _, cut := range cuts {
		rewriteFile(t, fs, path, orig[:cut])
		if _, err := readSnap(l, z); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", cut, len(orig))
		}
		if slices.Contains(l.Snapshots(), z) {
			t.Fatalf("truncated to %d bytes: still listed by Snapshots", cut)
		}
	}
	// A body cut short (or with a frame missing) but re-terminated with its
	// original, well-formed trailer still fails.
	body, tr := orig[:len(orig)-trailerLen], orig[len(orig)-trailerLen:]
	for _, cut := range []int{0, 1, len(body) / 2, len(body) - 1} {
		rewriteFile(t, fs, path, slices.Concat(body[:cut], tr))
		if _, err := readSnap(l, z); err == nil {
			t.Fatalf("body cut to %d of %d bytes, trailer kept: no error", cut, len(body))
		}
	}
	rewriteFile(t, fs, path, orig)
	if got, err := readSnap(l, z); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("restored file: %v", err)
	}
}

// A snapshot that is bad only in its compressed body is detected at the end
// even when the reader consumes it in small reads.
func TestSnapshotReaderReportsAtEnd(t *testing.T) {
	fs := vfs.NewMem()
	l := mustOpen(t, testOptions(t, fs))
	defer l.Close()
	payload := snapPayload(4, 64<<10)
	writeSnap(t, l, 7, payload)
	path := fs.PathJoin(testSnapDir, snapName(7))
	data := readFile(t, fs, path)
	// Replace the trailer with one that is well-formed but has a wrong CRC.
	tr, err := decodeTrailer(data[len(data)-trailerLen:])
	if err != nil {
		t.Fatal(err)
	}
	tr.crc ^= 1
	rewriteFile(t, fs, path, append(data[:len(data)-trailerLen:len(data)-trailerLen], tr.encode()...))
	if !slices.Contains(l.Snapshots(), 7) {
		t.Fatal("a file with a sound trailer is not listed")
	}
	r, err := l.OpenSnapshot(7)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, 100)
	var n int
	for {
		k, err := r.Read(buf)
		n += k
		if err == io.EOF {
			t.Fatal("Read returned io.EOF for a snapshot with a wrong CRC")
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			break
		}
	}
	if n != len(payload) {
		t.Fatalf("read %d bytes before the error, want all %d", n, len(payload))
	}
	if _, err := r.Read(buf); err == nil || err == io.EOF {
		t.Fatalf("error is not sticky: %v", err)
	}
}

func TestSnapshotWriterError(t *testing.T) {
	fs := vfs.NewMem()
	l := mustOpen(t, testOptions(t, fs))
	defer l.Close()
	boom := errors.New("tree serialization failed")
	_, err := l.WriteSnapshot(func(w io.Writer) (int64, error) {
		w.Write(snapPayload(1, 100<<10))
		return 0, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WriteSnapshot error %v does not wrap the writer's", err)
	}
	if _, err := l.WriteSnapshot(func(w io.Writer) (int64, error) { return -1, nil }); err == nil {
		t.Fatal("negative zxid accepted")
	}
	names, _ := fs.List(testSnapDir)
	if len(names) != 0 || len(l.Snapshots()) != 0 {
		t.Fatalf("files left after failed snapshots: %v", names)
	}
}

// A crash while a snapshot is being written leaves a temp file; it is never
// listed and Open removes it. A snapshot WriteSnapshot returned survives a
// crash that keeps only synced data (file and directory were fsynced).
func TestSnapshotCrash(t *testing.T) {
	fs := vfs.NewCrashableMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	writeSnap(t, l, 10, snapPayload(1, 50<<10))

	var mid *vfs.MemFS
	writeSnap(t, l, 20, nil)
	_, err := l.WriteSnapshot(func(w io.Writer) (int64, error) {
		w.Write(snapPayload(2, 300<<10))
		// Crash now, keeping every unsynced byte: the temp file is there.
		mid = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rand.New(rand.NewPCG(1, 1))})
		return 30, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names, _ := mid.List(testSnapDir)
	if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, snapTempPrefix) }) {
		t.Fatalf("crash image has no temp file: %v", names)
	}
	o.FS = mid
	lm := mustOpen(t, o)
	if got := lm.Snapshots(); !slices.Equal(got, []int64{20, 10}) {
		t.Fatalf("after crash mid-snapshot: Snapshots() = %v", got)
	}
	names, _ = mid.List(testSnapDir)
	if slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, snapTempPrefix) }) {
		t.Fatalf("Open left temp files: %v", names)
	}
	lm.Close()

	// Only synced data survives: all three published snapshots do.
	o.FS = fs.CrashClone(vfs.CrashCloneCfg{})
	l.Close()
	lc := mustOpen(t, o)
	defer lc.Close()
	if got := lc.Snapshots(); !slices.Equal(got, []int64{30, 20, 10}) {
		t.Fatalf("after crash: Snapshots() = %v", got)
	}
	if got, err := readSnap(lc, 30); err != nil || !bytes.Equal(got, snapPayload(2, 300<<10)) {
		t.Fatalf("snapshot 30 after crash: %v", err)
	}
}

func TestSnapshotsIgnoresStrayFiles(t *testing.T) {
	fs := vfs.NewMem()
	o := testOptions(t, fs)
	l := mustOpen(t, o)
	writeSnap(t, l, 5, []byte("five"))
	l.Close()
	for name, data := range map[string][]byte{
		"snapshot.5":                     []byte("old zk name"),
		"snapshot.000000000000000g.zst":  []byte("bad hex"),
		"snapshot.00000000000009.zst":    []byte("short hex"),
		"snapshot.0000000000000009.zst":  []byte("no trailer"),
		snapTempPrefix + "123.1":         []byte("unfinished"),
		"README":                         []byte("x"),
		"snapshot.000000000000000a.zst~": []byte("backup"),
	} {
		rewriteFile(t, fs, fs.PathJoin(testSnapDir, name), data)
	}
	l = mustOpen(t, o)
	defer l.Close()
	if got := l.Snapshots(); !slices.Equal(got, []int64{5}) {
		t.Fatalf("Snapshots() = %v", got)
	}
	if _, err := fs.Stat(fs.PathJoin(testSnapDir, snapTempPrefix+"123.1")); err == nil {
		t.Fatal("Open did not remove the temp file")
	}
	if _, err := fs.Stat(fs.PathJoin(testSnapDir, "README")); err != nil {
		t.Fatal("Open removed an unrelated file")
	}
}

func TestSnapshotConcurrentWithAppend(t *testing.T) {
	l := mustOpen(t, testOptions(t, vfs.NewMem()))
	defer l.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 5 {
			writeSnap(t, l, int64(i*100), snapPayload(uint64(i), 200<<10))
		}
	}()
	for b := range 200 {
		if err := l.Append(makeBatch(int64(b*5+1), 5, 100, uint32(b))); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if got := l.Snapshots(); len(got) != 5 {
		t.Fatalf("Snapshots() = %v", got)
	}
	if got := readAll(t, l, 0); len(got) != 1000 {
		t.Fatalf("%d entries", len(got))
	}
}

func TestWriteSnapshotAfterClose(t *testing.T) {
	l := mustOpen(t, testOptions(t, vfs.NewMem()))
	l.Close()
	if _, err := l.WriteSnapshot(func(io.Writer) (int64, error) { return 1, nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteSnapshot after Close: %v", err)
	}
}
