package tree

import (
	"hash/maphash"
	"math/bits"
	"sync"
)

// nStripes is the number of lock stripes. It must be 64: lock sets are
// uint64 bit masks.
const nStripes = 64

// stripe is one partition of the tree: the nodes whose full path hashes to it
// and the watches on those paths.
type stripe struct {
	// mu guards nodes and every field of every node in it.
	mu    sync.RWMutex
	nodes map[string]*node
	// w is the watch table of the paths in this stripe; it has its own
	// mutex (see watch.go) so readers holding mu.RLock can register.
	w watchTable
	_ [40]byte // keep neighbouring stripes' hot words on separate cache lines
}

// stripeIndex maps a path to its stripe.
func (t *Tree) stripeIndex(path string) int {
	return int(maphash.String(t.seed, path) & (nStripes - 1))
}

// stripeIndexBytes is stripeIndex for a path held in a byte slice (same
// result as stripeIndex of the equivalent string).
func (t *Tree) stripeIndexBytes(path []byte) int {
	return int(maphash.Bytes(t.seed, path) & (nStripes - 1))
}

func (t *Tree) stripeOf(path string) *stripe { return &t.stripes[t.stripeIndex(path)] }

// lockMask write-locks every stripe in mask in ascending index order (the
// only order in which more than one stripe lock is ever held).
func (t *Tree) lockMask(mask uint64) {
	for m := mask; m != 0; m &= m - 1 {
		t.stripes[bits.TrailingZeros64(m)].mu.Lock()
	}
}

// unlockMask releases the locks taken by lockMask.
func (t *Tree) unlockMask(mask uint64) {
	for m := mask; m != 0; m &= m - 1 {
		t.stripes[bits.TrailingZeros64(m)].mu.Unlock()
	}
}
