// Package tree is zen's replicated state machine: the znode tree with
// ZooKeeper's stat rules, the session table, the ephemeral, container and
// TTL indexes, the watch registry, deterministic txn apply and fuzzy
// snapshot (de)serialisation. It never blocks on I/O (WriteSnapshot and Load
// only do the I/O their caller hands them) and imports only proto.
//
// # Goroutines
//
//   - Exactly one goroutine, the applier, calls Apply. Everything Apply
//     mutates (nodes, children sets, indexes, sessions, the ACL intern table)
//     is mutated only there.
//   - Any goroutine may call the read methods (Exists, GetData, GetChildren,
//     GetACL, GetAllChildrenNumber, Lookup, Ephemerals, SessionEphemerals,
//     Session, Sessions, ReapCandidates, counters, Digest), the watch methods
//     (AddWatch, CheckWatches, RemoveWatches, SetWatches, DropWatcher and the
//     listings) and WriteSnapshot, concurrently with Apply and each other.
//   - New and Load build a tree before it is shared.
//
// # Locks
//
// Nodes are partitioned into 64 stripes by a hash of the full path; each
// stripe has a sync.RWMutex guarding its node map and every field of its
// nodes, and a plain mutex guarding its watch table. Lock order:
//
//  1. stripe RWMutexes, in ascending stripe index (only Apply holds more
//     than one; a reader holds at most one at a time);
//  2. idxMu (sessions and indexes); nobody takes a stripe lock while
//     holding it;
//  3. one watch-table mutex at a time, innermost. Watcher.Notify is called
//     under it (and under the stripe locks) and must not call back.
//
// # Invariants
//
//   - Atomic txns: Apply write-locks every stripe a txn touches (node and
//     parent; the union for a multi or closeSession), applies the whole txn,
//     fires its watches, publishes LastZxid, and only then unlocks. A reader
//     never sees part of a txn, and every notification a txn causes is
//     handed to its Watcher before any reader can observe the new state.
//   - No missed events: a read registers its watch while holding the read
//     lock of the node's stripe, so a change is either already visible to
//     the read or fires the new watch.
//   - Immutable values: data slices (exact-size copies) and ACL lists
//     (interned, reference counted, one shared list per distinct ACL) are
//     never modified once a node refers to them, so readers return them
//     without copying. Paths passed in by callers may alias transient
//     buffers; they are copied before being retained.
//   - Reads of an existing node without a watch do not allocate.
//   - Memory: one allocation (128 bytes) of metadata per node; a child's
//     name in its parent's children set is a substring of the child's path;
//     nodes without children have no children map.
//   - Client-visible cversion is 2*ChildCreates - numChildren; the client
//     ephemeralOwner hides container and TTL markers.
//   - Replay gate: every node and session records lastZxid, the zxid of the
//     last txn that changed it (for a parent, including its child counters).
//     A txn's effect on a node is skipped when lastZxid ≥ the txn's zxid,
//     unless the same txn changed the node earlier. With WriteSnapshot's
//     per-stripe all-or-nothing view this makes Load + re-applying every
//     entry after the snapshot's zxid reproduce the live tree exactly
//     (Digest equal). In normal operation nothing is ever gated.
//   - The one state-dependent effect, closeSession deleting the ephemerals
//     its session "still owns", is made replayable by the snapshot's
//     ephemeral pre-image (see snapshot.go): Load keeps the recorded
//     ephemerals it has no node for as ghosts that a replayed closeSession
//     still deletes (updating the parent's pzxid) and a replayed delete
//     forgets. Fuzzy snapshots can also hold a child without its parent;
//     Load keeps it unlinked and the replay links or deletes it.
//   - The snapshot does not hold watches; a loaded tree has none.
package tree
