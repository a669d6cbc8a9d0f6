-- Bootstrap (hand-written): extensions, business schemas, cluster-wide roles.
--
-- Roles are cluster-wide and many databases of one cluster may run this file
-- concurrently (tests), so every CREATE ROLE tolerates a role that already
-- exists or is being created by another session (duplicate_object,
-- unique_violation). Attributes are (re)asserted with ALTER ROLE, which is
-- idempotent. No passwords here: `cch dev` / deploy sets cch_app's.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS workshop;
CREATE SCHEMA IF NOT EXISTS inventory;
CREATE SCHEMA IF NOT EXISTS finance;
CREATE SCHEMA IF NOT EXISTS chauffeur;
CREATE SCHEMA IF NOT EXISTS audit;

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['cch_owner', 'cch_app', 'cch_technician', 'cch_receptionist', 'cch_finance',
                           'cch_manager', 'cch_dispatcher', 'cch_chauffeur', 'cch_auditor', 'cch_replicator']
  LOOP
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created earlier or concurrently by another database's migration
    END;
  END LOOP;
END
$$;

-- cch_owner owns every object (ALTER ... OWNER TO at the end of each hand
-- file, see core.claim_ownership). It is subject to FORCE ROW LEVEL SECURITY.
ALTER ROLE cch_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
-- cch_app is the API's login. NOINHERIT: it holds no business privilege until
-- it runs SET LOCAL ROLE cch_<role> inside a transaction.
ALTER ROLE cch_app LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
ALTER ROLE cch_technician NOLOGIN NOBYPASSRLS;
ALTER ROLE cch_receptionist NOLOGIN NOBYPASSRLS;
ALTER ROLE cch_finance NOLOGIN NOBYPASSRLS;
ALTER ROLE cch_manager NOLOGIN NOBYPASSRLS;
ALTER ROLE cch_dispatcher NOLOGIN NOBYPASSRLS;
ALTER ROLE cch_chauffeur NOLOGIN NOBYPASSRLS;
ALTER ROLE cch_auditor NOLOGIN NOBYPASSRLS;
-- CDC only: reads every tenant's rows (initial snapshot, no RLS filtering),
-- never writes (SELECT grants only, see the grants file).
ALTER ROLE cch_replicator LOGIN REPLICATION BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE;

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['cch_technician', 'cch_receptionist', 'cch_finance', 'cch_manager',
                           'cch_dispatcher', 'cch_chauffeur', 'cch_auditor']
  LOOP
    BEGIN
      EXECUTE format('GRANT %I TO cch_app', r);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END LOOP;
END
$$;

-- Transfers ownership of every object in the business schemas to cch_owner.
-- Called (by the migrating superuser) at the end of each hand-written file,
-- so objects created by generated files are owned correctly too.
CREATE OR REPLACE PROCEDURE core.claim_ownership()
LANGUAGE plpgsql
AS $$
DECLARE
  o record;
BEGIN
  FOR o IN
    SELECT n.nspname FROM pg_namespace n
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND n.nspowner <> 'cch_owner'::regrole
  LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO cch_owner', o.nspname);
  END LOOP;
  FOR o IN
    SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relowner <> 'cch_owner'::regrole
  LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO cch_owner', o.rel);
  END LOOP;
  FOR o IN
    SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND c.relkind = 'S' AND c.relowner <> 'cch_owner'::regrole
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
  LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO cch_owner', o.rel);
  END LOOP;
  FOR o IN
    SELECT t.oid::regtype AS typ FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND t.typtype IN ('e', 'd') AND t.typowner <> 'cch_owner'::regrole
  LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO cch_owner', o.typ);
  END LOOP;
  FOR o IN
    SELECT p.oid::regprocedure AS fn, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND p.proowner <> 'cch_owner'::regrole
      AND p.oid <> 'core.claim_ownership()'::regprocedure
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO cch_owner', CASE o.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, o.fn);
  END LOOP;
END
$$;
REVOKE ALL ON PROCEDURE core.claim_ownership() FROM PUBLIC;

CALL core.claim_ownership();
