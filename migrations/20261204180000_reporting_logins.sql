-- Reporting logins (hand-written): BI tools on the hot standby read as one
-- staff member in one business role, and nothing they type can change who
-- they are.
--
-- Why not a shared login that "becomes" a token's role: row-level security
-- reads the request context from app.* settings, which any session may
-- change (SET, set_config), and a login that is a member of every business
-- role may SET ROLE to any of them (PostgreSQL 15 has no GRANT ... WITH SET
-- FALSE). A signed context (an HMAC in the settings, checked by the
-- helpers) was rejected too: the check would need a SECURITY DEFINER call
-- per row on the API path as well, the API would have to hold the secret,
-- and it still would not pin the role against SET ROLE.
--
-- So the identity of a reporting session is its login, which only a
-- superuser can change (SET SESSION AUTHORIZATION):
--   cch_reporting_<staff id>_<role>   e.g. cch_reporting_42_manager
-- created by `cch reporting grant` (a superuser step), a member of exactly
-- one business role (cch_<role>, inherited: its grants and policies) and
-- of cch_reporting (no privilege; for pg_hba: +cch_reporting). SET ROLE can
-- only reach cch_<role> (the same rights) or cch_reporting (none), RESET
-- ROLE the login (the same rights).
--
-- The helpers read the context through core.app_setting(name): for a
-- reporting login the value is derived from the login and the live
-- catalogue (staff active, role held, branches of that role, as
-- core.authenticate_token derives them for an API token); for every other
-- session it is current_setting('app.' || name), as before. The settings
-- are never read for a reporting login, so setting them changes nothing.
-- For the API the helpers stay inlinable SQL with one cheap extra test per
-- evaluation (the session user's name); the warehouse translates
-- core.app_setting(name) to its request-context variable, so its rules are
-- unchanged.

-- cch_reporting, the group of reporting logins (no login, no privilege, no
-- membership), is made by the superuser bootstrap step.
DO $$
BEGIN
  IF to_regrole('cch_reporting') IS NULL THEN
    RAISE EXCEPTION 'role cch_reporting is missing: run cch migrate bootstrap with a superuser URL first'
      USING ERRCODE = 'undefined_object';
  END IF;
END
$$;

DROP FUNCTION IF EXISTS core.reporting_session(text);
REVOKE EXECUTE ON FUNCTION core.authenticate_token(bigint) FROM cch_reporting;
REVOKE USAGE ON SCHEMA core FROM cch_reporting;

-- The context of a reporting login, as the API would set it for a token of
-- that staff member and role; NULL for any other session, and when the
-- staff member is inactive or no longer holds the role (so: no rows).
-- branch_ids is '0' (no branch) when there is no context, never '' (which
-- means "no branch restriction" to core.in_branch_scope).
CREATE OR REPLACE FUNCTION core.reporting_setting(p_name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH login AS (
    SELECT m[1]::bigint AS staff_id, m[2] AS role
    FROM regexp_match(session_user::text, '^cch_reporting_([1-9][0-9]{0,17})_([a-z]+)$') m
  ), ctx AS (
    SELECT s.organisation_id, s.id AS staff_id, sr.role,
           CASE WHEN bool_or(sr.branch_id IS NULL) THEN
                  (SELECT coalesce(array_agg(b.id ORDER BY b.id), '{}') FROM core.branch b WHERE b.organisation_id = s.organisation_id)
                ELSE array_agg(sr.branch_id ORDER BY sr.branch_id)
           END AS branch_ids
    FROM login l
    JOIN core.staff s ON s.id = l.staff_id AND s.active
    JOIN core.staff_role sr ON sr.staff_id = s.id AND sr.organisation_id = s.organisation_id AND sr.role::text = l.role
    GROUP BY s.organisation_id, s.id, sr.role
  )
  SELECT CASE p_name
           WHEN 'organisation_id' THEN (SELECT organisation_id::text FROM ctx)
           WHEN 'staff_id' THEN (SELECT staff_id::text FROM ctx)
           WHEN 'branch_ids' THEN coalesce((SELECT array_to_string(branch_ids, ',') FROM ctx), '0')
           WHEN 'role' THEN (SELECT role::text FROM ctx)
         END
$$;
COMMENT ON FUNCTION core.reporting_setting(text) IS 'a reporting login''s request context (organisation_id, staff_id, branch_ids, role), derived from the login name';
REVOKE ALL ON FUNCTION core.reporting_setting(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.reporting_setting(text) TO PUBLIC;

-- The request context the policies read: the app.* setting, except for a
-- reporting login, whose context comes from its login only.
CREATE OR REPLACE FUNCTION core.app_setting(p_name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN starts_with(session_user::text, 'cch_reporting_') THEN core.reporting_setting(p_name)
              ELSE current_setting('app.' || p_name, true) END
$$;
COMMENT ON FUNCTION core.app_setting(text) IS 'request context value: app.<name>, or a reporting login''s own context';
GRANT EXECUTE ON FUNCTION core.app_setting(text) TO PUBLIC;

CREATE OR REPLACE FUNCTION core.current_organisation_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(core.app_setting('organisation_id'), '')::bigint $$;

CREATE OR REPLACE FUNCTION core.current_staff_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(core.app_setting('staff_id'), '')::bigint $$;

CREATE OR REPLACE FUNCTION core.current_branch_ids() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(string_to_array(nullif(core.app_setting('branch_ids'), ''), ',')::bigint[], '{}') $$;

CREATE OR REPLACE FUNCTION core.in_branch_scope(p_branch_id bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT p_branch_id IS NULL
      OR coalesce(core.app_setting('branch_ids'), '') = ''
      OR p_branch_id = ANY (core.current_branch_ids())
$$;

CALL core.claim_ownership();
