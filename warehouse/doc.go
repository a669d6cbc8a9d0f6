// Package warehouse is the embedded DuckDB analytic store: the single Open
// constructor, mirror tables derived from source relations, and the
// cdc.Sink implementation (Applier) that the CDC stream writes to.
// Sub-packages: marts (KPI views and the analytics catalogue), analyst
// (/v1/analytics and read-only /v1/sql), flight (Arrow Flight SQL) and
// export (Parquet).
//
// Apply path: each batch of whole source transactions is collapsed per
// table and key, turned into Arrow record batches (typed builders from the
// mirror's column types; released by their owner) and handed to DuckDB
// with the duckdb_arrow build tag's RegisterView on the same connection.
// Inserts-only batches are one INSERT … SELECT; anything else is applied
// set-wise (unchanged TOAST values filled from the mirror, delete by key,
// insert). The batch and the last commit LSN are written in one DuckDB
// transaction; only then is the LSN reported flushed to PostgreSQL.
//
// Mirrors keep their source names (core.customer), carry no primary keys
// (see DESIGN.md: they slow the apply without a measured benefit) and follow
// relation changes: added columns are backfilled with Postgres's stored
// default, dropped, renamed and retyped columns rebuild the mirror.
//
// One DuckDB instance per file per process: every reader is a connection of
// the writer's instance (a *DB is safe for concurrent use).
package warehouse
