#!/usr/bin/env bash
# Runs the benchmark suite and writes BENCHMARKS.md (see bench/doc.go):
# API vs pgbench, CDC apply vs decode-only and lag, critical-path queries
# with vs without their indexes, seed time, the dashboard hook, and /v1
# latency with dashboard streams open (sse).
# BENCH_QUICK=1 finishes within 10 minutes; the full run within ~30.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${BENCH_QUICK:-0}
cmd="make bench"
[ "$quick" = 1 ] && cmd="BENCH_QUICK=1 make bench"
go build -tags duckdb_arrow -o bin/benchreport ./bench/cmd/benchreport
args=(-out BENCHMARKS.md -command "$cmd")
[ -n "${BENCH_SUITES:-}" ] && args+=(-suites "$BENCH_SUITES")
[ "$quick" = 1 ] && args+=(-quick)
./bin/benchreport "${args[@]}"
# Side-by-side Go benchmarks (b.Loop) of the same paths, for profiling.
if [ "$quick" != 1 ]; then
  go test -tags duckdb_arrow -run '^$' -bench . -benchtime 500x ./bench/
fi
