// Package diff is the differential suite: every scenario in testdata/*.zs
// runs against a fresh in-process zen and against a real Apache ZooKeeper
// 3.8.0 (Debian's package, started by the test), and the two normalised
// transcripts must be identical. ZooKeeper is the oracle: a difference is a
// zen bug unless the scenario itself is wrong.
//
// # Running
//
//	go test -race ./test/diff                         # everything (CI)
//	go test ./test/diff -run 'TestDiff/multi-empty$'  # one scenario
//	go test ./test/diff -run 'TestDiff/watch-' -v -diff.show
//
// TestGoZK (gozk_test.go) does the same for a few flows written with the
// go-zookeeper/zk client (run one with -run 'TestGoZK/gozk-multi$').
//
// -diff.show prints the transcript of passing scenarios too (and both
// transcripts of failing ones). ZEN_TEST_LOG=1 sends zen's log to stderr.
// A failing scenario prints a line diff: "  " lines are common, "- " lines
// are ZooKeeper's only, "+ " lines zen's only. Step lines (no indent) name
// the step; the indented "<-" lines under it are what that connection
// received, in wire order, while the step ran:
//
//	  s1 exists /a
//	-   <- reply exists xid=2 zx=+3 err=0 stat={cz=+3 mz=+3 …}
//	+   <- reply exists xid=2 zx=+3 err=-102(NoAuth)
//
// reads: on the step "s1 exists /a", ZooKeeper answered with a stat, zen
// with NoAuth.
//
// # Servers
//
// Scenarios name a Variant (servers.go): main (extendedTypesEnabled, all
// 4lw), plain (ZooKeeper defaults), reap (200 ms container/TTL check
// interval). Both servers get the same zoo.cfg lines (tickTime 200, so
// sessions may last 400..20000 ms; forceSync=no; a super digest
// "super:diffsuper"). One ZooKeeper per variant is started on first use
// and shared by that variant's scenarios, one scenario at a time; each
// scenario works in its own subtree /zdiffNNN (created before it starts,
// deleted with its sessions afterwards) so they do not see each other.
// Scenarios marked "fresh" get a ZooKeeper of their own and no subtree (for
// the root, /zookeeper and other global state). zen is always fresh: a new
// engine.Server per scenario, with the same subtree created first so both
// sides start from the same shape.
//
// # Ensemble members
//
// ZEN_DIFF_TARGET=ensemble-leader, ensemble-follower or ensemble-observer
// (make test runs all three) compares that member of a fresh in-process zen
// ensemble (3 voters, plus 1 observer for the last) with the same member of
// a ZooKeeper 3.8.0 ensemble of the same shape, shared per variant like the
// standalone server. The ensembles' ports differ: the membership lines in
// /zookeeper/config data are compared with their ports masked. A scenario
// marked "oracle=standalone" is compared with a standalone ZooKeeper
// instead when the target is an ensemble, for inputs that upset a 3.8.0
// ensemble (the scenario's comment says why).
//
//	ZEN_DIFF_TARGET=ensemble-follower go test -race ./test/diff
//
// # Normalisation
//
// Before comparing, the transcript replaces:
//   - zxids by offsets from the server's last zxid before the scenario's
//     first step ("+1" is normally the first session's creation); 0 and -1
//     stay, earlier zxids print as "pre";
//   - session ids (ephemeralOwner, ConnectResponse, 4lw output) by the name
//     of the connection that created the session (s1, s2 …), 0 stays 0;
//     passwords by their length and whether they are all zero;
//   - ctime/mtime by a relation: t=0 (both zero), t=same (mtime==ctime,
//     required while mzxid==czxid), t=later (mtime>=ctime after setData),
//     plus flags for impossible values (ctime not a recent wall clock in ms);
//   - the scenario's subtree prefix in paths by "~";
//   - child lists, getEphemerals lists and whoAmI lists by sorted lists
//     (ZooKeeper returns hash-set order);
//   - 4lw answers by their shape (per command: keys only, digits masked,
//     hash-ordered blocks sorted; see format.go).
//
// Everything else is compared exactly: error codes, reply xids and zxids,
// versions, cversion, aversion, numChildren, dataLength, data bytes, null
// vs empty data, ACL lists, event types, paths and their order relative to
// replies, and whether the connection is open or closed.
//
// # Scenario language
//
// A file holds scenarios; a scenario starts with "=== name [variant=V]
// [fresh] [oracle=standalone]" and lists steps, one per line ('#' starts a
// comment line). A step is bound to a connection (s1, s2 …) unless it is
// global. Requests wait for their reply (4 s; "timeout" is recorded
// otherwise) and record every frame that arrived on that connection
// meanwhile.
//
//	sN connect [timeout=MS] [session=sK|0xID] [passwd=ok|bad|zero|short|empty|x:HEX]
//	           [lastzxid=+N|N] [proto=N] [noro] [ro] [ [pipelined requests] ]
//	sN dial                         TCP only, no handshake (then use frame)
//	sN close                        closeSession (-11)
//	sN drop                         close the TCP connection
//	sN events | alive               ping barrier: record queued events, open/closed
//	sN wait-event [MS]              read until a notification arrives
//	sN await-close [MS]             read until the server closes (default 2 s)
//	sN pipe [req; req; …]           send requests in one write, read all replies
//	sN frame TOKENS [auto] [reply=N|none]   raw bytes (auto adds the length)
//	4lw CMD [mode=exact|mask|keys|blocks|dump|has:k1,k2]
//	sleep MS | settle               settle: wait until the zxid stops moving
//
// Requests (any takes xid=N, op=N to change the opcode, as=N to decode the
// reply as another opcode, noreply to not wait):
//
//	create|create2|createcontainer|createttl PATH [DATA] [flags=F] [acl=A] [ttl=N]
//	delete PATH [VERSION]      set PATH DATA [VERSION]      check PATH VERSION
//	exists|get|ls|ls2 PATH [watch]   getacl PATH   setacl PATH ACL [VERSION]
//	sync PATH   count PATH   ephemerals PREFIX   whoami   ping   sasl [DATA]
//	multi [req; …] [noend]     multiread [get P; ls P]
//	auth SCHEME DATA [type=N]  addwatch PATH persistent|recursive|N
//	checkwatches|removewatches PATH children|data|any|persistent|recursive|N
//	setwatches REL [data=P,P] [exist=…] [child=…]   setwatches2 … [persistent=…] [recursive=…]
//	reconfig [join=…] [leave=…] [members=…] [config=N]   deletecontainer PATH
//	raw OPCODE TOKENS          any opcode with any body
//
// PATH "/x" is inside the scenario's subtree, "^/x" is absolute, "null" is
// a null string; quoted strings use Go syntax ("\x00", "\u00e9"). DATA is
// text, "" (empty), null, empty, x:HEX or big:N (N generated bytes). F is a
// number or persistent|ephemeral|seq|eseq|container|ttl|ttlseq. A (ACL) is
// open, read, creator, none (empty list), null, bare perms (e.g. "rw", for
// world:anyone) or perms:scheme:id[,…] where a digest id "@user:pass" is
// hashed. REL and lastzxid take +N (relative to the base) or an absolute
// number. TOKENS for raw and frame: s:STR (ustring, path rules apply), snull,
// i:N, l:N (l:+N relative zxid), b:N, x:HEX, d:DATA (buffer), str:TEXT,
// sid:sN, or a quoted string (raw bytes).
//
// At the end every connection gets a final ping barrier ("final sN"), so
// late events and closed connections show up in the transcript.
//
// Scenarios must be deterministic on ZooKeeper: wait for asynchronous txns
// (expiry, reaping) with wait-event on a watch set before the txn can
// happen, never rely on hash order, and keep inputs that crash ZooKeeper
// 3.8.0 out (the files say which were left out and why).
package diff
