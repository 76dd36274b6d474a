package ztest

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/go-zookeeper/zk"
)

// ZNode is what DumpTree records of one znode.
type ZNode struct {
	Data string
	Stat zk.Stat
}

// DumpTree reads every znode (data and stat) through c, level by level,
// with concurrent requests. It reads what c's server has applied: call it
// on a quiet tree, after a sync if it must include the latest writes.
func DumpTree(c *zk.Conn) (map[string]ZNode, error) {
	all := map[string]ZNode{}
	level := []string{"/"}
	for len(level) > 0 {
		nodes, kids, err := readLevel(c, level)
		if err != nil {
			return nil, err
		}
		var next []string
		for i, p := range level {
			all[p] = nodes[i]
			for _, k := range kids[i] {
				next = append(next, strings.TrimSuffix(p, "/")+"/"+k)
			}
		}
		sort.Strings(next)
		level = next
	}
	return all, nil
}

// readLevel reads the data, stat and children of every path.
func readLevel(c *zk.Conn, paths []string) ([]ZNode, [][]string, error) {
	nodes := make([]ZNode, len(paths))
	kids := make([][]string, len(paths))
	errs := make([]error, len(paths))
	idx := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				data, st, err := c.Get(paths[i])
				if err != nil {
					errs[i] = fmt.Errorf("get %s: %w", paths[i], err)
					continue
				}
				nodes[i] = ZNode{Data: string(data), Stat: *st}
				if st.NumChildren > 0 {
					if kids[i], _, err = c.Children(paths[i]); err != nil {
						errs[i] = fmt.Errorf("children %s: %w", paths[i], err)
					}
				}
			}
		}()
	}
	for i := range paths {
		idx <- i
	}
	close(idx)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return nodes, kids, nil
}

// DiffTrees describes how got differs from want (at most max lines, then a
// count of the rest); empty if they are equal.
func DiffTrees(want, got map[string]ZNode, max int) []string {
	var out []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s missing (want data %q, mzxid %#x)", p, w.Data, w.Stat.Mzxid))
		case g != w:
			out = append(out, fmt.Sprintf("%s: got %q %+v, want %q %+v", p, g.Data, g.Stat, w.Data, w.Stat))
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			out = append(out, fmt.Sprintf("%s unexpected (data %q, mzxid %#x)", p, g.Data, g.Stat.Mzxid))
		}
	}
	sort.Strings(out)
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("... and %d more", len(out)-max))
	}
	return out
}
