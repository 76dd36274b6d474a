// Package proto is the ZooKeeper client wire protocol: jute encoding, every
// client record, opcode, error code and event type, plus zen's own txn records
// (the replicated log entries).
//
// What it owns, file by file:
//
//	codec.go            Reader (jute primitives, sticky errors) and Append* helpers
//	frame.go            length-prefixed frames (SplitFrame), request/reply headers
//	records_base.go     Stat, ACL
//	records.go          znode operation records (create … reconfig), Record
//	records_session.go  handshake, auth, SASL, whoAmI records
//	records_watch.go    WatcherEvent, setWatches, watch management requests
//	replies.go          struct-free appenders for hot reply bodies
//	multi.go            multi / multiRead requests and responses
//	txn.go              zen's txn (log) records
//	consts.go           opcodes, error codes, flags, perms, markers
//
// Who calls what: netpoll's event loops split frames and decode requests in
// place; the engine decodes write requests and multis and appends replies;
// bench and tests encode requests and decode responses with the same types.
// Nothing here has state shared between calls, so any goroutine may call
// anything; a Reader or record value belongs to one goroutine at a time.
//
// Invariants:
//   - Decoding never panics on any input and never reads outside its
//     frame: failures become the Reader's sticky error (ErrShort,
//     ErrBadLength, ErrMultiOp) and later reads return zero
//     values.
//   - Byte slices handed out by decoders alias the input frame: valid only
//     as long as the frame is, copied by whoever keeps them. Decoding a
//     request with no vector field allocates nothing; vectors allocate their
//     outer slice (ACL strings for the common schemes and ids are shared
//     constants).
//   - Encoders append to a caller-owned []byte and allocate only to grow it.
//     For every record, decoding its Append output yields an equal record
//     (a null ustring decodes as empty; null-ness is kept where it matters:
//     *Null flags, and nil fields in ReconfigRequest).
//
// proto knows nothing about connections or server state.
package proto
