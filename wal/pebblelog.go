package wal

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// pebbleLogger adapts Options.Logger to pebble.Logger and routes Pebble's
// fatal reports into the Log's poison state.
//
// Pebble reports an unrecoverable error (a failed WAL write or sync seen by a
// committer, a failed MANIFEST write, an invariant violation) by calling
// Logger.Fatalf, whose default implementation calls os.Exit(1). We must not
// exit inside a library, so Fatalf poisons the Log instead (and calls
// OnFatal). NOTE: when Fatalf returns, DB.Apply returns nil even though the
// commit failed (pebble db.go applyInternal); Append therefore checks the
// poison state after every commit instead of trusting Apply's result alone.
type pebbleLogger struct {
	logf func(format string, args ...any)
	fail func(error) error
}

func (p *pebbleLogger) Infof(format string, args ...any) {
	p.logf("wal: pebble: "+format, args...)
}

func (p *pebbleLogger) Errorf(format string, args ...any) {
	p.logf("wal: pebble error: "+format, args...)
}

func (p *pebbleLogger) Fatalf(format string, args ...any) {
	_ = p.fail(fmt.Errorf("pebble: "+format, args...))
}

// eventListener logs the Pebble events an operator needs to see.
func (p *pebbleLogger) eventListener() *pebble.EventListener {
	return &pebble.EventListener{
		BackgroundError: func(err error) {
			p.logf("wal: pebble background error: %v", err)
		},
		DiskSlow: func(info pebble.DiskSlowInfo) {
			p.logf("wal: pebble: %s", info)
		},
		WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
			p.logf("wal: pebble: write stall: %s", info.Reason)
		},
		WriteStallEnd: func() {
			p.logf("wal: pebble: write stall ended")
		},
	}
}
