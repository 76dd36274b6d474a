package e2e

import (
	"testing"

	"github.com/zen-coord/zen/proto"
)

func TestScratch(t *testing.T) {
	s := start(t)
	c := dial(t, s.Addr)
	w := dial(t, s.Addr)
	c.ok(proto.OpCreate, createBody("/d", nil, openACL, 0))
	w.ok(proto.OpGetData, pathWatch("/d", true))
	t.Log(fourLetter(t, s.Addr, "wchs"))
	w.ok(proto.OpGetChildren, pathWatch("/d", true))
	t.Log(fourLetter(t, s.Addr, "wchs"))
	w.fails(proto.OpExists, pathWatch("/e", true), proto.ErrNoNode)
	t.Log(fourLetter(t, s.Addr, "wchs"))
	w.ok(proto.OpAddWatch, addWatchBody("/", proto.AddWatchPersistentRecursive))
	t.Log(fourLetter(t, s.Addr, "wchs"))
	w.ok(proto.OpAddWatch, addWatchBody("/d", proto.AddWatchPersistent))
	t.Log(fourLetter(t, s.Addr, "wchs"))
	t.Log(fourLetter(t, s.Addr, "wchp"))
}
