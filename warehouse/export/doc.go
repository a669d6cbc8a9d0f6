// Package export writes the warehouse as Hive-partitioned Parquet: every
// mirror table and every mart view, partitioned by organisation_id where
// the relation has one, plus manifest.json listing each file with its size
// and SHA-256 and the LSN the warehouse had applied.
//
// It runs DuckDB's COPY … TO … (FORMAT parquet, PARTITION_BY …) on its own
// DuckDB instance (the file opened read-only, so a stopped warehouse or a
// copy of its file), never on the hardened instance that serves analysts,
// where file access is disabled.
package export
