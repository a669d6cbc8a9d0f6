// Package audit anchors the staff audit log outside the database.
//
// The log (audit.staff_audit_log) is hash-chained per organisation and
// audit.chain_head holds each chain's newest entry, so the database itself
// detects altered or removed entries, except one thing: whoever can write to
// the database as its owner or a superuser can delete the newest entries
// and move chain_head back, and the shorter chain is consistent. A
// Checkpoint records a chain head (organisation, entry id, entry hash)
// signed with HMAC-SHA256 under a key that lives outside the database (a
// key file), and checkpoints are appended to a file outside the database.
// Verify then requires each chain to still hold the checkpointed entry with
// the same hash, and its head to be at or after it: deleting entries older
// than the newest checkpoint, or rewinding the head past it, is reported.
// Entries written after the newest checkpoint are only as safe as the
// database, so checkpoints should be taken often (cch audit checkpoint, or
// a worker calling WriteCheckpoint periodically).
//
// The warehouse keeps a second copy, independent of the file: it signs
// the chain heads it mirrors through change data capture and records them
// in its own DuckDB file (CheckpointWarehouse); ReadWarehouse gives them to
// Verify.
//
// Functions are safe for concurrent use; AppendFile serialises writers of
// one file in a process and writes each batch with one write call.
package audit
