package engine

import (
	"slices"
	"unicode/utf16"
)

// javaStringHash is java.lang.String.hashCode over the string's UTF-16
// code units.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + r1
			h = 31*h + r2
			continue
		}
		h = 31*h + r
	}
	return h
}

// javaHashSetOrder sorts paths (given in insertion order) into the
// iteration order of a java.util.HashSet holding them: by bucket
// ((h ^ h>>>16) & (capacity-1), the capacity growing from 16 by doubling
// while more than 3/4 full), then by insertion order within a bucket.
// ZooKeeper deletes a closing session's ephemerals in this order, so the
// NodeDeleted events a watcher sees come in the same sequence on zen.
func javaHashSetOrder(paths []string) {
	capacity := 16
	for float64(len(paths)) > 0.75*float64(capacity) {
		capacity *= 2
	}
	type keyed struct {
		bucket, idx int
		path        string
	}
	ks := make([]keyed, len(paths))
	for i, p := range paths {
		h := javaStringHash(p)
		h ^= int32(uint32(h) >> 16)
		ks[i] = keyed{bucket: int(h) & (capacity - 1), idx: i, path: p}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.bucket != b.bucket {
			return a.bucket - b.bucket
		}
		return a.idx - b.idx
	})
	for i := range ks {
		paths[i] = ks[i].path
	}
}
