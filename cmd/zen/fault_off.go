//go:build !zenfault

package main

import (
	"log"

	"github.com/zen-coord/zen/engine"
)

// faultHook is a no-op outside zenfault builds.
func faultHook(*engine.Options, *log.Logger) error { return nil }
