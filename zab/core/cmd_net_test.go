package core

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"
)

// msgFilter selects queued messages by from=, to= and type=.
type msgFilter struct {
	from, to int64
	typ      string
}

func parseFilter(a args) (msgFilter, error) {
	var f msgFilter
	var err error
	if v, ok := a.opts["from"]; ok {
		if f.from, err = strconv.ParseInt(v[0], 10, 64); err != nil {
			return f, err
		}
	}
	if v, ok := a.opts["to"]; ok {
		if f.to, err = strconv.ParseInt(v[0], 10, 64); err != nil {
			return f, err
		}
	}
	if v, ok := a.opts["type"]; ok {
		f.typ = strings.ToUpper(v[0])
	}
	return f, nil
}

func (f msgFilter) match(m Message) bool {
	return (f.from == 0 || m.From == f.from) && (f.to == 0 || m.To == f.to) &&
		(f.typ == "" || m.Type.String() == f.typ)
}

// deliver [from=] [to=] [type=] [n=] [drop] [dup]: step the matching queued
// messages in order (at most n), or drop them, or deliver each twice.
// Messages to a down node, or across a partition, are lost.
func cmdDeliver(e *env, td *datadriven.TestData) error {
	a := parseArgs(td)
	f, err := parseFilter(a)
	if err != nil {
		return err
	}
	limit, err := a.int("n", -1)
	if err != nil {
		return err
	}
	var rest, take []Message
	for _, m := range e.queue {
		if f.match(m) && limit != 0 {
			take = append(take, m)
			limit--
		} else {
			rest = append(rest, m)
		}
	}
	e.queue = rest
	for _, m := range take {
		switch {
		case a.has("drop"):
			e.printf("dropped %s\n", fmtMsg(m))
		default:
			e.printf("deliver %s\n", fmtMsg(m))
			e.deliver(m)
			if a.has("dup") {
				e.printf("deliver (dup) %s\n", fmtMsg(m))
				e.deliver(m)
			}
		}
	}
	return nil
}

// deliver steps m on its destination if it can get there.
func (e *env) deliver(m Message) {
	t := e.nodes[m.To]
	switch {
	case t == nil || t.n == nil:
		e.printf("  lost: %d is down\n", m.To)
	case e.cut(m.From, m.To):
		e.printf("  lost: partition\n")
	default:
		if err := t.n.Step(m); err != nil {
			e.printf("  step error: %v\n", err)
		}
	}
}

// reorder [from=] [to=] [type=]: reverse the order of the matching queued
// messages.
func cmdReorder(e *env, td *datadriven.TestData) error {
	f, err := parseFilter(parseArgs(td))
	if err != nil {
		return err
	}
	var idx []int
	for i, m := range e.queue {
		if f.match(m) {
			idx = append(idx, i)
		}
	}
	sel := make([]Message, len(idx))
	for k, i := range idx {
		sel[k] = e.queue[i]
	}
	slices.Reverse(sel)
	for k, i := range idx {
		e.queue[i] = sel[k]
	}
	return cmdMsgs(e, td)
}

// msgs [from=] [to=] [type=]: list the queued messages.
func cmdMsgs(e *env, td *datadriven.TestData) error {
	f, err := parseFilter(parseArgs(td))
	if err != nil {
		return err
	}
	for _, m := range e.queue {
		if f.match(m) {
			e.printf("%s\n", fmtMsg(m))
		}
	}
	return nil
}

// partition 1 2 / 3: nodes in different groups cannot talk; unlisted nodes
// are in the first group.
func cmdPartition(e *env, td *datadriven.TestData) error {
	clear(e.parts)
	g := 0
	for _, w := range parseArgs(td).words {
		if w == "/" {
			g++
			continue
		}
		id, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			return fmt.Errorf("bad node %q", w)
		}
		e.parts[id] = g
	}
	return nil
}

// heal: remove every partition.
func cmdHeal(e *env, td *datadriven.TestData) error {
	clear(e.parts)
	return nil
}
