// Command zen is the zen coordination server and its tools.
//
//	zen server --config zoo.cfg [--client-addr host:port] [--data-dir dir]
//	zen version
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/zen-coord/zen/engine"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage:
  zen server --config zoo.cfg [--client-addr host:port] [--data-dir dir]
  zen version
  zen bench [workload] [flags]   (zen bench help)
`)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "server":
		os.Exit(runServer(os.Args[2:]))
	case "bench":
		os.Exit(runBench(os.Args[2:]))
	case "version", "--version", "-v":
		fmt.Printf("zen %s, built on %s\n", engine.Version, engine.BuildDate)
	default:
		usage()
	}
}

func runServer(args []string) int {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	cfgPath := fs.String("config", "", "ZooKeeper zoo.cfg to read")
	clientAddr := fs.String("client-addr", "", "client listen address host:port (overrides clientPortAddress/clientPort)")
	dataDir := fs.String("data-dir", "", "data directory (overrides dataDir, and dataLogDir when that is unset)")
	fs.Parse(args)
	logger := log.New(os.Stderr, "zen ", log.LstdFlags|log.Lmicroseconds)

	cfg := engine.DefaultConfig()
	if *cfgPath != "" {
		var err error
		if cfg, err = engine.ParseConfigFile(*cfgPath); err != nil {
			logger.Printf("bad configuration: %v", err)
			return 2
		}
	} else if *clientAddr == "" || *dataDir == "" {
		logger.Printf("need --config, or both --client-addr and --data-dir")
		return 2
	}
	if *clientAddr != "" {
		cfg.ClientAddr = *clientAddr
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if err := cfg.Finish(); err != nil {
		logger.Printf("bad configuration: %v", err)
		return 2
	}
	for _, d := range []string{cfg.DataDir, cfg.DataLogDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			logger.Printf("creating %s: %v", d, err)
			return 1
		}
	}
	opts := engine.Options{Logger: logger}
	if err := faultHook(&opts, logger); err != nil {
		logger.Printf("fault hook: %v", err)
		return 2
	}
	srv, err := engine.New(cfg, opts)
	if err != nil {
		logger.Printf("cannot start: %v", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	s := <-sig
	logger.Printf("%v: shutting down", s)
	if err := srv.Close(); err != nil {
		logger.Printf("shutdown: %v", err)
		return 1
	}
	return 0
}
