// Package proto is the ZooKeeper client wire protocol: jute encoding, every
// client record, opcode, error code and event type, plus zen's own txn records
// (the replicated log entries).
//
// Encoding is zero-allocation on the hot path: a Reader walks a frame in place
// and hands out sub-slices of it (valid only as long as the frame is), and
// encoders append to a caller-owned []byte.
//
// proto knows nothing about connections or server state.
package proto
