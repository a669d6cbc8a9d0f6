// Package warehouse is the embedded DuckDB analytic store: the single Open
// constructor, mirror tables derived from source relations, the cdc.Sink
// implementation, analytic marts, query paths, Flight SQL and Parquet
// export.
//
// One DuckDB instance per file per process: every reader is a connection of
// the writer's instance (a *DB is safe for concurrent use).
package warehouse
