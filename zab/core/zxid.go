package core

import "fmt"

// MaxEpoch is the highest epoch a zxid can carry (zxids are non-negative
// int64s with the epoch in the high 32 bits).
const MaxEpoch = 1<<31 - 1

// maxCounter is the last counter a leader hands out before it must give
// up its epoch (ZooKeeper forces an election at the rollover too).
const maxCounter = 1<<32 - 2

// MakeZxid builds epoch<<32 | counter.
func MakeZxid(epoch int64, counter uint32) int64 { return epoch<<32 | int64(counter) }

// EpochOf is the epoch part of a zxid.
func EpochOf(zxid int64) int64 { return zxid >> 32 }

// CounterOf is the counter part of a zxid.
func CounterOf(zxid int64) uint32 { return uint32(zxid) }

// FormatZxid renders a zxid as epoch.counter.
func FormatZxid(zxid int64) string {
	if zxid < 0 {
		return fmt.Sprint(zxid)
	}
	return fmt.Sprintf("%d.%d", EpochOf(zxid), CounterOf(zxid))
}
