#!/usr/bin/env bash
# Runs the benchmark set and writes BENCHMARKS.md. Each later capability adds
# its benchmarks here (API vs pgbench, CDC vs decode-only, DuckDB vs Postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${BENCH_QUICK:-0}
benchtime=2s; [ "$quick" = 1 ] && benchtime=1x
out=$(mktemp)
go test -tags duckdb_arrow -run '^$' -bench . -benchmem -benchtime "$benchtime" ./... | tee "$out"
{
  echo "# Benchmarks"
  echo
  echo "- date: $(date -u +%FT%TZ)"
  echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
  echo "- go: $(go version | awk '{print $3}'); postgres: $(postgres --version 2>/dev/null || echo n/a)"
  echo "- command: BENCH_QUICK=$quick make bench"
  echo
  echo '```'
  grep -E '^(Benchmark|goos|goarch|cpu|pkg)' "$out" || true
  echo '```'
} > BENCHMARKS.md
rm -f "$out"
echo "wrote BENCHMARKS.md"
