package wal

import (
	"encoding/binary"
	"math"
)

// Key layout in the Pebble store. The prefixes sort as internal < log < meta,
// so each kind of key is one contiguous range:
//
//	'i' name        internal bookkeeping (see purgedKey)
//	'l' zxid[8]     a log entry; zxid big-endian, so byte order is zxid order
//	'm' key         metadata written with SetMeta
const (
	internalPrefix = 'i'
	logPrefix      = 'l'
	metaPrefix     = 'm'

	logKeyLen = 9
)

// purgedKey holds the log's base (Log.Base; 8 bytes, big-endian): the
// highest zxid Purge has removed, or the latest Reset point. Append never
// accepts a zxid at or below it, even once the log is empty. It is written
// in the same batch as the deletion of the entries it covers.
var purgedKey = []byte{internalPrefix, 'p', 'u', 'r', 'g', 'e', 'd'}

// logStart and logEnd bound every log key: logStart <= key < logEnd.
var (
	logStart = []byte{logPrefix}
	logEnd   = []byte{logPrefix + 1}
)

// logKey writes the key of zxid into buf and returns it.
// REQUIRES: zxid >= 0.
func logKey(buf *[logKeyLen]byte, zxid int64) []byte {
	buf[0] = logPrefix
	binary.BigEndian.PutUint64(buf[1:], uint64(zxid))
	return buf[:]
}

// logKeyAfter returns the smallest log key for a zxid greater than zxid (an
// inclusive lower bound for "entries after zxid"). Negative zxids map to the
// start of the log; math.MaxInt64 maps to logEnd.
func logKeyAfter(zxid int64) []byte {
	if zxid < 0 {
		return logStart
	}
	if zxid == math.MaxInt64 {
		return logEnd
	}
	var b [logKeyLen]byte
	return logKey(&b, zxid+1)
}

// parseLogKey returns the zxid of a log key, or false if key is not one.
func parseLogKey(key []byte) (int64, bool) {
	if len(key) != logKeyLen || key[0] != logPrefix {
		return 0, false
	}
	z := binary.BigEndian.Uint64(key[1:])
	if z > math.MaxInt64 {
		return 0, false
	}
	return int64(z), true
}

// metaKey returns the Pebble key of metadata key k.
func metaKey(k string) []byte {
	b := make([]byte, 0, 1+len(k))
	b = append(b, metaPrefix)
	return append(b, k...)
}
