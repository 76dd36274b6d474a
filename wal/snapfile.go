package wal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Snapshot file layout:
//
//	zstd stream of the bytes the WriteSnapshot callback wrote
//	trailer (trailerLen bytes, big-endian):
//	  [0:8)   trailerMagic
//	  [8:16)  zxid (also in the file name)
//	  [16:24) uncompressed length
//	  [24:28) CRC-32C of the uncompressed bytes
//	  [28:32) CRC-32C of the compressed bytes (the file before the trailer)
//	  [32:36) CRC-32C of trailer bytes [0:32)
//
// A file only gets its final name snapshot.<zxid as 16 hex digits>.zst after
// its bytes were fsynced, so a crash leaves either no final file or a complete
// one; an unfinished file keeps a snapTempPrefix name and is removed by Open.
// The trailer (checked when the file is opened) catches truncation and
// damage to the tail. The CRC of the compressed bytes catches any other
// changed byte, even one zstd would decode to the same output (e.g. in a
// frame header's window size); the length and CRC of the output guard the
// decoder itself. Both are checked when the stream reaches its end.
const (
	snapPrefix     = "snapshot."
	snapSuffix     = ".zst"
	snapTempPrefix = "snapshot.tmp."
	snapHexLen     = 16

	trailerLen   = 36
	trailerMagic = "zensnap1"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// snapName returns the final file name of the snapshot at zxid.
func snapName(zxid int64) string {
	return fmt.Sprintf("%s%016x%s", snapPrefix, uint64(zxid), snapSuffix)
}

// parseSnapName returns the zxid of a final snapshot file name.
func parseSnapName(name string) (int64, bool) {
	if !strings.HasPrefix(name, snapPrefix) || !strings.HasSuffix(name, snapSuffix) {
		return 0, false
	}
	hex := name[len(snapPrefix) : len(name)-len(snapSuffix)]
	if len(hex) != snapHexLen {
		return 0, false
	}
	z, err := strconv.ParseUint(hex, 16, 64)
	if err != nil || int64(z) < 0 {
		return 0, false
	}
	return int64(z), true
}

type trailer struct {
	zxid    int64
	size    uint64 // uncompressed length
	crc     uint32 // of the uncompressed bytes
	bodyCRC uint32 // of the compressed bytes
}

func (t trailer) encode() []byte {
	b := make([]byte, trailerLen)
	copy(b, trailerMagic)
	binary.BigEndian.PutUint64(b[8:], uint64(t.zxid))
	binary.BigEndian.PutUint64(b[16:], t.size)
	binary.BigEndian.PutUint32(b[24:], t.crc)
	binary.BigEndian.PutUint32(b[28:], t.bodyCRC)
	binary.BigEndian.PutUint32(b[32:], crc32.Checksum(b[:32], castagnoli))
	return b
}

func decodeTrailer(b []byte) (trailer, error) {
	if len(b) != trailerLen || !bytes.Equal(b[:8], []byte(trailerMagic)) {
		return trailer{}, fmt.Errorf("%w: snapshot trailer missing", ErrCorrupt)
	}
	if crc32.Checksum(b[:32], castagnoli) != binary.BigEndian.Uint32(b[32:]) {
		return trailer{}, fmt.Errorf("%w: snapshot trailer checksum mismatch", ErrCorrupt)
	}
	return trailer{
		zxid:    int64(binary.BigEndian.Uint64(b[8:])),
		size:    binary.BigEndian.Uint64(b[16:]),
		crc:     binary.BigEndian.Uint32(b[24:]),
		bodyCRC: binary.BigEndian.Uint32(b[28:]),
	}, nil
}

// readTrailer reads and checks the trailer of an open snapshot file of the
// given size whose name says zxid.
func readTrailer(f vfs.File, size int64, zxid int64) (trailer, error) {
	if size < trailerLen {
		return trailer{}, fmt.Errorf("%w: snapshot %#x is %d bytes", ErrCorrupt, zxid, size)
	}
	b := make([]byte, trailerLen)
	if _, err := f.ReadAt(b, size-trailerLen); err != nil && err != io.EOF {
		return trailer{}, err
	}
	t, err := decodeTrailer(b)
	if err != nil {
		return trailer{}, err
	}
	if t.zxid != zxid {
		return trailer{}, fmt.Errorf("%w: snapshot file for %#x holds %#x", ErrCorrupt, zxid, t.zxid)
	}
	return t, nil
}

// snapFile is a snapshot file found in SnapDir.
type snapFile struct {
	zxid int64
	name string
}

// listSnapFiles returns every file with a final snapshot name, newest first,
// whether or not its content is valid.
func (l *Log) listSnapFiles() ([]snapFile, error) {
	names, err := l.fs.List(l.o.SnapDir)
	if err != nil {
		return nil, fmt.Errorf("wal: list %s: %w", l.o.SnapDir, err)
	}
	var out []snapFile
	for _, n := range names {
		if z, ok := parseSnapName(n); ok {
			out = append(out, snapFile{zxid: z, name: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].zxid > out[j].zxid })
	return out, nil
}

// complete reports whether the snapshot file has a sound trailer (a cheap
// check: it does not decompress the file).
func (l *Log) complete(sf snapFile) bool {
	f, err := l.fs.Open(l.fs.PathJoin(l.o.SnapDir, sf.name))
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	_, err = readTrailer(f, st.Size(), sf.zxid)
	return err == nil
}

// syncSnapDir fsyncs SnapDir so that creations, renames and removals in it
// are durable.
func (l *Log) syncSnapDir() error {
	d, err := l.fs.OpenDir(l.o.SnapDir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// initSnapDir creates SnapDir (durably) and removes unfinished temp files.
func (l *Log) initSnapDir() error {
	fs, dir := l.fs, l.o.SnapDir
	if err := mkdirDurable(fs, dir); err != nil {
		return err
	}
	names, err := fs.List(dir)
	if err != nil {
		return fmt.Errorf("wal: list %s: %w", dir, err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, snapTempPrefix) {
			if err := fs.Remove(fs.PathJoin(dir, n)); err != nil {
				return fmt.Errorf("wal: remove unfinished snapshot %s: %w", n, err)
			}
			l.o.Logger("wal: removed unfinished snapshot %s", n)
		}
	}
	return nil
}

// mkdirDurable creates dir and any missing parents, and fsyncs the parent of
// every directory it created so the new entries survive a crash (a
// directory's entry lives in its parent, and MkdirAll syncs nothing).
func mkdirDurable(fs vfs.FS, dir string) error {
	var missing []string
	for d := dir; ; {
		if _, err := fs.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
		p := fs.PathDir(d)
		if p == d {
			break
		}
		d = p
	}
	if len(missing) == 0 {
		return nil
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("wal: create %s: %w", dir, err)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		parent := fs.PathDir(missing[i])
		if parent == missing[i] {
			continue
		}
		f, err := fs.OpenDir(parent)
		if err == nil {
			err = f.Sync()
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("wal: sync directory %s: %w", parent, err)
		}
	}
	return nil
}
