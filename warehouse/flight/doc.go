// Package flight is the warehouse's Arrow Flight SQL endpoint, so analysts
// connect with standard drivers (ADBC, JDBC, DBeaver) on its own port.
//
// It authenticates the same bearer tokens as the REST API: as
// "authorization: Bearer cch_…" on every call, or by Basic-auth handshake
// with the token as the password (any user name), which answers with the
// bearer token to use. Every business role may query, over its own views
// (what PostgreSQL lets the role read). Statements run through
// analyst.Handler.QueryArrow, so they get exactly the /v1/sql containment:
// the gate, one SELECT, READ ONLY transaction, hardened instance, timeout
// and row limit; the catalogue calls list the caller's views only.
//
// Statement handles and tickets carry the query text itself (a prepared
// statement's handle also its bound parameter rows): the server keeps no
// per-client state. Queries are admitted, bounded and audited like
// POST /v1/sql (RESOURCE_EXHAUSTED past a bound). WithTLS serves TLS.
// Answers carry Flight SQL column metadata (type names); GetSqlInfo
// answers the codes it knows and leaves others out. Safe for concurrent
// use.
package flight
