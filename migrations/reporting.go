package migrations

// reportingRoleSQL makes cch_reporting, the login BI tools use on the
// hot standby (a superuser step): NOINHERIT member of every business
// role, so it holds no privilege until core.reporting_session(token)
// switches it to the role of an API token, with that token's
// organisation, staff member and branches for row-level security.
// LOGIN without a password unless bootstrap is given one.
//
// Several databases of one cluster may run this at once (tests): every
// change is made only when missing, and a concurrent creation is tolerated.
const reportingRoleSQL = `
DO $$
DECLARE
  r text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_reporting') THEN
    BEGIN
      CREATE ROLE cch_reporting LOGIN NOINHERIT NOBYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by another database's bootstrap
    END;
  ELSIF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_reporting' AND rolcanlogin AND NOT rolinherit
                      AND NOT rolbypassrls AND NOT rolsuper AND NOT rolcreatedb AND NOT rolcreaterole AND NOT rolreplication) THEN
    ALTER ROLE cch_reporting LOGIN NOINHERIT NOBYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
  FOREACH r IN ARRAY ARRAY['cch_technician', 'cch_receptionist', 'cch_finance', 'cch_manager',
                           'cch_dispatcher', 'cch_chauffeur', 'cch_auditor']
  LOOP
    IF to_regrole(r) IS NOT NULL AND NOT pg_has_role('cch_reporting', r, 'MEMBER') THEN
      BEGIN
        EXECUTE format('GRANT %I TO cch_reporting', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$$;
`
