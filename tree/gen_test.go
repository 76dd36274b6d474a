package tree

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/zen-coord/zen/proto"
)

// gen produces random but valid log entries, playing the part of request
// prep: it keeps a model of the tree so that every create has a parent,
// every delete hits a leaf, sequential names use the parent's counter, and
// multis are valid op by op.
type gen struct {
	rng      *rand.Rand
	zxid     int64
	nodes    map[string]*mnode
	paths    []string // keys of nodes, for random picks
	sessions []int64
	nextSess int64
}

type mnode struct {
	owner    int64
	kids     int
	version  int32
	aversion int32
	creates  int32
}

var genACLs = [][]proto.ACL{
	proto.OpenACL,
	proto.ReadACL,
	{{Perms: proto.PermRead | proto.PermWrite, Scheme: "digest", ID: "u:h"}, {Perms: proto.PermAll, Scheme: "ip", ID: "10.0.0.0/8"}},
}

func newGen(seed uint64) *gen {
	g := &gen{
		rng:      rand.New(rand.NewPCG(seed, seed^0x5eed)),
		nodes:    make(map[string]*mnode),
		zxid:     0x100000000,
		nextSess: 0x0100000000000000,
	}
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		g.add(p, &mnode{})
	}
	g.nodes["/"].kids, g.nodes["/zookeeper"].kids = 1, 2
	return g
}

func (g *gen) add(p string, n *mnode) {
	g.nodes[p] = n
	g.paths = append(g.paths, p)
}

func (g *gen) remove(p string) {
	delete(g.nodes, p)
	i := slices.Index(g.paths, p)
	g.paths[i] = g.paths[len(g.paths)-1]
	g.paths = g.paths[:len(g.paths)-1]
}

func system(p string) bool {
	return p == "/" || p == "/zookeeper" || p == "/zookeeper/quota" || p == "/zookeeper/config"
}

func (g *gen) pick() string { return g.paths[g.rng.IntN(len(g.paths))] }

func (g *gen) data() ([]byte, bool) {
	if g.rng.IntN(10) == 0 {
		return nil, true
	}
	b := make([]byte, g.rng.IntN(24))
	for i := range b {
		b[i] = byte(g.rng.IntN(256))
	}
	return b, false
}

// create returns a valid create sub-txn and updates the model, or false.
func (g *gen) create() (proto.SubTxn, bool) {
	for try := 0; try < 8; try++ {
		parent := g.pick()
		pn := g.nodes[parent]
		if proto.IsSessionOwner(pn.owner) || len(parent) > 40 {
			continue
		}
		name := string(rune('a' + g.rng.IntN(5)))
		if g.rng.IntN(4) == 0 {
			name = fmt.Sprintf("s-%010d", pn.creates)
		}
		path := parent + "/" + name
		if parent == "/" {
			path = "/" + name
		}
		if g.nodes[path] != nil {
			continue
		}
		var owner int64
		switch r := g.rng.IntN(20); {
		case r < 4 && len(g.sessions) > 0:
			owner = g.sessions[g.rng.IntN(len(g.sessions))]
		case r < 6:
			owner = proto.OwnerContainer
		case r < 8:
			owner = proto.OwnerTTLMask | int64(1+g.rng.IntN(1000))
		}
		data, null := g.data()
		pn.kids++
		pn.creates++
		g.add(path, &mnode{owner: owner})
		return sub(proto.TxnCreate, &proto.CreateTxn{Path: path, Data: data, DataNull: null,
			ACL: genACLs[g.rng.IntN(len(genACLs))], Owner: owner}), true
	}
	return proto.SubTxn{}, false
}

func (g *gen) leaf() (string, bool) {
	for try := 0; try < 8; try++ {
		p := g.pick()
		if !system(p) && g.nodes[p].kids == 0 {
			return p, true
		}
	}
	return "", false
}

func (g *gen) del() (proto.SubTxn, bool) {
	p, ok := g.leaf()
	if !ok {
		return proto.SubTxn{}, false
	}
	g.deleted(p)
	return sub(proto.TxnDelete, &proto.DeleteTxn{Path: p}), true
}

func (g *gen) deleted(p string) {
	parent, _, _ := splitPath(p)
	g.nodes[parent].kids--
	g.remove(p)
}

func (g *gen) setData() proto.SubTxn {
	p := g.pick()
	n := g.nodes[p]
	n.version++
	data, null := g.data()
	return sub(proto.TxnSetData, &proto.SetDataTxn{Path: p, Data: data, DataNull: null, Version: n.version})
}

func (g *gen) setACL() proto.SubTxn {
	p := g.pick()
	n := g.nodes[p]
	n.aversion++
	return sub(proto.TxnSetACL, &proto.SetACLTxn{Path: p, ACL: genACLs[g.rng.IntN(len(genACLs))], Version: n.aversion})
}

// recreate deletes a leaf and creates it again in one multi, then sets its
// data: the txn touches the same path three times.
func (g *gen) recreate() ([]proto.SubTxn, bool) {
	p, ok := g.leaf()
	if !ok {
		return nil, false
	}
	g.deleted(p)
	parent, _, _ := splitPath(p)
	pn := g.nodes[parent]
	pn.kids++
	pn.creates++
	g.add(p, &mnode{version: 1})
	return []proto.SubTxn{
		sub(proto.TxnDelete, &proto.DeleteTxn{Path: p}),
		sub(proto.TxnCreate, &proto.CreateTxn{Path: p, Data: []byte("re"), ACL: proto.OpenACL}),
		sub(proto.TxnSetData, &proto.SetDataTxn{Path: p, Data: []byte("re2"), Version: 1}),
	}, true
}

func (g *gen) one() (proto.SubTxn, bool) {
	switch r := g.rng.IntN(10); {
	case r < 4:
		return g.create()
	case r < 6:
		return g.del()
	case r < 9:
		return g.setData(), true
	default:
		return g.setACL(), true
	}
}

// next returns the next log entry.
func (g *gen) next() []byte {
	g.zxid++
	z := g.zxid
	switch r := g.rng.IntN(100); {
	case r < 5:
		g.nextSess++
		g.sessions = append(g.sessions, g.nextSess)
		return sessionE(z, g.nextSess, int32(4000+g.rng.IntN(1000)))
	case r < 9 && len(g.sessions) > 0:
		i := g.rng.IntN(len(g.sessions))
		id := g.sessions[i]
		g.sessions = slices.Delete(g.sessions, i, i+1)
		var mine, listed []string
		for p, n := range g.nodes {
			if n.owner == id {
				mine = append(mine, p)
			}
		}
		slices.Sort(mine)
		for _, p := range mine {
			if g.rng.IntN(3) != 0 { // some are left for "still owns"
				listed = append(listed, p)
			}
			g.deleted(p)
		}
		return closeE(z, id, listed...)
	case r < 11:
		return errorE(z, proto.ErrNodeExists)
	case r < 25:
		var ops []proto.SubTxn
		if g.rng.IntN(5) == 0 {
			if rec, ok := g.recreate(); ok {
				ops = rec
			}
		}
		for n := 1 + g.rng.IntN(5); len(ops) < n; {
			if g.rng.IntN(6) == 0 {
				p := g.pick()
				ops = append(ops, sub(proto.TxnCheck, &proto.CheckTxn{Path: p, Version: g.nodes[p].version}))
				continue
			}
			if o, ok := g.one(); ok {
				ops = append(ops, o)
			}
		}
		return multiE(z, ops...)
	case r < 27:
		return multiE(z,
			sub(proto.TxnError, &proto.ErrorTxn{Err: proto.ErrOk}),
			sub(proto.TxnError, &proto.ErrorTxn{Err: proto.ErrNoNode}),
		)
	default:
		for {
			if o, ok := g.one(); ok {
				return entry(o.Type, z, 1, rawBody(o.Body))
			}
		}
	}
}

// rawBody is an already encoded txn body.
type rawBody []byte

func (b rawBody) Append(dst []byte) []byte { return append(dst, b...) }

func (g *gen) entries(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

func zxidOf(e []byte) int64 {
	r := proto.NewReader(e)
	var h proto.TxnHeader
	h.Decode(&r)
	return h.Zxid
}
