// Package bench is the Car Care Hub benchmark suite behind `make bench`.
//
// Every suite measures a path and its baseline in the same invocation and
// returns Figures (value, baseline, ratio, target); the driver
// (bench/cmd/benchreport) runs the suites against one project-managed
// PostgreSQL cluster and writes BENCHMARKS.md. The suites:
//
//   - Bookings: booking creation through the HTTP API vs the same SQL
//     transaction driven by pgbench.
//   - CDC: apply into DuckDB vs a decode-only pglogrepl consumer of the
//     same WAL in the same format, for a text-mode publication with the
//     production types (enum, range) and a binary-capable one, and
//     commit-to-visible lag under a steady write rate.
//   - Indexes: critical-path queries with vs without their purpose-built
//     indexes, by EXPLAIN (ANALYZE, BUFFERS).
//   - Seed: datagen load time.
//   - Dashboards: the hook for DuckDB vs PostgreSQL dashboard queries
//     (owned by the analytics work).
//   - SSE: /v1 p99 (a customer read and one write a second) with 400 dashboard
//     streams open vs without, on a `cch dev` built from the tree.
//   - Failover: the failover drill (TestFailoverDrill in cmd/cch) on its own
//     primary and synchronous standby: RTO, RPO and the warehouse's rebuild.
//   - Replica: report reads (GET /v1/bookings pages) on a hot standby,
//     through an API with oltp.Replica as `cch api --replica-url` sets it
//     up, vs the same reads on the primary, each under 1,000 bookings/s
//     offered (open model) on its own durable primary and asynchronous
//     standby: primary write p99 and achieved rate, report p50/p99, and
//     the standby's replay lag.
//   - PITR (after Seed): base backup and point-in-time restore of the
//     seeded cluster, then `cch archive --older-than 12mo` throughput on
//     the restored copy.
//
// Go benchmarks (go test -bench) compare the same paths side by side with
// b.Loop(); they start a cluster only when -test.bench is set, so `go test
// ./...` stays fast. BenchmarkBookingCPU measures what a booking costs in
// CPU time (PostgreSQL's processes, the API process, pgbench) rather than
// in wall time, which stays readable on a machine shared with other work:
//
//	go test -tags duckdb_arrow -run XXX -bench BookingCPU -benchtime 2000x ./bench/
//
// Nothing here is safe for concurrent use unless stated.
package bench
