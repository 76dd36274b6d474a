package core

import (
	"fmt"

	"github.com/cockroachdb/datadriven"
)

// propose <id> <data>...: propose one batch with one txn per word.
func cmdPropose(e *env, td *datadriven.TestData) error {
	a := parseArgs(td)
	if len(a.words) < 2 {
		return fmt.Errorf("usage: propose <id> <data>...")
	}
	t, err := e.node(a.words[0])
	if err != nil {
		return err
	}
	if err := e.up(t); err != nil {
		return err
	}
	var batch [][]byte
	for _, w := range a.words[1:] {
		batch = append(batch, []byte(w))
	}
	first, last, err := t.n.Propose(batch)
	if err != nil {
		return err
	}
	e.printf("%d: proposed %s..%s\n", t.id, FormatZxid(first), FormatZxid(last))
	return nil
}

// send-app <from> <to> <payload>: an engine message over the session.
func cmdSendApp(e *env, td *datadriven.TestData) error {
	a := parseArgs(td)
	if len(a.words) != 3 {
		return fmt.Errorf("usage: send-app <from> <to> <payload>")
	}
	t, err := e.node(a.words[0])
	if err != nil {
		return err
	}
	to, err := e.node(a.words[1])
	if err != nil {
		return err
	}
	if err := e.up(t); err != nil {
		return err
	}
	return t.n.SendApp(to.id, []byte(a.words[2]))
}
