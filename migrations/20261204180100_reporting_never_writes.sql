-- Reporting logins never write (hand-written), even where they reach the
-- primary: their sessions default to read-only, but a session may turn
-- that off, and the login holds its business role's write grants. A
-- RESTRICTIVE policy per command on every table of the business schemas,
-- for every role (so also inside SECURITY DEFINER functions, which keep
-- the session user): an INSERT by a reporting login fails (42501), its
-- UPDATE and DELETE find no rows. For everyone else the check is one
-- comparison of the session user's name. Reads are untouched (the
-- warehouse reads SELECT policies only). Re-runnable.

CREATE OR REPLACE FUNCTION core.is_reporting_login() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT starts_with(session_user::text, 'cch_reporting_') $$;
COMMENT ON FUNCTION core.is_reporting_login() IS 'true in a session of a reporting login (cch_reporting_<staff>_<role>)';
GRANT EXECUTE ON FUNCTION core.is_reporting_login() TO PUBLIC;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.oid::regclass AS rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  LOOP
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t.rel);
    EXECUTE format('DROP POLICY IF EXISTS reporting_no_insert ON %s', t.rel);
    EXECUTE format('CREATE POLICY reporting_no_insert ON %s AS RESTRICTIVE FOR INSERT TO PUBLIC WITH CHECK (NOT core.is_reporting_login())', t.rel);
    EXECUTE format('DROP POLICY IF EXISTS reporting_no_update ON %s', t.rel);
    EXECUTE format('CREATE POLICY reporting_no_update ON %s AS RESTRICTIVE FOR UPDATE TO PUBLIC USING (NOT core.is_reporting_login()) WITH CHECK (NOT core.is_reporting_login())', t.rel);
    EXECUTE format('DROP POLICY IF EXISTS reporting_no_delete ON %s', t.rel);
    EXECUTE format('CREATE POLICY reporting_no_delete ON %s AS RESTRICTIVE FOR DELETE TO PUBLIC USING (NOT core.is_reporting_login())', t.rel);
  END LOOP;
END
$$;

CALL core.claim_ownership();
