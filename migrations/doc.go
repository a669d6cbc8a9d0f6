// Package migrations is the Atlas versioned migration directory of Car Care
// Hub (the *.sql files and atlas.sum next to this file, embedded into the
// binary as FS) plus the Go code that applies, reports, diffs and lints it
// with the Atlas library (ariga.io/atlas).
//
// # Files
//
// Files are named VERSION_DESCRIPTION.sql where VERSION is a UTC timestamp
// YYYYMMDDHHMMSS; they run in lexical order. Table DDL is generated from
// schema.hcl by Diff (`cch migrate diff NAME`); what Atlas cannot express
// (extensions, exclusion constraints, functions, triggers, RLS, roles,
// grants, the publication) is written by hand in the same directory. After
// adding or editing a file by hand, recompute atlas.sum with Hash
// (`cch migrate hash`). A file that has been applied anywhere is never
// edited: add a new one.
//
// A file header (comment lines before the first blank line) may carry
// Atlas directives:
//
//	-- atlas:txmode none    run statement by statement, outside a
//	                        transaction (CREATE INDEX CONCURRENTLY)
//	-- atlas:nolint [names] Lint ignores the file (or only the named
//	                        analyzers or codes, e.g. destructive, DS103)
//
// A nolint directive in the comment right above a statement applies to
// that statement only.
//
// # Applying
//
// ApplyDir (and Apply for the embedded directory) verifies atlas.sum with
// migrate.Validate and refuses a tampered directory naming the file. It
// records applied files in cch_migrate.revisions (version primary key,
// description, sha256 hex of the file bytes, applied_at), outside the
// business schemas. A session-level pg_advisory_lock serialises concurrent
// applies. Each file runs as one simple-protocol query inside its own
// transaction, together with the INSERT of its revision row, so a failed
// file leaves nothing behind and dollar-quoted bodies need no client-side
// splitting. A database whose applied file was later edited, removed, or
// that would need a file older than its last applied version is refused.
//
// # Diff, Drift and Lint
//
// Diff replays the directory on a scratch database, inspects the business
// schemas (core, workshop, inventory, finance, chauffeur, audit), loads
// schema.hcl, normalizes it on a second, clean scratch database (Atlas's
// dev-database approach), diffs, drops the changes that belong to
// hand-written migrations (see excludeHandWritten) and writes the next file
// plus atlas.sum. Drift runs the same comparison against a migrated
// database. Lint replays files statement by statement and runs Atlas's
// analyzers (destructive, data-dependent, constraint-drop, backward
// incompatible) on the schema changes each statement makes.
//
// All functions are safe for concurrent use; they hold no package state.
package migrations
