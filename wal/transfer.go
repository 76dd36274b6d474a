package wal

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/zstd"
)

// SnapshotFile returns the raw bytes of the snapshot file at zxid (the
// compressed body and its trailer, exactly as WriteSnapshot wrote them), for
// sending to a peer, which passes them to ImportSnapshot. The whole file is
// verified first (trailer, CRC of the compressed bytes, and length and CRC of
// the decompressed ones): a damaged file gives an error wrapping ErrCorrupt,
// never bytes. The file is read into memory.
//
// It may run concurrently with every method; a snapshot Purge or
// TruncateAfter removes meanwhile is either returned whole or not found.
func (l *Log) SnapshotFile(zxid int64) ([]byte, error) {
	if zxid < 0 {
		return nil, fmt.Errorf("wal: SnapshotFile: negative zxid %d", zxid)
	}
	raw, err := readWhole(l.fs, l.fs.PathJoin(l.o.SnapDir, snapName(zxid)))
	if err != nil {
		return nil, fmt.Errorf("wal: read snapshot %#x: %w", zxid, err)
	}
	t, err := verifySnapshot(raw)
	if err != nil {
		return nil, fmt.Errorf("wal: snapshot %#x: %w", zxid, err)
	}
	if t.zxid != zxid {
		return nil, fmt.Errorf("%w: snapshot file for %#x holds %#x", ErrCorrupt, zxid, t.zxid)
	}
	return raw, nil
}

// ImportSnapshot verifies raw, the bytes of a snapshot file another server's
// SnapshotFile returned, and stores it durably in SnapDir as the snapshot at
// the zxid its trailer names, which it returns: written to a temp file,
// fsynced, renamed to its final name and the directory fsynced, like
// WriteSnapshot. An existing snapshot at that zxid is replaced. Afterwards
// Snapshots lists it and OpenSnapshot reads it like any other.
//
// A raw that fails verification (see SnapshotFile) is rejected with an error
// wrapping ErrCorrupt before any file is created. On an I/O error the temp
// file is removed and nothing is published; I/O errors are not fatal (as for
// WriteSnapshot). If TruncateAfter cuts the log below the zxid while the
// import runs, the snapshot is discarded (ErrSnapshotDiscarded). ImportSnapshot
// does not change the log: see Reset.
func (l *Log) ImportSnapshot(raw []byte) (int64, error) {
	start := time.Now()
	t, err := verifySnapshot(raw)
	if err != nil {
		return 0, fmt.Errorf("wal: ImportSnapshot: %w", err)
	}
	sw, err := l.beginSnapWrite()
	if err != nil {
		return 0, err
	}
	defer l.endSnapWrite(sw)

	tmp := l.snapTempPath(start)
	if err := writeDurable(l.fs, tmp, raw); err != nil {
		_ = l.fs.Remove(tmp)
		return 0, fmt.Errorf("wal: ImportSnapshot: %w", err)
	}
	if err := l.publishSnapshot(sw, tmp, t.zxid); err != nil {
		return 0, err
	}
	l.o.Logger("wal: imported %s: %d bytes (%d compressed) in %v",
		snapName(t.zxid), t.size, len(raw), time.Since(start))
	return t.zxid, nil
}

// verifySnapshot checks a whole snapshot file held in memory: its trailer,
// the CRC of the compressed bytes, and the length and CRC of what they
// decompress to. It returns the trailer.
func verifySnapshot(raw []byte) (trailer, error) {
	if len(raw) < trailerLen {
		return trailer{}, fmt.Errorf("%w: snapshot is %d bytes", ErrCorrupt, len(raw))
	}
	body := raw[:len(raw)-trailerLen]
	t, err := decodeTrailer(raw[len(body):])
	if err != nil {
		return trailer{}, err
	}
	if t.zxid < 0 {
		return trailer{}, fmt.Errorf("%w: snapshot trailer names zxid %#x", ErrCorrupt, uint64(t.zxid))
	}
	if c := crc32.Checksum(body, castagnoli); c != t.bodyCRC {
		return trailer{}, fmt.Errorf("%w: snapshot %#x: compressed bytes have CRC %08x, trailer says %08x",
			ErrCorrupt, t.zxid, c, t.bodyCRC)
	}
	dec, err := zstd.NewReader(bytes.NewReader(body),
		zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		return trailer{}, err
	}
	defer dec.Close()
	h := &capHash{limit: t.size}
	if _, err := dec.WriteTo(h); err != nil {
		return trailer{}, fmt.Errorf("%w: snapshot %#x: %w", ErrCorrupt, t.zxid, err)
	}
	if h.n != t.size || h.crc != t.crc {
		return trailer{}, fmt.Errorf("%w: snapshot %#x: %d bytes with CRC %08x, trailer says %d bytes with CRC %08x",
			ErrCorrupt, t.zxid, h.n, h.crc, t.size, t.crc)
	}
	return t, nil
}

// errTooLong stops a decompression that exceeds the trailer's length.
var errTooLong = errors.New("longer than its trailer says")

// capHash counts and checksums what is written to it, failing past limit
// bytes (so a damaged or hostile body cannot decompress without bound).
type capHash struct {
	limit, n uint64
	crc      uint32
}

func (h *capHash) Write(p []byte) (int, error) {
	if h.n+uint64(len(p)) > h.limit {
		return 0, errTooLong
	}
	h.n += uint64(len(p))
	h.crc = crc32.Update(h.crc, castagnoli, p)
	return len(p), nil
}

// readWhole returns the content of the file at path.
func readWhole(fs vfs.FS, path string) ([]byte, error) {
	f, err := fs.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, st.Size()), b); err != nil {
		return nil, err
	}
	return b, nil
}

// writeDurable creates the file at path holding data and fsyncs it. The
// caller removes it on error. data is left unchanged: it is written through
// a scratch buffer, since vfs.File.Write may modify what it is given.
func writeDurable(fs vfs.FS, path string, data []byte) error {
	f, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	scratch := make([]byte, min(len(data), snapOutputBuf))
	for p := data; len(p) > 0; {
		n := copy(scratch, p)
		if _, err := f.Write(scratch[:n]); err != nil {
			_ = f.Close()
			return err
		}
		p = p[n:]
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
