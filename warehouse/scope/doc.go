// Package scope gives every business role the warehouse PostgreSQL would
// give it. The rules are read from the PostgreSQL catalogue, never kept by
// hand: for each role and each published table, the columns it may SELECT
// (has_column_privilege, schema USAGE, the publication's column list), and
// the row-level security policies that apply to it for SELECT (pg_policy:
// polcmd, polroles, polpermissive, pg_get_expr of polqual), with the
// SQL-language helper functions those policies call (pg_proc.prosrc).
//
// Build turns the rules into DuckDB objects: one in-memory catalogue per
// role holding a view per visible table, named like the source table
// (core.customer), selecting the granted columns of the mirror table WHERE
// the restrictive policies AND any permissive policy hold; the helpers
// become macros of the same names. Enum and range columns, which the
// mirror keeps as PostgreSQL's text, are typed in the views from the
// catalogue (pg_enum labels, pg_range subtypes; see ColumnType): a DuckDB
// ENUM and a STRUCT(lower, upper, bounds), so Arrow clients get a
// dictionary and a struct, and an added label changes the rules (the
// views are built again). The derived statements (the marts) run in a
// second catalogue per role, cch_<role>_<gen>_derived, over the same
// views untyped, and the role's catalogue reads their views from there;
// Binds plans there too, and Set.EnterDerived enters it for computing an
// analytic as the role's views see the mirror. The request context the
// policies read (app.organisation_id, app.staff_id, app.branch_ids,
// app.role, set by the API with set_config in PostgreSQL) is set per
// query with DuckDB variables of the same names (Set.Enter), and
// subqueries inside policies read the role's own views, as they are
// under row-level security in PostgreSQL. Anything that cannot be
// derived or translated is left out: a table without a rule is
// invisible, never open.
//
// Check is the gate in front of analyst SQL: it parses a statement with
// DuckDB's own parser (json_serialize_sql) and admits it only when every
// table it names is one of the caller's views (or a CTE in scope), every
// table function is on a short allowlist and no denied scalar function
// (settings, variables, sequences) is called.
//
// Manager keeps the current Set, rebuilds it when the mirror's tables or
// the catalogue's rules change, and retires old sets once their last
// query ends. The catalogues live in the memory of the DuckDB instance:
// given Config.Instance (warehouse.DB.Instance), Acquire builds them again
// when the warehouse has moved its readers to a rebuilt file. Safe for
// concurrent use.
//
// Other readers of the warehouse (an export per organisation or role)
// use the same views:
//
//	set, release, err := manager.Acquire(ctx)
//	defer release()
//	views := set.Views("manager") // schema, name, columns, filter, view SQL
//	// on one raw connection (*duckdb.Conn via sql.Conn.Raw):
//	leave, err := set.Enter(ctx, conn, scope.Caller{Role: "manager", OrganisationID: org})
//	// … SELECT * FROM core.customer reads the role's view for org …
//	err = leave(ctx) // on error, discard the connection
package scope
