package migrations

// reportingRoleSQL makes cch_reporting (a superuser step): the group of
// the reporting logins BI tools use on the hot standby (GrantReporting),
// for pg_hba.conf (+cch_reporting). It has no login, no privilege and is
// a member of nothing: a member of it could otherwise SET ROLE to what it
// belongs to. A cch_reporting made by an earlier version (a login, member
// of every business role) loses its login and those memberships.
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
      CREATE ROLE cch_reporting NOLOGIN NOINHERIT NOBYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by another database's bootstrap
    END;
  ELSIF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cch_reporting' AND NOT rolcanlogin AND NOT rolinherit
                      AND NOT rolbypassrls AND NOT rolsuper AND NOT rolcreatedb AND NOT rolcreaterole AND NOT rolreplication) THEN
    ALTER ROLE cch_reporting NOLOGIN NOINHERIT NOBYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD NULL;
  END IF;
  FOR r IN SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
           WHERE m.member = 'cch_reporting'::regrole
  LOOP
    EXECUTE format('REVOKE %I FROM cch_reporting', r);
  END LOOP;
END
$$;
`
