// Package pgstats exports PostgreSQL server statistics that operators
// alert on and the application cannot see from inside: slow statements
// (pg_stat_statements, when the extension is loaded and created) and lock
// waits (pg_locks). cch worker registers a Collector on its registry.
package pgstats
