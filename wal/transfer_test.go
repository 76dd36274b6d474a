package wal

import (
	"bytes"
	"errors"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/klauspost/compress/zstd"
)

// A snapshot moves between two Logs byte for byte; the importer's copy is
// durable, listed and read like one it wrote itself.
func TestSnapshotTransfer(t *testing.T) {
	fsA := vfs.NewMem()
	a := mustOpen(t, testOptions(t, fsA))
	defer a.Close()
	const z = 1<<32 + 77
	payload := snapPayload(5, 300<<10)
	writeSnap(t, a, z, payload)

	raw, err := a.SnapshotFile(z)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, readFile(t, fsA, fsA.PathJoin(testSnapDir, snapName(z)))) {
		t.Fatal("SnapshotFile is not the file's bytes")
	}

	fsB := vfs.NewCrashableMem()
	oB := testOptions(t, fsB)
	b := mustOpen(t, oB)
	defer b.Close()
	if err := b.Append(makeBatch(1, 5, 10, 0)); err != nil {
		t.Fatal(err)
	}
	sent := bytes.Clone(raw)
	got, err := b.ImportSnapshot(raw)
	if err != nil || got != z {
		t.Fatalf("ImportSnapshot = %#x, %v", got, err)
	}
	if !bytes.Equal(raw, sent) {
		t.Fatal("ImportSnapshot modified its argument")
	}
	check := func(l *Log, fs vfs.FS) {
		t.Helper()
		if got := l.Snapshots(); !slices.Equal(got, []int64{z}) {
			t.Fatalf("Snapshots() = %v", got)
		}
		if data, err := readSnap(l, z); err != nil || !bytes.Equal(data, payload) {
			t.Fatalf("OpenSnapshot of the imported file: %d bytes, %v", len(data), err)
		}
		if again, err := l.SnapshotFile(z); err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("SnapshotFile of the imported file: %v", err)
		}
		names, _ := fs.List(testSnapDir)
		if !slices.Equal(names, []string{snapName(z)}) {
			t.Fatalf("SnapDir holds %v", names)
		}
	}
	check(b, fsB)
	// Importing the same snapshot again replaces it harmlessly.
	if got, err := b.ImportSnapshot(raw); err != nil || got != z {
		t.Fatalf("second ImportSnapshot = %#x, %v", got, err)
	}
	check(b, fsB)

	// Durable: survives a crash that keeps only synced data. A learner then
	// resets its log to start after the snapshot.
	if err := b.Reset(z); err != nil {
		t.Fatal(err)
	}
	oB.FS = fsB.CrashClone(vfs.CrashCloneCfg{})
	bc := mustOpen(t, oB)
	defer bc.Close()
	check(bc, oB.FS)
	checkModel(t, bc, logModel{base: z})
}

// Damaged or forged snapshot bytes are rejected with ErrCorrupt, and no
// file is left behind; the importer keeps working.
func TestImportSnapshotRejectsCorrupt(t *testing.T) {
	fsA := vfs.NewMem()
	a := mustOpen(t, testOptions(t, fsA))
	defer a.Close()
	const z = 42
	payload := snapPayload(9, 100<<10)
	writeSnap(t, a, z, payload)
	raw, err := a.SnapshotFile(z)
	if err != nil {
		t.Fatal(err)
	}
	body := raw[:len(raw)-trailerLen]
	tr, err := decodeTrailer(raw[len(body):])
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(raw)
		c[i] ^= 0x10
		return c
	}
	resign := func(body []byte, t trailer) []byte {
		return append(bytes.Clone(body), t.encode()...) // a valid trailer checksum
	}
	// A body that is valid zstd but decodes to other bytes, with every CRC of
	// the compressed bytes right: only the check of the decoded ones catches
	// it.
	enc, _ := zstd.NewWriter(nil)
	other := bytes.Clone(payload)
	other[len(other)/2] ^= 1
	otherBody := enc.EncodeAll(other, nil)
	enc.Close()
	otherCRC := crc32.Checksum(otherBody, castagnoli)
	// A zstd bomb relative to its trailer: decodes to more than it says.
	bigTr := tr
	bigTr.size = tr.size - 1

	cases := map[string][]byte{
		"empty":                  nil,
		"short":                  raw[:trailerLen-1],
		"truncated":              raw[:len(raw)-1],
		"trailer only":           raw[len(body):],
		"extra byte":             append(bytes.Clone(raw), 0),
		"body start":             flip(0),
		"body middle":            flip(len(body) / 2),
		"body end":               flip(len(body) - 1),
		"trailer magic":          flip(len(body)),
		"trailer zxid":           flip(len(body) + 12),
		"trailer size":           flip(len(body) + 20),
		"trailer crc":            flip(len(body) + 26),
		"trailer body crc":       flip(len(body) + 30),
		"trailer checksum":       flip(len(body) + 34),
		"decoded bytes differ":   resign(otherBody, trailer{zxid: z, size: tr.size, crc: tr.crc, bodyCRC: otherCRC}),
		"decoded length differs": resign(body, trailer{zxid: z, size: tr.size + 1, crc: tr.crc, bodyCRC: tr.bodyCRC}),
		"decodes past its size":  resign(body, bigTr),
		"not zstd":               resign([]byte("plain text body"), trailer{zxid: z, size: 15, bodyCRC: crc32.Checksum([]byte("plain text body"), castagnoli)}),
		"negative zxid":          resign(body, trailer{zxid: -1, size: tr.size, crc: tr.crc, bodyCRC: tr.bodyCRC}),
	}
	fsB := vfs.NewMem()
	b := mustOpen(t, testOptions(t, fsB))
	defer b.Close()
	for name, bad := range cases {
		if got, err := b.ImportSnapshot(bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: ImportSnapshot = %#x, %v; want ErrCorrupt", name, got, err)
		}
		if names, _ := fsB.List(testSnapDir); len(names) != 0 {
			t.Fatalf("%s: rejected import left %v", name, names)
		}
	}
	if got, err := b.ImportSnapshot(raw); err != nil || got != z {
		t.Fatalf("ImportSnapshot of the sound bytes = %#x, %v", got, err)
	}
	if data, err := readSnap(b, z); err != nil || !bytes.Equal(data, payload) {
		t.Fatalf("imported snapshot: %v", err)
	}
}

// SnapshotFile refuses to hand out a damaged file, or one holding another
// zxid's snapshot; a missing one is an error that is not ErrCorrupt.
func TestSnapshotFileRejectsCorrupt(t *testing.T) {
	fs := vfs.NewMem()
	l := mustOpen(t, testOptions(t, fs))
	defer l.Close()
	writeSnap(t, l, 10, snapPayload(1, 20<<10))
	writeSnap(t, l, 20, snapPayload(2, 20<<10))
	if _, err := l.SnapshotFile(30); err == nil || errors.Is(err, ErrCorrupt) {
		t.Fatalf("SnapshotFile of a missing snapshot: %v", err)
	}
	p10, p20 := fs.PathJoin(testSnapDir, snapName(10)), fs.PathJoin(testSnapDir, snapName(20))
	raw10 := readFile(t, fs, p10)
	damaged := bytes.Clone(raw10)
	damaged[len(damaged)/3] ^= 4
	rewriteFile(t, fs, p10, damaged)
	if _, err := l.SnapshotFile(10); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("SnapshotFile of a damaged file: %v", err)
	}
	rewriteFile(t, fs, p20, raw10) // named 20, holds 10
	if _, err := l.SnapshotFile(20); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("SnapshotFile of a misnamed file: %v", err)
	}
	if _, err := l.SnapshotFile(-1); err == nil {
		t.Fatal("SnapshotFile(-1) succeeded")
	}
}

// An I/O error while importing (a failed write or fsync of the file) is
// returned, leaves no temp file, and does not poison the log.
func TestImportSnapshotIOError(t *testing.T) {
	a := mustOpen(t, testOptions(t, vfs.NewMem()))
	defer a.Close()
	writeSnap(t, a, 7, snapPayload(3, 10<<10))
	raw, err := a.SnapshotFile(7)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		kinds map[errorfs.OpKind]bool
	}{
		{"sync", syncKinds},
		{"write", writeKinds},
	} {
		t.Run(c.name, func(t *testing.T) {
			mem := vfs.NewMem()
			inj := &switchInjector{match: "zen-snap", kinds: c.kinds}
			fr := newFatalRecorder()
			o := testOptions(t, newInjectFS(mem, inj))
			o.OnFatal = fr.onFatal
			l := mustOpen(t, o)
			defer l.Close()
			inj.on.Store(true)
			if _, err := l.ImportSnapshot(raw); err == nil {
				t.Fatal("ImportSnapshot succeeded despite I/O errors")
			}
			inj.on.Store(false)
			if inj.hits.Load() == 0 {
				t.Fatal("no error injected")
			}
			if c.name == "write" {
				// The file was never complete: nothing is left.
				if names, _ := mem.List(testSnapDir); len(names) != 0 {
					t.Fatalf("failed import left %v", names)
				}
			} else if names, _ := mem.List(testSnapDir); slices.ContainsFunc(names, func(n string) bool {
				return strings.HasPrefix(n, snapTempPrefix)
			}) {
				t.Fatalf("failed import left a temp file: %v", names)
			}
			if len(fr.calls()) != 0 {
				t.Fatal("a snapshot I/O error poisoned the log")
			}
			if err := l.Append(makeBatch(1, 2, 10, 0)); err != nil {
				t.Fatal(err)
			}
			if got, err := l.ImportSnapshot(raw); err != nil || got != 7 {
				t.Fatalf("retry: %#x, %v", got, err)
			}
			if data, err := readSnap(l, 7); err != nil || !bytes.Equal(data, snapPayload(3, 10<<10)) {
				t.Fatalf("retried import: %v", err)
			}
		})
	}
}

func TestImportSnapshotAfterClose(t *testing.T) {
	a := mustOpen(t, testOptions(t, vfs.NewMem()))
	writeSnap(t, a, 7, []byte("x"))
	raw, err := a.SnapshotFile(7)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := a.ImportSnapshot(raw); !errors.Is(err, ErrClosed) {
		t.Fatalf("ImportSnapshot after Close: %v", err)
	}
}
