-- Worker grants (hand-written): what `cch worker` may touch as cch_worker,
-- the role the superuser bootstrap step creates (LOGIN NOINHERIT
-- BYPASSRLS, member of cch_dispatcher). Its jobs work across
-- organisations: queue booking reminders and deliver the notification
-- outbox, keep monthly partitions ahead of time, and find each
-- organisation's dispatcher for auto-dispatch (which then runs as
-- cch_dispatcher under row-level security).

DO $$
BEGIN
  IF to_regrole('cch_worker') IS NULL THEN
    RAISE EXCEPTION 'role cch_worker is missing: run cch migrate bootstrap with a superuser URL first'
      USING ERRCODE = 'undefined_object';
  END IF;
END
$$;

GRANT USAGE ON SCHEMA core, workshop TO cch_worker;
GRANT SELECT, INSERT, UPDATE ON core.notification TO cch_worker;
GRANT SELECT (id, organisation_id, branch_id, customer_id, period, status, reminder_due_at, reminder_sent_at)
  ON workshop.booking TO cch_worker;
GRANT UPDATE (reminder_sent_at) ON workshop.booking TO cch_worker;
GRANT SELECT (id, organisation_id) ON core.branch TO cch_worker;
GRANT SELECT (staff_id, organisation_id, branch_id, role) ON core.staff_role TO cch_worker;
GRANT EXECUTE ON FUNCTION core.ensure_partitions(integer, integer) TO cch_worker;

CALL core.claim_ownership();
