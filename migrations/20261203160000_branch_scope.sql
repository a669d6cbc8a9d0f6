-- Branch scope (hand-written): a role held at some branches reads and
-- writes only rows of those branches, whatever the API route, as the
-- analytics already do. app.branch_ids is the caller's scope (every branch
-- of the organisation for a role held organisation-wide); unset or empty
-- means no branch restriction (sessions that are not API requests).
--
-- RESTRICTIVE policies on every business table with a branch_id, for the
-- business roles: rows of other branches are invisible (SELECT, and so
-- UPDATE and DELETE find nothing: 404), and a new or changed row must be at
-- one of the caller's branches (INSERT / UPDATE WITH CHECK: 42501, 403).
-- A NULL branch_id (organisation-wide rows) stays in scope.
--
-- Customers are scoped by home_branch_id (NULL: organisation-wide
-- accounts) for writes only: who may read a customer is the customer
-- policies' business (a receptionist also sees customers booked at her
-- branches). A customer homed elsewhere cannot be changed, nor moved into
-- or out of the caller's branches.
--
-- Not scoped: the stock ledger (inventory.stock_level,
-- inventory.inventory_transaction), because a transfer moves stock from a
-- branch the caller acts for to another branch and the stock pages compare
-- branches (the handlers check the acting branch); core.staff_role, which
-- says where people work. Re-runnable.

CREATE OR REPLACE FUNCTION core.in_branch_scope(p_branch_id bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT p_branch_id IS NULL
      OR coalesce(current_setting('app.branch_ids', true), '') = ''
      OR p_branch_id = ANY (core.current_branch_ids())
$$;
COMMENT ON FUNCTION core.in_branch_scope(bigint) IS 'true when a row of this branch is in the request''s branch scope (app.branch_ids)';
REVOKE ALL ON FUNCTION core.in_branch_scope(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.in_branch_scope(bigint)
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor;

DO $$
DECLARE
  t record;
  business constant text := 'cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor';
BEGIN
  FOR t IN
    SELECT c.oid::regclass AS rel
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'branch_id' AND NOT a.attisdropped
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur')
      AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname || '.' || c.relname NOT IN ('inventory.stock_level', 'inventory.inventory_transaction', 'core.staff_role')
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS branch_scope_read ON %s', t.rel);
    EXECUTE format('CREATE POLICY branch_scope_read ON %s AS RESTRICTIVE FOR SELECT TO %s USING (core.in_branch_scope(branch_id))',
                   t.rel, business);
    EXECUTE format('DROP POLICY IF EXISTS branch_scope_insert ON %s', t.rel);
    EXECUTE format('CREATE POLICY branch_scope_insert ON %s AS RESTRICTIVE FOR INSERT TO %s WITH CHECK (core.in_branch_scope(branch_id))',
                   t.rel, business);
    EXECUTE format('DROP POLICY IF EXISTS branch_scope_update ON %s', t.rel);
    EXECUTE format('CREATE POLICY branch_scope_update ON %s AS RESTRICTIVE FOR UPDATE TO %s USING (true) WITH CHECK (core.in_branch_scope(branch_id))',
                   t.rel, business);
  END LOOP;
END
$$;

DROP POLICY IF EXISTS branch_scope_insert ON core.customer;
CREATE POLICY branch_scope_insert ON core.customer AS RESTRICTIVE FOR INSERT
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor
  WITH CHECK (core.in_branch_scope(home_branch_id));
DROP POLICY IF EXISTS branch_scope_update ON core.customer;
CREATE POLICY branch_scope_update ON core.customer AS RESTRICTIVE FOR UPDATE
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor
  USING (core.in_branch_scope(home_branch_id)) WITH CHECK (core.in_branch_scope(home_branch_id));

CALL core.claim_ownership();
