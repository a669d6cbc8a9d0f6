-- Reporting sessions (hand-written): cch_reporting, the BI tools' login
-- on the hot standby (created by the superuser bootstrap step, NOINHERIT
-- member of every business role), starts each session with
--   SELECT core.reporting_session('cch_<id>_<secret>');
-- which checks an API token as the API does (known, hash matches, not
-- revoked, not expired, staff member active in that role) and then sets,
-- for the session, exactly what the API sets for each request of that
-- token: the business role and app.organisation_id, app.staff_id,
-- app.branch_ids, app.role. Row-level security and column grants then
-- give the session the rows and columns the API gives that role. The
-- session is read-only. Only cch_reporting may call it.

DO $$
BEGIN
  IF to_regrole('cch_reporting') IS NULL THEN
    RAISE EXCEPTION 'role cch_reporting is missing: run cch migrate bootstrap with a superuser URL first'
      USING ERRCODE = 'undefined_object';
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION core.reporting_session(p_token text) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  m text[];
  t record;
  db_role text;
BEGIN
  IF session_user::text <> 'cch_reporting' THEN
    RAISE EXCEPTION 'core.reporting_session is for the cch_reporting login' USING ERRCODE = 'insufficient_privilege';
  END IF;
  m := regexp_match(p_token, '^cch_([1-9][0-9]{0,17})_(.{1,128})$');
  IF m IS NOT NULL THEN
    SELECT * INTO t FROM core.authenticate_token(m[1]::bigint);
  END IF;
  IF m IS NULL OR t IS NULL OR t.token_hash IS DISTINCT FROM sha256(convert_to(m[2], 'UTF8'))
     OR t.revoked_at IS NOT NULL OR t.expires_at <= now() THEN
    RAISE EXCEPTION 'invalid, expired or revoked token' USING ERRCODE = 'invalid_authorization_specification';
  END IF;
  db_role := 'cch_' || t.role::text;
  PERFORM set_config('role', 'none', false);
  PERFORM set_config('app.organisation_id', t.organisation_id::text, false),
          set_config('app.staff_id', t.staff_id::text, false),
          set_config('app.branch_ids', array_to_string(t.branch_ids, ','), false),
          set_config('app.role', t.role::text, false),
          set_config('app.request_id', 'reporting-' || m[1], false),
          set_config('default_transaction_read_only', 'on', false);
  PERFORM set_config('role', db_role, false);
  RETURN db_role;
END
$$;
COMMENT ON FUNCTION core.reporting_session(text) IS 'cch_reporting: act as an API token''s role, organisation, staff member and branches for this session (read-only)';
REVOKE ALL ON FUNCTION core.reporting_session(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.reporting_session(text) TO cch_reporting;
GRANT EXECUTE ON FUNCTION core.authenticate_token(bigint) TO cch_reporting;
GRANT USAGE ON SCHEMA core TO cch_reporting;

CALL core.claim_ownership();
