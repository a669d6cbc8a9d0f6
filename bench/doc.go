// Package bench is the Car Care Hub benchmark suite behind `make bench`.
//
// Every suite measures a path and its baseline in the same invocation and
// returns Figures (value, baseline, ratio, target); the driver
// (bench/cmd/benchreport) runs the suites against one project-managed
// PostgreSQL cluster and writes BENCHMARKS.md. The suites:
//
//   - Bookings: booking creation through the HTTP API vs the same SQL
//     transaction driven by pgbench (issue 4).
//   - CDC: apply into DuckDB vs a decode-only pglogrepl consumer of the
//     same WAL, and commit-to-visible lag under a steady write rate (issue 5).
//   - Indexes: critical-path queries with vs without their purpose-built
//     indexes, by EXPLAIN (ANALYZE, BUFFERS) (issue 8).
//   - Seed: datagen load time (issue 8).
//   - Dashboards: the hook for DuckDB vs PostgreSQL dashboard queries
//     (issues 6/7; owned by the analytics work).
//   - SSE: /v1 p99 (a customer read and one write a second) with 400 dashboard
//     streams open vs without, on a `cch dev` built from the tree.
//
// Go benchmarks (go test -bench) compare the same paths side by side with
// b.Loop(); they start a cluster only when -test.bench is set, so `go test
// ./...` stays fast. Nothing here is safe for concurrent use unless stated.
package bench
