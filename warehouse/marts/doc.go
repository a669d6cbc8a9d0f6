// Package marts holds the warehouse's analytic layer: DuckDB SQL embedded
// in the binary and a catalogue of named analytics over it.
//
// The numbered *.sql files create macros and views in schema "mart" over
// the CDC mirror tables (core.customer, workshop.repair_order, …). Views
// are bound by name at query time, so they stay correct while CDC applies
// changes and even when a mirror table is rebuilt; Install must run once
// the mirror tables exist (after the initial snapshot) and is idempotent.
//
// Each analytic is one parameterised SELECT in analytics/<name>.sql using
// the named parameters $org, $branches, $from, $to, $grain and $staff; the
// catalogue (Catalog) gives each its summary and the business roles that
// may read it. KPI columns carry the exact names of DOMAIN.md
// (technician_efficiency, average_repair_order, comeback_rate, …).
//
// Everything here is safe for concurrent use.
package marts
