// Package oltp is the REST API over the PostgreSQL system of record: the Gin
// router, middleware (request ids, structured request logs, metrics), the
// health endpoints, the one error → problem+json mapping and the pgx pool
// constructor. Business handlers live in sub-packages by area as they land.
//
// A Server is safe for concurrent use; its goroutines start in Serve.
package oltp
