package bench

import (
	"fmt"
	"strconv"
	"time"

	"github.com/zen-coord/zen/proto"
)

// The znodes a run uses, all under Config.Root (default /zen-bench):
//
//	<root>/kv                      key space; data = a marker of its shape
//	<root>/kv/gGGGGGG              key groups of keysPerGroup keys (children lists these)
//	<root>/kv/gGGGGGG/kKKKKKKKK    the keys (get, set, exists, mixed)
//	<root>/cr/r<run>-s<S>-<N>      made by create, create-delete, multi (removed at the end)
//	<root>/del/r<run>-<I>          made by setup, removed by delete
//	<root>/lock/r<run>             lock dir: contenders' ephemeral-sequential nodes
//	<root>/lock/r<run>-counter     the counter incremented under the lock (-lock-counter)
//	<root>/watch/r<run>            the node watch-fanout writes and watches
//	<root>/load/nNNNNNNNNN         made by load, kept (restart tests read them)
//
// run is a random id per run, so concurrent or leftover runs never collide.
// The key space is reused across runs: setup skips it when the marker says
// it already has the requested keys and value size.
type layout struct {
	root  string
	runID string
}

// keysPerGroup is how many keys share a parent; children lists one group.
const keysPerGroup = 10

// setupDepth is the pipeline depth of setup and cleanup.
const setupDepth = 256

// callTimeout bounds a single unmeasured request.
const callTimeout = 30 * time.Second

func (l layout) kvDir() string    { return l.root + "/kv" }
func (l layout) crDir() string    { return l.root + "/cr" }
func (l layout) delDir() string   { return l.root + "/del" }
func (l layout) lockBase() string { return l.root + "/lock" }
func (l layout) lockDir() string  { return l.root + "/lock/r" + l.runID }
func (l layout) counter() string  { return l.root + "/lock/r" + l.runID + "-counter" }
func (l layout) watchDir() string { return l.root + "/watch" }
func (l layout) watchNode() string {
	return l.root + "/watch/r" + l.runID
}
func (l layout) loadDir() string { return l.root + "/load" }

// createPrefix is the prefix of the names session sess creates.
func (l layout) createPrefix(sess int) string {
	return l.crDir() + "/r" + l.runID + "-s" + strconv.Itoa(sess) + "-"
}

// delPrefix is the prefix of the nodes delete removes.
func (l layout) delPrefix() string { return l.delDir() + "/r" + l.runID + "-" }

// kvMarker is the data of <root>/kv once setup completed.
func kvMarker(keys, valueSize int) string {
	return fmt.Sprintf("zen-bench kv v1 keys=%d groups=%d value=%d", keys, keysPerGroup, valueSize)
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n int, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n >= 10 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	tmp[i] = byte('0' + n)
	for w := len(tmp) - i; w < width; w++ {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

func appendGroupPath(b []byte, kvDir string, g int) []byte {
	b = append(b, kvDir...)
	b = append(b, "/g"...)
	return appendPadded(b, g, 7)
}

func appendKeyPath(b []byte, kvDir string, i int) []byte {
	b = appendGroupPath(b, kvDir, i/keysPerGroup)
	b = append(b, "/k"...)
	return appendPadded(b, i, 9)
}

// loadDigits is the width of load's node numbers.
const loadDigits = 9

func appendLoadPath(b []byte, loadDir string, i int) []byte {
	b = append(b, loadDir...)
	b = append(b, "/n"...)
	return appendPadded(b, i, loadDigits)
}

// LoadPath is the path of load's node i (for checks after a restart).
func LoadPath(root string, i int) string {
	if root == "" {
		root = DefaultRoot
	}
	return string(appendLoadPath(nil, root+"/load", i))
}

// keyPaths preformats the key paths of the key space.
func keyPaths(kvDir string, keys int) [][]byte {
	out := make([][]byte, keys)
	for i := range out {
		out[i] = appendKeyPath(nil, kvDir, i)
	}
	return out
}

// groupPaths preformats the group paths of the key space.
func groupPaths(kvDir string, keys int) [][]byte {
	out := make([][]byte, (keys+keysPerGroup-1)/keysPerGroup)
	for g := range out {
		out[g] = appendGroupPath(nil, kvDir, g)
	}
	return out
}

// appendCreate appends a CreateRequest record with the open ACL.
func appendCreate(b []byte, path []byte, data []byte, flags int32) []byte {
	b = proto.AppendBytes(b, path)
	b = proto.AppendBuffer(b, data, false)
	b = proto.AppendACLs(b, proto.OpenACL)
	return proto.AppendInt(b, flags)
}

// create makes one node and returns the server's error code.
func create(c *Conn, path string, data []byte, flags int32) (proto.Err, error) {
	h, _, err := c.Call(proto.OpCreate, func(b []byte) []byte {
		return appendCreate(b, []byte(path), data, flags)
	}, callTimeout, nil)
	return h.Err, err
}

// ensure creates path and its missing ancestors (empty, persistent).
func ensure(c *Conn, path string) error {
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		code, err := create(c, path[:i], nil, proto.FlagPersistent)
		if err != nil {
			return err
		}
		if code != proto.ErrOk && code != proto.ErrNodeExists {
			return fmt.Errorf("create %s: %v", path[:i], code)
		}
	}
	return nil
}

// getData reads a node's data (copied) and version.
func getData(c *Conn, path string) ([]byte, int32, proto.Err, error) {
	h, body, err := c.Call(proto.OpGetData, func(b []byte) []byte {
		b = proto.AppendString(b, path)
		return proto.AppendBool(b, false)
	}, callTimeout, nil)
	if err != nil || h.Err != proto.ErrOk {
		return nil, 0, h.Err, err
	}
	var resp proto.GetDataResponse
	r := proto.NewReader(body)
	resp.Decode(&r)
	if r.Err() != nil {
		return nil, 0, 0, r.Err()
	}
	return append([]byte(nil), resp.Data...), resp.Stat.Version, proto.ErrOk, nil
}

// setData writes a node's data unconditionally.
func setData(c *Conn, path string, data []byte) (proto.Err, error) {
	h, _, err := c.Call(proto.OpSetData, func(b []byte) []byte {
		b = proto.AppendString(b, path)
		b = proto.AppendBuffer(b, data, false)
		return proto.AppendInt(b, -1)
	}, callTimeout, nil)
	return h.Err, err
}

// deleteNode deletes a node (any version); NoNode is not an error.
func deleteNode(c *Conn, path string) error {
	h, _, err := c.Call(proto.OpDelete, func(b []byte) []byte {
		b = proto.AppendString(b, path)
		return proto.AppendInt(b, -1)
	}, callTimeout, nil)
	if err != nil {
		return err
	}
	if h.Err != proto.ErrOk && h.Err != proto.ErrNoNode {
		return fmt.Errorf("delete %s: %v", path, h.Err)
	}
	return nil
}

// createMany pipelines creates of paths(i) for i in [0,n). Nodes that
// exist already get their data set when overwrite is true.
func createMany(c *Conn, n int, path func(b []byte, i int) []byte, data []byte, overwrite bool) error {
	var exists []int
	var sc []byte
	err := c.Pipeline(n, setupDepth, func(i int, xid int32, b []byte) []byte {
		b = proto.AppendRequestHeader(b, xid, proto.OpCreate)
		sc = path(sc[:0], i)
		return appendCreate(b, sc, data, proto.FlagPersistent)
	}, func(i int, h proto.ReplyHeader, _ []byte) error {
		switch h.Err {
		case proto.ErrOk:
		case proto.ErrNodeExists:
			exists = append(exists, i)
		default:
			return fmt.Errorf("create %s: %v", path(nil, i), h.Err)
		}
		return nil
	})
	if err != nil || !overwrite || len(exists) == 0 {
		return err
	}
	return c.Pipeline(len(exists), setupDepth, func(i int, xid int32, b []byte) []byte {
		b = proto.AppendRequestHeader(b, xid, proto.OpSetData)
		b = proto.AppendBytes(b, path(nil, exists[i]))
		b = proto.AppendBuffer(b, data, false)
		return proto.AppendInt(b, -1)
	}, func(i int, h proto.ReplyHeader, _ []byte) error {
		if h.Err != proto.ErrOk {
			return fmt.Errorf("set %s: %v", path(nil, exists[i]), h.Err)
		}
		return nil
	})
}

// deleteMany pipelines deletes of paths(i) for i in [0,n); NoNode is fine.
func deleteMany(c *Conn, n int, path func(b []byte, i int) []byte) error {
	return c.Pipeline(n, setupDepth, func(i int, xid int32, b []byte) []byte {
		b = proto.AppendRequestHeader(b, xid, proto.OpDelete)
		b = proto.AppendBytes(b, path(nil, i))
		return proto.AppendInt(b, -1)
	}, func(i int, h proto.ReplyHeader, _ []byte) error {
		if h.Err != proto.ErrOk && h.Err != proto.ErrNoNode {
			return fmt.Errorf("delete %s: %v", path(nil, i), h.Err)
		}
		return nil
	})
}

// setupKV makes the key space unless the marker says it is there.
func setupKV(c *Conn, l layout, keys int, value []byte) error {
	marker := kvMarker(keys, len(value))
	data, _, code, err := getData(c, l.kvDir())
	if err != nil {
		return err
	}
	if code == proto.ErrOk && string(data) == marker {
		return nil
	}
	if err := ensure(c, l.kvDir()); err != nil {
		return err
	}
	kv := l.kvDir()
	groups := (keys + keysPerGroup - 1) / keysPerGroup
	if err := createMany(c, groups, func(b []byte, g int) []byte { return appendGroupPath(b, kv, g) }, nil, false); err != nil {
		return err
	}
	if err := createMany(c, keys, func(b []byte, i int) []byte { return appendKeyPath(b, kv, i) }, value, true); err != nil {
		return err
	}
	code, err = setData(c, kv, []byte(marker))
	if err == nil && code != proto.ErrOk {
		err = fmt.Errorf("set %s: %v", kv, code)
	}
	return err
}
