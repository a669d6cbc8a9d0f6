package bench

import "context"

// Dashboards is the hook for the DuckDB-vs-PostgreSQL dashboard query
// benchmarks (issues 6/7, DESIGN.md: ≥ 20× faster geomean, p95 ≤ 100 ms on
// the 24-month dataset, warehouse RSS at 10M mirrored rows). The analytics
// work fills it in: given the seeded source database (seedURL) it should
// mirror it into DuckDB, run each dashboard question on both engines and
// return one Figure per query (Value: DuckDB, Baseline: PostgreSQL) plus
// the geomean. Until then it returns nil and the driver reports the suite
// as not implemented.
var Dashboards func(ctx context.Context, seedURL string, quick bool) ([]Figure, error)
