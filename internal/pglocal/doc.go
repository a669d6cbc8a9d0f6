// Package pglocal starts and stops a project-managed local PostgreSQL
// cluster: the embedded default behind `cch dev` and the throwaway clusters
// the tests run against.
//
// Decisions worth knowing:
//
//   - Authentication: initdb runs with a generated 32-byte superuser password
//     (scram-sha-256 for every TCP connection, replication included). The
//     password is kept in DATA_DIR/superuser.password (mode 0600) so a second
//     start reuses it. Unix sockets are disabled; the server listens on
//     127.0.0.1 only.
//   - Root: PostgreSQL refuses to run as root, so when the calling process is
//     root the server runs as the `postgres` OS user and the data directory
//     is chowned to it. As an ordinary user the server runs as that user.
//   - Lifetime: the server is a child process in its own process group with
//     a parent-death signal (SIGINT, PostgreSQL's fast shutdown), so a
//     killed parent does not leave it running. A start that finds a live
//     server from an earlier run (postmaster.pid) stops it first; a stale
//     pid file is handled by PostgreSQL itself.
//   - Settings: wal_level=logical with replication slots and senders for the
//     CDC pipeline, and a bounded max_slot_wal_keep_size so an abandoned slot
//     cannot fill the disk.
//
// A Cluster is safe for concurrent use after Start returns.
package pglocal
