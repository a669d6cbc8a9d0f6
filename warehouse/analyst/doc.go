// Package analyst serves the warehouse to people: the catalogue of
// analytics (GET /v1/analytics, GET /v1/analytics/{name}) and read-only
// analyst SQL (POST /v1/sql) on the DuckDB instance CDC writes.
//
// Analyst SQL reads only the caller's views (package scope): one DuckDB
// catalogue per business role whose views show what PostgreSQL's grants
// and row-level security show that role, entered per query with the
// caller's request context. A gate over DuckDB's parse tree admits a
// statement only when every table it names is one of those views (or a
// CTE), so base mirror tables, internal schemas, other roles' catalogues,
// the system catalogue, files and settings are out of reach whatever the
// spelling. Every business role may use analyst SQL.
//
// Analyst SQL is further contained three ways: the statement must prepare as a
// single SELECT ((*duckdb.Stmt).StatementType; a multi-statement string is
// refused before anything runs), it runs inside a READ ONLY transaction
// that is always rolled back, and the instance is hardened before the
// first analyst query with enable_external_access = false (no file,
// network or extension access) and lock_configuration = true (no SET or
// PRAGMA can undo that). The CDC applier is unaffected: it only writes
// the database's own tables. Every query has a timeout (the context is
// cancelled and DuckDB interrupted), a row limit and a byte limit: an
// answer is encoded whole into a bounded buffer and sent with its
// Content-Length, or refused (422 answer-too-large), never cut off. At
// most MaxQueriesPerCaller queries of one staff member and MaxQueries in
// all run at once; more are refused (429), not queued.
//
// Every analyst query is recorded (Handler.Admit, Access.End) in
// PostgreSQL's hash-chained audit log by an AuditLog, which batches the
// entries and writes them at most once a second, so a query never waits
// on PostgreSQL. Until written, entries are durable in a local spool
// (AuditOptions.Spool): a query's start is fsynced there before it runs
// and its outcome before any of its answer leaves, and a restart after a
// crash writes what the spool holds, each entry once.
//
// Handlers authenticate through a caller-supplied function (the oltp API's
// bearer tokens) and authorise per analytic: managers and finance read
// everything, other roles only the non-financial analytics listed for
// them. Every analytic is filtered to the caller's organisation and
// branches. Safe for concurrent use.
package analyst
