-- The worker signs audit checkpoints of every organisation: it reads the
-- chain heads and, to check each head still names its entry, the id and
-- hash of log entries (no other column).
GRANT USAGE ON SCHEMA audit TO cch_worker;
GRANT SELECT ON audit.chain_head TO cch_worker;
GRANT SELECT (organisation_id, id, hash) ON audit.staff_audit_log TO cch_worker;
