-- Logical backups (hand-written, superuser: the file name ends in
-- _bootstrap). cch_backup is the role pg_dump runs as:
--   * pg_read_all_data: SELECT on every table and sequence, USAGE on every
--     schema, today's and future ones (cch_migrate's history included,
--     which the owner's dump could not read);
--   * BYPASSRLS: pg_dump turns row_security off and then needs it; without
--     it a dump fails, and with --enable-row-security under FORCE ROW LEVEL
--     SECURITY it silently dumps no tenant's rows.
-- It writes nothing. LOGIN without a password: the operator sets one
-- (ALTER ROLE cch_backup PASSWORD …, see deploy/README.md).
--
-- Several databases of one cluster may run this at once (tests): every
-- change is made only when missing, and a concurrent creation is tolerated.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_backup') THEN
    BEGIN
      CREATE ROLE cch_backup LOGIN BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by another database's migration
    END;
  ELSIF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_backup' AND rolcanlogin AND rolbypassrls
                      AND NOT rolsuper AND NOT rolcreatedb AND NOT rolcreaterole AND NOT rolreplication) THEN
    ALTER ROLE cch_backup LOGIN BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
  IF NOT pg_has_role('cch_backup', 'pg_read_all_data', 'MEMBER') THEN
    BEGIN
      GRANT pg_read_all_data TO cch_backup;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;
