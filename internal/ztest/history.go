package ztest

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/go-zookeeper/zk"
)

// A History records what clients did to a set of registers (znodes read
// and written whole) and what they were told, for a linearizability check
// with porcupine (CheckLinearizable).
//
// Register operations:
//
//	OpCreate    create key with a value (ok: it is version 0; failed: NodeExists)
//	OpSet       setData key, version -1 (ok: the new version; failed: NoNode)
//	OpGet       a fenced read: setData of the client's own fence node, then
//	            getData of key on the same session (ok: value and version;
//	            failed: NoNode)
//	OpSyncGet   sync then getData of key on the same session; recorded, but
//	            not linearizable in ZooKeeper (see below), so not checked
//	            (StaleSyncReads counts the stale ones)
//
// A write that ends without a definite answer (connection loss, session
// expiry, timeout) may or may not have taken effect, at any time after it
// was called: it is given an infinite return time. A read without an
// answer says nothing and is left out.
//
// ZooKeeper promises linearizable writes, FIFO order per session and
// sequentially consistent reads. A plain getData may be stale on any
// server. sync+getData is not linearizable either: the leader answers a
// sync at once, while its own applier may still lag a commit that a
// follower has applied and acknowledged to its client; and a leader cut
// off from the others serves reads until it notices. A fenced read is
// linearizable: the fence write is answered only once it is committed
// and applied where the session is, so the read after it (FIFO) sees
// every write acknowledged before the fence was sent, anywhere.
type History struct {
	start time.Time
	mu    sync.Mutex
	ops   []HOp
}

// HKind is a register operation.
type HKind uint8

// Register operations.
const (
	OpCreate HKind = iota
	OpSet
	OpGet
	OpSyncGet
)

func (k HKind) String() string { return [...]string{"create", "set", "get", "sync+get"}[k] }

// Outcome is what a client learnt about an operation.
type Outcome uint8

// Outcomes.
const (
	OutOK      Outcome = iota
	OutFailed          // definite failure: create NodeExists, set/get NoNode
	OutUnknown         // no definite answer
)

func (o Outcome) String() string { return [...]string{"ok", "failed", "unknown"}[o] }

// HOp is one operation of a History. Call and Return are nanoseconds since
// the History started; Return is meaningless for OutUnknown.
type HOp struct {
	Client  int
	Kind    HKind
	Key     string
	Value   string // create/set: written; get (ok): read
	Version int32  // set (ok): the new version; get (ok): the version read
	Outcome Outcome
	Err     error
	Call    int64
	Return  int64
	Tag     string // free for the test: e.g. which server the client uses
	Server  string // the server the session was connected to when it returned
}

func (op HOp) String() string {
	s := fmt.Sprintf("client %d %s %s", op.Client, op.Kind, op.Key)
	read := op.Kind == OpGet || op.Kind == OpSyncGet
	if !read {
		s += fmt.Sprintf(" %q", op.Value)
	}
	s += " → " + op.Outcome.String()
	if op.Outcome == OutOK && op.Kind != OpCreate {
		if read {
			s += fmt.Sprintf(" %q", op.Value)
		}
		s += fmt.Sprintf(" v%d", op.Version)
	}
	if op.Err != nil {
		s += fmt.Sprintf(" (%v)", op.Err)
	}
	s += fmt.Sprintf(" [%.3fs, %.3fs]", float64(op.Call)/1e9, float64(op.Return)/1e9)
	if op.Server != "" {
		s += " via " + op.Server
	}
	return s
}

// NewHistory starts an empty history; its clock starts now.
func NewHistory() *History { return &History{start: time.Now()} }

// Now is the history's clock: nanoseconds since it started (monotonic).
func (h *History) Now() int64 { return int64(time.Since(h.start)) }

// Add records an operation.
func (h *History) Add(op HOp) {
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

// Ops returns a copy of the recorded operations.
func (h *History) Ops() []HOp {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]HOp(nil), h.ops...)
}

// outcomeOf classifies a go-zk error: failed is the error that is a
// definite, state-revealing failure for the operation.
func outcomeOf(err, failed error) Outcome {
	switch {
	case err == nil:
		return OutOK
	case errors.Is(err, failed):
		return OutFailed
	}
	return OutUnknown
}

// Create does and records a create of key with value (persistent, open
// ACL).
func (h *History) Create(c *zk.Conn, client int, tag, key, value string) HOp {
	op := HOp{Client: client, Kind: OpCreate, Key: key, Value: value, Tag: tag, Call: h.Now()}
	_, op.Err = c.Create(key, []byte(value), 0, zk.WorldACL(zk.PermAll))
	op.Return = h.Now()
	op.Outcome = outcomeOf(op.Err, zk.ErrNodeExists)
	op.Server = c.Server()
	h.Add(op)
	return op
}

// Set does and records an unconditional setData.
func (h *History) Set(c *zk.Conn, client int, tag, key, value string) HOp {
	op := HOp{Client: client, Kind: OpSet, Key: key, Value: value, Tag: tag, Call: h.Now()}
	st, err := c.Set(key, []byte(value), -1)
	op.Return, op.Err = h.Now(), err
	op.Outcome = outcomeOf(err, zk.ErrNoNode)
	op.Server = c.Server()
	if err == nil {
		op.Version = st.Version
	}
	h.Add(op)
	return op
}

// Get does and records a fenced read of key: setData of fence (created
// if missing), then getData of key. Only a read with a definite answer is
// recorded.
func (h *History) Get(c *zk.Conn, client int, tag, fence, key string) HOp {
	op := HOp{Client: client, Kind: OpGet, Key: key, Tag: tag, Call: h.Now()}
	_, op.Err = c.Set(fence, nil, -1)
	if errors.Is(op.Err, zk.ErrNoNode) {
		if _, op.Err = c.Create(fence, nil, 0, zk.WorldACL(zk.PermAll)); errors.Is(op.Err, zk.ErrNodeExists) {
			op.Err = nil
		}
	}
	if op.Err != nil {
		op.Outcome = OutUnknown // the fence failed: nothing is known
		return op
	}
	return h.read(c, op)
}

// SyncGet does and records a sync then a getData of key (only a read with
// a definite answer is recorded).
func (h *History) SyncGet(c *zk.Conn, client int, tag, key string) HOp {
	op := HOp{Client: client, Kind: OpSyncGet, Key: key, Tag: tag, Call: h.Now()}
	if _, op.Err = c.Sync(key); op.Err != nil {
		op.Outcome = OutUnknown
		return op
	}
	return h.read(c, op)
}

func (h *History) read(c *zk.Conn, op HOp) HOp {
	data, st, err := c.Get(op.Key)
	op.Return, op.Err = h.Now(), err
	op.Outcome = outcomeOf(err, zk.ErrNoNode)
	op.Server = c.Server()
	if err == nil {
		op.Value, op.Version = string(data), st.Version
	}
	if op.Outcome != OutUnknown {
		h.Add(op)
	}
	return op
}

// StaleSyncReads counts the sync+getData reads of ops that missed a write
// acknowledged before they were called (a setData of a higher version, or
// a create of a node they found missing), and describes a few.
func StaleSyncReads(ops []HOp) (stale, total int, examples []string) {
	acked := map[string][]HOp{}
	for _, op := range ops {
		if op.Outcome == OutOK && (op.Kind == OpSet || op.Kind == OpCreate) {
			acked[op.Key] = append(acked[op.Key], op)
		}
	}
	for _, r := range ops {
		if r.Kind != OpSyncGet {
			continue
		}
		total++
		for _, w := range acked[r.Key] {
			if w.Return < r.Call && (r.Outcome == OutFailed || w.Kind == OpSet && w.Version > r.Version) {
				stale++
				if len(examples) < 5 {
					examples = append(examples, fmt.Sprintf("%v\n  after %v", r, w))
				}
				break
			}
		}
	}
	return stale, total, examples
}

// register is the model's state of one key.
type register struct {
	exists  bool
	value   string
	version int32
}

type regInput struct {
	kind  HKind
	value string
}

type regOutput struct {
	outcome Outcome
	value   string
	version int32
}

// RegisterModel is the porcupine model of History operations: one znode
// per key, partitioned by key.
func RegisterModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			var keys []string
			for _, op := range history {
				k := op.Metadata.(HOp).Key
				if _, ok := byKey[k]; !ok {
					keys = append(keys, k)
				}
				byKey[k] = append(byKey[k], op)
			}
			sort.Strings(keys)
			out := make([][]porcupine.Operation, 0, len(keys))
			for _, k := range keys {
				out = append(out, byKey[k])
			}
			return out
		},
		Init: func() any { return register{} },
		Step: func(state, input, output any) (bool, any) {
			st, in, out := state.(register), input.(regInput), output.(regOutput)
			switch in.kind {
			case OpCreate:
				switch out.outcome {
				case OutOK:
					return !st.exists, register{exists: true, value: in.value}
				case OutFailed:
					return st.exists, st
				}
				if st.exists {
					return true, st
				}
				return true, register{exists: true, value: in.value}
			case OpSet:
				switch out.outcome {
				case OutOK:
					return st.exists && out.version == st.version+1,
						register{exists: true, value: in.value, version: out.version}
				case OutFailed:
					return !st.exists, st
				}
				if !st.exists {
					return true, st
				}
				return true, register{exists: true, value: in.value, version: st.version + 1}
			default:
				if out.outcome == OutFailed {
					return !st.exists, st
				}
				return st.exists && st.value == out.value && st.version == out.version, st
			}
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(regInput), output.(regOutput)
			s := in.kind.String()
			if in.kind != OpGet {
				s += fmt.Sprintf("(%q)", in.value)
			}
			s += " → " + out.outcome.String()
			if out.outcome == OutOK && in.kind == OpGet {
				s += fmt.Sprintf(" %q v%d", out.value, out.version)
			} else if out.outcome == OutOK && in.kind == OpSet {
				s += fmt.Sprintf(" v%d", out.version)
			}
			return s
		},
		DescribeState: func(state any) string {
			st := state.(register)
			if !st.exists {
				return "absent"
			}
			return fmt.Sprintf("%q v%d", st.value, st.version)
		},
	}
}

// PorcupineOps converts operations for RegisterModel: sync+getData reads
// and unknown reads are dropped, unknown writes return at infinity.
func PorcupineOps(ops []HOp) []porcupine.Operation {
	out := make([]porcupine.Operation, 0, len(ops))
	for _, op := range ops {
		if op.Kind == OpSyncGet || op.Kind == OpGet && op.Outcome == OutUnknown {
			continue
		}
		ret := op.Return
		if op.Outcome == OutUnknown {
			ret = math.MaxInt64
		}
		out = append(out, porcupine.Operation{
			ClientId: op.Client,
			Input:    regInput{kind: op.Kind, value: op.Value},
			Call:     op.Call,
			Output:   regOutput{outcome: op.Outcome, value: op.Value, version: op.Version},
			Return:   ret,
			Metadata: op,
		})
	}
	return out
}

// CheckLinearizable checks ops with porcupine and fails the test if they
// are not linearizable (or if porcupine cannot decide within timeout,
// which only a far larger history than tests make should need). It
// returns the number of operations checked. On failure the visualization
// is written to a file named in the log.
func CheckLinearizable(t testing.TB, ops []HOp, timeout time.Duration) int {
	t.Helper()
	pops := PorcupineOps(ops)
	model := RegisterModel()
	start := time.Now()
	res, info := porcupine.CheckOperationsVerbose(model, pops, timeout)
	switch res {
	case porcupine.Ok:
		t.Logf("linearizability: %d operations on %d keys are linearizable (checked in %v)",
			len(pops), len(model.Partition(pops)), time.Since(start).Round(time.Millisecond))
		return len(pops)
	case porcupine.Unknown:
		t.Errorf("linearizability: porcupine did not decide within %v (%d operations)", timeout, len(pops))
		return len(pops)
	}
	// Name the keys whose histories fail, with their operations.
	for _, part := range model.Partition(pops) {
		if porcupine.CheckOperationsTimeout(model, part, timeout) != porcupine.Illegal {
			continue
		}
		sort.Slice(part, func(i, j int) bool { return part[i].Call < part[j].Call })
		var hops []HOp
		for _, op := range part {
			hops = append(hops, op.Metadata.(HOp))
		}
		t.Logf("linearizability: the operations on %s are not linearizable:\n%s",
			hops[0].Key, strings.Join(explain(hops), "\n"))
	}
	f, err := os.CreateTemp("", "porcupine-"+strings.ReplaceAll(t.Name(), "/", "_")+"-*.html")
	if err == nil {
		if err := porcupine.Visualize(model, info, f); err == nil {
			t.Logf("linearizability: visualization in %s", filepath.Clean(f.Name()))
		}
		f.Close()
	}
	t.Errorf("linearizability: the history of %d operations is NOT linearizable", len(pops))
	return len(pops)
}

// explain points at the likely culprits in a key's non-linearizable
// history (sorted by call time): reads older than a write that had
// returned before they were called, and writes whose versions contradict
// their order; then it lists the operations around the first of them (or
// the first 200 operations).
func explain(ops []HOp) []string {
	var out []string
	first := -1
	note := func(i int, format string, args ...any) {
		if len(out) < 20 {
			out = append(out, fmt.Sprintf(format, args...))
		}
		if first < 0 || i < first {
			first = i
		}
	}
	for i, r := range ops {
		for _, w := range ops {
			if w.Kind != OpSet || w.Outcome != OutOK {
				continue
			}
			switch {
			case r.Kind == OpGet && r.Outcome == OutOK && w.Version > r.Version && w.Return < r.Call:
				note(i, "stale read: %v\n  after: %v", r, w)
			case r.Kind == OpGet && r.Outcome == OutFailed && w.Return < r.Call:
				note(i, "read of a missing node after a write: %v\n  after: %v", r, w)
			case r.Kind == OpSet && r.Outcome == OutOK && w.Version > r.Version && w.Return < r.Call:
				note(i, "write ordered before an earlier write: %v\n  after: %v", r, w)
			}
			if len(out) >= 20 {
				break
			}
		}
	}
	lo, hi := 0, min(len(ops), 200)
	if first >= 0 {
		lo, hi = max(0, first-60), min(len(ops), first+20)
		out = append(out, "operations around the first of these:")
	}
	for _, op := range ops[lo:hi] {
		out = append(out, "  "+op.String())
	}
	return out
}
