//go:build zenfault

package main

import (
	"log"
	"os"
	"strconv"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/zen-coord/zen/engine"
	"github.com/zen-coord/zen/wal"
)

// faultHook lets process-level tests make the WAL fail: with
// ZEN_FAULT_FAIL_SYNC_AFTER=N every fsync after the first N fails. Only in
// binaries built with -tags zenfault.
func faultHook(opts *engine.Options, logger *log.Logger) error {
	v := os.Getenv("ZEN_FAULT_FAIL_SYNC_AFTER")
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return err
	}
	logger.Printf("TEST BUILD: every fsync after the first %d will fail", n)
	opts.FS = wal.FaultFS(vfs.Default, n)
	return nil
}
