package wal

import (
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/zstd"
)

// ErrSnapshotDiscarded is returned by WriteSnapshot when TruncateAfter cut
// the log below the snapshot's zxid while it was being written.
var ErrSnapshotDiscarded = errors.New("wal: snapshot discarded: log truncated below its zxid while it was written")

// Buffer sizes of the snapshot pipeline, in bytes.
const (
	snapInputBuf  = 64 << 10  // coalesces the callback's small writes before zstd
	snapOutputBuf = 256 << 10 // coalesces zstd output into large file writes
)

// snapState guards the snapshot directory.
type snapState struct {
	// mu serializes publishing (rename), removal (Purge, TruncateAfter) and
	// listing of snapshot files. Lock order: mu before Log.wmu.
	mu       sync.Mutex
	closed   bool                    // guarded by mu; no new WriteSnapshot
	inflight map[*snapWrite]struct{} // guarded by mu
	wg       sync.WaitGroup          // in-flight WriteSnapshot calls
	seq      atomic.Uint64           // temp file names
}

// snapWrite is one WriteSnapshot in progress.
type snapWrite struct {
	limit int64 // guarded by snapState.mu; publish only if zxid <= limit
}

// WriteSnapshot streams the bytes write produces through zstd into a temp
// file in SnapDir, appends the trailer, fsyncs the file, renames it to
// snapshot.<zxid>.zst (zxid as write returned it) and fsyncs the directory.
// It returns the zxid once the snapshot is durable.
//
// It runs concurrently with Append and the other methods (a background
// goroutine calls it). Its I/O errors are returned, not fatal: the log is
// untouched and the temp file is removed.
func (l *Log) WriteSnapshot(write func(w io.Writer) (zxid int64, err error)) (int64, error) {
	start := time.Now()
	sw, err := l.beginSnapWrite()
	if err != nil {
		return 0, err
	}
	defer l.endSnapWrite(sw)

	tmp := l.snapTempPath(start)
	zxid, raw, packed, err := l.writeSnapshotFile(tmp, write)
	if err != nil {
		_ = l.fs.Remove(tmp)
		return 0, err
	}
	if err := l.publishSnapshot(sw, tmp, zxid); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	l.m.snapshotted(raw, packed, elapsed)
	l.o.Logger("wal: wrote %s: %d bytes (%d compressed) in %v", snapName(zxid), raw, packed, elapsed)
	return zxid, nil
}

// beginSnapWrite registers a snapshot write (WriteSnapshot, ImportSnapshot)
// so that Close waits for it and TruncateAfter can veto its publication. The
// caller must call endSnapWrite.
func (l *Log) beginSnapWrite() (*snapWrite, error) {
	s := &l.snap
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	sw := &snapWrite{limit: math.MaxInt64}
	s.inflight[sw] = struct{}{}
	s.wg.Add(1)
	return sw, nil
}

func (l *Log) endSnapWrite(sw *snapWrite) {
	s := &l.snap
	s.mu.Lock()
	delete(s.inflight, sw)
	s.mu.Unlock()
	s.wg.Done()
}

// snapTempPath returns a fresh temp file path in SnapDir.
func (l *Log) snapTempPath(now time.Time) string {
	return l.fs.PathJoin(l.o.SnapDir,
		fmt.Sprintf("%s%d.%d", snapTempPrefix, now.UnixNano(), l.snap.seq.Add(1)))
}

// publishSnapshot renames the complete, fsynced temp file tmp to the final
// name of the snapshot at zxid and fsyncs SnapDir, unless a TruncateAfter
// below zxid happened since sw began (ErrSnapshotDiscarded). tmp is removed
// if it is not published.
func (l *Log) publishSnapshot(sw *snapWrite, tmp string, zxid int64) error {
	s := &l.snap
	s.mu.Lock()
	defer s.mu.Unlock()
	if zxid > sw.limit {
		_ = l.fs.Remove(tmp)
		return fmt.Errorf("%w (%#x > %#x)", ErrSnapshotDiscarded, zxid, sw.limit)
	}
	final := l.fs.PathJoin(l.o.SnapDir, snapName(zxid))
	if err := l.fs.Rename(tmp, final); err != nil {
		_ = l.fs.Remove(tmp)
		return fmt.Errorf("wal: publish snapshot: %w", err)
	}
	if err := l.syncSnapDir(); err != nil {
		return fmt.Errorf("wal: publish snapshot: %w", err)
	}
	return nil
}

// writeSnapshotFile writes and fsyncs the complete snapshot file at path and
// returns its zxid and its uncompressed and compressed sizes.
func (l *Log) writeSnapshotFile(
	path string, write func(io.Writer) (int64, error),
) (zxid int64, raw, packed int64, err error) {
	f, err := l.fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("wal: create snapshot: %w", err)
	}
	defer func() {
		if f != nil {
			_ = f.Close()
		}
	}()
	out := &hashWriter{w: f}
	bw := bufio.NewWriterSize(out, snapOutputBuf)
	// SpeedFastest: about 3x the throughput of SpeedDefault on tree-like
	// data for a few percent more output; snapshots compete with the
	// request path for CPU, not for disk space. WithLowerEncoderMem would
	// cost another ~40% of throughput to save a few MiB.
	enc, err := zstd.NewWriter(bw,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(l.o.SnapshotConcurrency))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("wal: snapshot encoder: %w", err)
	}
	hw := &hashWriter{w: enc}
	in := bufio.NewWriterSize(hw, snapInputBuf)

	zxid, err = write(in)
	if err == nil && zxid < 0 {
		err = fmt.Errorf("negative zxid %d", zxid)
	}
	if err != nil {
		_ = enc.Close()
		return 0, 0, 0, fmt.Errorf("wal: snapshot writer: %w", err)
	}
	if err := in.Flush(); err != nil {
		_ = enc.Close()
		return 0, 0, 0, fmt.Errorf("wal: write snapshot: %w", err)
	}
	if err := enc.Close(); err != nil {
		return 0, 0, 0, fmt.Errorf("wal: write snapshot: %w", err)
	}
	if err := bw.Flush(); err != nil { // out now holds the whole body
		return 0, 0, 0, fmt.Errorf("wal: write snapshot: %w", err)
	}
	t := trailer{zxid: zxid, size: uint64(hw.n), crc: hw.crc, bodyCRC: out.crc}
	if _, err := bw.Write(t.encode()); err != nil {
		return 0, 0, 0, fmt.Errorf("wal: write snapshot: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return 0, 0, 0, fmt.Errorf("wal: write snapshot: %w", err)
	}
	if err := f.Sync(); err != nil {
		return 0, 0, 0, fmt.Errorf("wal: fsync snapshot: %w", err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return 0, 0, 0, fmt.Errorf("wal: close snapshot: %w", err)
	}
	return zxid, hw.n, out.n + trailerLen, nil
}

// Snapshots returns the zxids of the complete snapshot files, newest first.
// A file is complete when it has its final name and a sound trailer; its
// content is verified only when read through OpenSnapshot.
func (l *Log) Snapshots() []int64 {
	l.snap.mu.Lock()
	defer l.snap.mu.Unlock()
	files, err := l.completeSnapshotsLocked()
	if err != nil {
		l.o.Logger("wal: %v", err)
		return nil
	}
	out := make([]int64, len(files))
	for i, f := range files {
		out[i] = f.zxid
	}
	return out
}

// completeSnapshotsLocked lists complete snapshot files, newest first.
// REQUIRES: snap.mu held.
func (l *Log) completeSnapshotsLocked() ([]snapFile, error) {
	files, err := l.listSnapFiles()
	if err != nil {
		return nil, err
	}
	out := files[:0]
	for _, f := range files {
		if l.complete(f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// removeSnapshotsAboveLocked removes every snapshot file with a zxid above
// zxid, makes the removal durable, and stops in-flight writes of such
// snapshots from publishing.
// REQUIRES: snap.mu held.
func (l *Log) removeSnapshotsAboveLocked(zxid int64) error {
	for sw := range l.snap.inflight {
		sw.limit = min(sw.limit, zxid)
	}
	files, err := l.listSnapFiles()
	if err != nil {
		return err
	}
	removed := 0
	for _, f := range files {
		if f.zxid <= zxid {
			continue
		}
		if err := l.fs.Remove(l.fs.PathJoin(l.o.SnapDir, f.name)); err != nil {
			return fmt.Errorf("remove %s: %w", f.name, err)
		}
		removed++
		l.o.Logger("wal: removed %s (above truncation point %#x)", f.name, zxid)
	}
	if removed > 0 {
		return l.syncSnapDir()
	}
	return nil
}

// OpenSnapshot returns a streaming, decompressing reader of the snapshot at
// zxid. It fails at once if the file's trailer is missing or damaged (a torn
// or truncated file). Damage elsewhere is reported by Read as a non-nil error
// other than io.EOF, at the latest when the end is reached: a caller that
// read to io.EOF got exactly the bytes that were written.
func (l *Log) OpenSnapshot(zxid int64) (io.ReadCloser, error) {
	if zxid < 0 {
		return nil, fmt.Errorf("wal: OpenSnapshot: negative zxid %d", zxid)
	}
	f, err := l.fs.Open(l.fs.PathJoin(l.o.SnapDir, snapName(zxid)))
	if err != nil {
		return nil, fmt.Errorf("wal: open snapshot %#x: %w", zxid, err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("wal: open snapshot %#x: %w", zxid, err)
	}
	t, err := readTrailer(f, st.Size(), zxid)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("wal: open snapshot %#x: %w", zxid, err)
	}
	src := &readErrs{r: io.NewSectionReader(f, 0, st.Size()-trailerLen)}
	dec, err := zstd.NewReader(bufio.NewReaderSize(src, snapOutputBuf),
		zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("wal: open snapshot %#x: %w", zxid, err)
	}
	return &snapReader{f: f, src: src, dec: dec, want: t}, nil
}

// snapReader decompresses a snapshot and verifies length and CRC at the end.
type snapReader struct {
	f    vfs.File
	src  *readErrs
	dec  *zstd.Decoder
	want trailer
	n    uint64
	crc  uint32
	err  error // sticky
}

func (r *snapReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.dec.Read(p)
	r.n += uint64(n)
	r.crc = crc32.Update(r.crc, castagnoli, p[:n])
	switch {
	case err == io.EOF:
		err = r.verify()
	case err != nil && r.src.err != nil:
		err = fmt.Errorf("wal: read snapshot %#x: %w", r.want.zxid, r.src.err)
	case err != nil:
		err = fmt.Errorf("%w: snapshot %#x: %w", ErrCorrupt, r.want.zxid, err)
	case r.n > r.want.size:
		err = fmt.Errorf("%w: snapshot %#x longer than its trailer says", ErrCorrupt, r.want.zxid)
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

// verify is called once the decoder reached the end of the stream. It
// returns io.EOF if the snapshot is intact.
func (r *snapReader) verify() error {
	// Checksum whatever the decoder left unread (bytes after its last frame).
	if _, err := io.Copy(io.Discard, r.src); err != nil {
		return fmt.Errorf("wal: read snapshot %#x: %w", r.want.zxid, err)
	}
	if r.src.crc != r.want.bodyCRC {
		return fmt.Errorf("%w: snapshot %#x: compressed bytes have CRC %08x, trailer says %08x",
			ErrCorrupt, r.want.zxid, r.src.crc, r.want.bodyCRC)
	}
	if r.n != r.want.size || r.crc != r.want.crc {
		return fmt.Errorf("%w: snapshot %#x: %d bytes with CRC %08x, trailer says %d bytes with CRC %08x",
			ErrCorrupt, r.want.zxid, r.n, r.crc, r.want.size, r.want.crc)
	}
	return io.EOF
}

func (r *snapReader) Close() error {
	r.dec.Close()
	return r.f.Close()
}

// readErrs checksums the compressed bytes read through it, and remembers
// the first error other than io.EOF its reader returned, so an I/O error is
// not reported as corruption.
type readErrs struct {
	r   io.Reader
	crc uint32
	err error
}

func (e *readErrs) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.crc = crc32.Update(e.crc, castagnoli, p[:n])
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// hashWriter counts and checksums what passes through it.
type hashWriter struct {
	w   io.Writer
	n   int64
	crc uint32
}

func (h *hashWriter) Write(p []byte) (int, error) {
	h.crc = crc32.Update(h.crc, castagnoli, p)
	h.n += int64(len(p))
	return h.w.Write(p)
}
