package tree

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/zen-coord/zen/proto"
)

// allowAll is a non-allocating Checker.
type allowAll struct{}

func (allowAll) Allowed([]proto.ACL, int32) bool { return true }

func TestReadsDoNotAllocate(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	tr := New()
	mustApply(t, tr, createE(1, "/app", "x", 0))
	mustApply(t, tr, createE(2, "/app/config", "some data", 0))
	mustApply(t, tr, createE(3, "/app/b", "", 0))
	// The caller's path may be a transient buffer.
	buf := []byte("/app/config")
	path := string(buf)
	var c Checker = allowAll{}
	w := newRec("w", &evlog{})
	names := make([]string, 0, 8)
	cases := map[string]func(){
		"GetData": func() {
			if _, _, _, err := tr.GetData(path, c, nil); err != proto.ErrOk {
				t.Fatal(err)
			}
		},
		"Exists": func() {
			if _, err := tr.Exists(path, c, nil); err != proto.ErrOk {
				t.Fatal(err)
			}
		},
		"GetChildren": func() {
			names, _, _ = tr.GetChildren("/app", c, nil, names[:0])
		},
		"GetACL":       func() { tr.GetACL(path) },
		"Lookup":       func() { tr.Lookup(path) },
		"ExistsNoNode": func() { tr.Exists("/app/none", c, nil) },
		// Re-arming a watch the watcher already holds changes nothing.
		"GetDataRewatch": func() { tr.GetData(path, c, w) },
		"LastZxid":       func() { _ = tr.LastZxid() + int64(tr.NodeCount()) },
	}
	tr.GetData(path, c, w)
	for name, fn := range cases {
		if n := testing.AllocsPerRun(200, fn); n != 0 {
			t.Errorf("%s: %.1f allocs per call, want 0", name, n)
		}
	}
}

func TestNodeMetadataSize(t *testing.T) {
	// One 128-byte size-class allocation per node.
	if s := unsafe.Sizeof(node{}); s != 128 {
		t.Errorf("node is %d bytes, want 128", s)
	}
}

func TestCreateApplyAllocations(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	tr := New()
	mustApply(t, tr, createE(1, "/p", "", 0))
	mustApply(t, tr, createE(2, "/p/first", "", 0))
	const runs = 1000
	entries := make([][]byte, runs+1)
	for i := range entries {
		entries[i] = createE(int64(3+i), fmt.Sprintf("/p/n%04d", i), "0123456789", 0)
	}
	i := 0
	n := testing.AllocsPerRun(runs, func() {
		mustApply(t, tr, entries[i])
		i++
	})
	// Kept: node, data copy, path string (allocated by the decoder).
	// Dropped: the decoder's ACL list (slice and two strings). Plus the
	// amortised growth of the stripe and children maps.
	if n > 7 {
		t.Errorf("create apply: %.1f allocs, want ≤ 7", n)
	}
}
