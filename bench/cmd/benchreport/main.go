// Command benchreport runs the benchmark suite (package bench) against a
// throwaway local PostgreSQL cluster and writes BENCHMARKS.md.
//
//	go run -tags duckdb_arrow ./bench/cmd/benchreport [-quick] [-out BENCHMARKS.md] [-suites bookings,cdc,seed,indexes,dashboards,sse,failover,replica,pitr] [-cpuprofile FILE]
//
// BENCH_QUICK=1 is the same as -quick. Each suite's failure is recorded in
// the report and the others still run.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run())
}

func run() int {
	var cfg config
	flag.BoolVar(&cfg.quick, "quick", os.Getenv("BENCH_QUICK") == "1", "short runs (BENCH_QUICK=1): within 10 minutes")
	flag.StringVar(&cfg.out, "out", "BENCHMARKS.md", "report file")
	flag.StringVar(&cfg.suites, "suites", "bookings,cdc,seed,indexes,dashboards,sse,failover,replica,pitr", "suites to run, comma-separated")
	flag.StringVar(&cfg.command, "command", "", "the command line to print in the report (default: this one)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the driver process (API, load generator, pipeline) to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.command == "" {
		cfg.command = strings.Join(os.Args, " ")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	limit := 30 * time.Minute
	if cfg.quick {
		limit = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, limit+5*time.Minute)
	defer cancel()
	d, err := newDriver(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		return 1
	}
	d.runAll(ctx)
	if err := d.close(); err != nil {
		log.Warn("stop cluster", "err", err)
	}
	if err := d.write(); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		return 1
	}
	log.Info("wrote report", "file", cfg.out)
	return 0
}
