-- Security (hand-written): row-level security, grants per business role with
-- financial column masking, function privileges, the CDC publication.
--
-- Request context (transaction-local, set by the API after SET LOCAL ROLE):
--   app.organisation_id  tenant of the request (RLS on every business table)
--   app.staff_id         acting staff member (technician/chauffeur scoping, audit actor)
--   app.branch_ids       comma-separated branch ids of the role's scope
--   app.role             business role name (audit)
--   app.request_id       request id (audit)
-- Re-runnable: policies are dropped and recreated, grants are idempotent.

------------------------------------------------------------------------------
-- Helpers for this file only (session-local).
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION pg_temp.policy(tbl regclass, name text, cmd text, roles text, using_expr text,
                                          check_expr text DEFAULT NULL, restrictive boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP POLICY IF EXISTS %I ON %s', name, tbl);
  EXECUTE format('CREATE POLICY %I ON %s AS %s FOR %s TO %s USING (%s)%s', name, tbl,
                 CASE WHEN restrictive THEN 'RESTRICTIVE' ELSE 'PERMISSIVE' END, cmd, roles, using_expr,
                 CASE WHEN cmd IN ('ALL', 'UPDATE') THEN format(' WITH CHECK (%s)', coalesce(check_expr, using_expr)) ELSE '' END);
END
$$;

-- Grants privs on every column of tbl except the masked ones.
CREATE OR REPLACE FUNCTION pg_temp.grant_columns(privs text, tbl regclass, grantee text, masked text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  priv text;
  cols text;
BEGIN
  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
  FROM pg_attribute a WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> ALL (masked);
  FOREACH priv IN ARRAY string_to_array(privs, ',') LOOP
    EXECUTE format('GRANT %s (%s) ON %s TO %I', trim(priv), cols, tbl, grantee);
  END LOOP;
END
$$;

------------------------------------------------------------------------------
-- Row-level security: ENABLE + FORCE on every table of the business schemas
-- (partitions are reached through their parent). Tenant isolation is a
-- RESTRICTIVE policy, so no permissive policy can widen it.
------------------------------------------------------------------------------
DO $$
DECLARE
  t record;
  business constant text := 'cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor';
  tenant_roles text;
BEGIN
  FOR t IN
    SELECT c.oid::regclass AS rel, n.nspname || '.' || c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  LOOP
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t.rel);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t.rel);
    -- The owner writes audit rows and looks up tokens (SECURITY DEFINER
    -- functions) for whichever organisation the row belongs to; everyone
    -- else is confined to app.organisation_id.
    tenant_roles := CASE WHEN t.name IN ('audit.staff_audit_log', 'audit.booking_history', 'audit.chain_head',
                                         'core.api_token', 'core.staff_role', 'core.staff', 'core.branch')
                         THEN business || ', cch_app' ELSE 'PUBLIC' END;
    PERFORM pg_temp.policy(t.rel, 'tenant_isolation', 'ALL', tenant_roles,
      CASE WHEN t.name = 'core.organisation' THEN 'id = core.current_organisation_id()'
           ELSE 'organisation_id = core.current_organisation_id()' END, NULL, true);
    IF t.name NOT IN ('core.customer', 'core.time_clock_entry', 'chauffeur.ride_booking', 'chauffeur.ride_stop',
                      'chauffeur.dispatch_assignment', 'chauffeur.ride_status_event') THEN
      PERFORM pg_temp.policy(t.rel, 'organisation_rows', 'ALL', 'PUBLIC', 'true');
    END IF;
  END LOOP;
END
$$;

-- Customer PII: organisation-wide for managers, finance and dispatchers;
-- receptionists see their branches' customers (home branch, bookings there)
-- and organisation-wide accounts; technicians only customers of repair jobs
-- assigned to them; chauffeurs only passengers of rides assigned to them.
SELECT pg_temp.policy('core.customer', 'customer_organisation_wide', 'ALL', 'cch_manager, cch_finance, cch_dispatcher, cch_owner', 'true');
SELECT pg_temp.policy('core.customer', 'customer_receptionist_branches', 'ALL', 'cch_receptionist',
  $$home_branch_id IS NULL OR home_branch_id = ANY (core.current_branch_ids())
    OR EXISTS (SELECT 1 FROM workshop.booking b WHERE b.customer_id = customer.id AND b.branch_id = ANY (core.current_branch_ids()))$$,
  $$home_branch_id IS NULL OR home_branch_id = ANY (core.current_branch_ids())$$);
SELECT pg_temp.policy('core.customer', 'customer_technician_assigned_jobs', 'SELECT', 'cch_technician',
  $$EXISTS (SELECT 1 FROM workshop.repair_order ro JOIN workshop.repair_job rj ON rj.repair_order_id = ro.id
            WHERE ro.customer_id = customer.id AND rj.assigned_technician_id = core.current_staff_id())$$);
SELECT pg_temp.policy('core.customer', 'customer_chauffeur_assigned_rides', 'SELECT', 'cch_chauffeur',
  $$EXISTS (SELECT 1 FROM chauffeur.ride_booking rb WHERE rb.passenger_customer_id = customer.id)$$);

-- Clock entries: one's own; managers, finance and the owner see all.
SELECT pg_temp.policy('core.time_clock_entry', 'clock_organisation_wide', 'ALL', 'cch_manager, cch_finance, cch_owner', 'true');
SELECT pg_temp.policy('core.time_clock_entry', 'clock_own', 'ALL', 'cch_technician, cch_receptionist, cch_dispatcher, cch_chauffeur',
  'staff_id = core.current_staff_id()');

-- Rides: dispatch sees the organisation; a chauffeur sees rides offered to,
-- accepted by or completed by them.
CREATE OR REPLACE FUNCTION chauffeur.is_assigned_to_me(p_ride_booking_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM chauffeur.dispatch_assignment da
                 WHERE da.ride_booking_id = p_ride_booking_id AND da.chauffeur_id = core.current_staff_id()
                   AND da.status IN ('offered', 'accepted', 'completed'))
$$;
SELECT pg_temp.policy('chauffeur.ride_booking', 'ride_organisation_wide', 'ALL', 'cch_dispatcher, cch_manager, cch_finance, cch_owner', 'true');
SELECT pg_temp.policy('chauffeur.ride_booking', 'ride_assigned', 'ALL', 'cch_chauffeur', 'chauffeur.is_assigned_to_me(id)');
SELECT pg_temp.policy('chauffeur.ride_stop', 'stop_organisation_wide', 'ALL', 'cch_dispatcher, cch_manager, cch_finance, cch_owner', 'true');
SELECT pg_temp.policy('chauffeur.ride_stop', 'stop_assigned', 'ALL', 'cch_chauffeur', 'chauffeur.is_assigned_to_me(ride_booking_id)');
SELECT pg_temp.policy('chauffeur.ride_status_event', 'event_organisation_wide', 'ALL', 'cch_dispatcher, cch_manager, cch_finance, cch_owner', 'true');
SELECT pg_temp.policy('chauffeur.ride_status_event', 'event_assigned', 'ALL', 'cch_chauffeur', 'chauffeur.is_assigned_to_me(ride_booking_id)');
SELECT pg_temp.policy('chauffeur.dispatch_assignment', 'assignment_organisation_wide', 'ALL', 'cch_dispatcher, cch_manager, cch_finance, cch_owner', 'true');
SELECT pg_temp.policy('chauffeur.dispatch_assignment', 'assignment_own', 'ALL', 'cch_chauffeur', 'chauffeur_id = core.current_staff_id()');

------------------------------------------------------------------------------
-- Grants. Start from nothing, then give each role exactly its job.
-- MASKED columns (costs, margins, pay rates, settlements) are granted only
-- to cch_finance and cch_manager: other roles get column-level grants that
-- leave them out (SELECT of a masked column fails with 42501), so the API
-- must name its columns (no SELECT * / RETURNING * for those roles).
------------------------------------------------------------------------------
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['cch_app', 'cch_technician', 'cch_receptionist', 'cch_finance', 'cch_manager',
                           'cch_dispatcher', 'cch_chauffeur', 'cch_auditor', 'cch_replicator', 'PUBLIC']
  LOOP
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA core, workshop, inventory, finance, chauffeur, audit FROM %s', r);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA core, workshop, inventory, finance, chauffeur, audit FROM %s', r);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA core, workshop, inventory, finance, chauffeur, audit FROM %s', r);
    EXECUTE format('REVOKE ALL ON SCHEMA core, workshop, inventory, finance, chauffeur, audit FROM %s', r);
  END LOOP;
END
$$;
-- Column-level grants survive REVOKE ALL ON TABLE only per column: clear them.
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT DISTINCT table_schema, table_name, grantee FROM information_schema.column_privileges
    WHERE table_schema IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND grantee IN ('cch_app', 'cch_technician', 'cch_receptionist', 'cch_finance', 'cch_manager',
                      'cch_dispatcher', 'cch_chauffeur', 'cch_auditor', 'cch_replicator')
  LOOP
    EXECUTE format('REVOKE ALL (%s) ON %I.%I FROM %I',
      (SELECT string_agg(quote_ident(column_name), ', ') FROM information_schema.columns
       WHERE table_schema = c.table_schema AND table_name = c.table_name), c.table_schema, c.table_name, c.grantee);
  END LOOP;
END
$$;

GRANT USAGE ON SCHEMA core, workshop, inventory, finance, chauffeur
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur;
GRANT USAGE ON SCHEMA core, audit TO cch_auditor;
GRANT USAGE ON SCHEMA audit TO cch_finance, cch_manager;
GRANT USAGE ON SCHEMA core TO cch_app;
GRANT USAGE ON SCHEMA core, workshop, inventory, finance, chauffeur, audit TO cch_replicator;

-- Request-context helpers are used inside policies: everyone executes them.
GRANT EXECUTE ON FUNCTION core.current_organisation_id(), core.current_staff_id(), core.current_branch_ids(),
  core.current_db_role(), chauffeur.is_assigned_to_me(bigint) TO PUBLIC;
GRANT EXECUTE ON FUNCTION core.authenticate_token(bigint) TO cch_app;
GRANT EXECUTE ON FUNCTION audit.log_action(text, text, jsonb, jsonb)
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor;
GRANT EXECUTE ON FUNCTION audit.verify_chain(bigint), audit.entry_payload(audit.staff_audit_log) TO cch_auditor, cch_manager;
GRANT EXECUTE ON FUNCTION finance.issue_invoice(bigint) TO cch_finance, cch_manager;
-- audit.append_entry, core.ensure_partitions and core.claim_ownership stay
-- owner/superuser only.

-- cch_manager: everything in their organisation (RLS), costs included;
-- APPEND tables insert-only; the audit schema read-only.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA core, workshop, inventory, finance, chauffeur TO cch_manager;
REVOKE UPDATE, DELETE ON core.customer_consent, inventory.inventory_transaction, chauffeur.ride_status_event FROM cch_manager;
GRANT SELECT ON audit.staff_audit_log, audit.booking_history TO cch_manager;

-- cch_finance: owns invoices, payments, overheads and chauffeur pay; reads
-- the rest (with costs) to price and reconcile.
GRANT SELECT, INSERT, UPDATE, DELETE ON finance.invoice, finance.invoice_line, finance.payment,
  finance.payment_allocation, finance.operating_expense, finance.invoice_counter,
  chauffeur.chauffeur_pay_rule, chauffeur.settlement, chauffeur.settlement_line TO cch_finance;
GRANT SELECT ON core.organisation, core.branch, core.staff, core.staff_role, core.staff_shift, core.time_clock_entry,
  core.customer, core.vehicle, core.customer_feedback,
  workshop.service_bay, workshop.labour_operation, workshop.booking, workshop.repair_order, workshop.repair_job,
  workshop.labour_line, workshop.part_line,
  inventory.part, inventory.supplier, inventory.supplier_part, inventory.stock_level, inventory.inventory_transaction,
  inventory.purchase_order, inventory.purchase_order_line,
  chauffeur.fleet_vehicle, chauffeur.chauffeur, chauffeur.ride_booking, chauffeur.ride_stop,
  chauffeur.dispatch_assignment, chauffeur.ride_status_event, chauffeur.ride_charge TO cch_finance;
GRANT UPDATE ON chauffeur.ride_charge TO cch_finance;
GRANT SELECT ON audit.staff_audit_log TO cch_finance;

-- cch_technician: reads what the job needs (customer and vehicle per the
-- seed, RLS-limited), clocks on and off, updates their jobs. No costs.
GRANT SELECT ON core.organisation, core.branch, core.customer, core.vehicle, core.vehicle_ownership,
  core.odometer_reading, core.staff_shift, workshop.service_bay, workshop.labour_operation, workshop.booking,
  workshop.bay_reservation, workshop.technician_booking, workshop.repair_order, inventory.part TO cch_technician;
GRANT SELECT, INSERT, UPDATE ON core.time_clock_entry TO cch_technician;
GRANT INSERT ON core.odometer_reading TO cch_technician;
SELECT pg_temp.grant_columns('SELECT', 'core.staff', 'cch_technician', ARRAY['pay_rate', 'cost_rate']);
SELECT pg_temp.grant_columns('SELECT', 'workshop.repair_job', 'cch_technician', ARRAY['sublet_cost']);
GRANT UPDATE (status, cause, correction, completed_at) ON workshop.repair_job TO cch_technician;
SELECT pg_temp.grant_columns('SELECT', 'workshop.labour_line', 'cch_technician', ARRAY['cost_rate', 'cost_amount']);
SELECT pg_temp.grant_columns('SELECT', 'workshop.part_line', 'cch_technician', ARRAY['unit_cost']);
SELECT pg_temp.grant_columns('SELECT', 'inventory.stock_level', 'cch_technician', ARRAY['average_cost']);

-- cch_receptionist: manages customers, vehicles, bookings and repair orders
-- at the front desk (no deletes; cancel instead). No costs, no finance.
GRANT SELECT, INSERT, UPDATE ON core.customer, core.vehicle, core.vehicle_ownership, workshop.booking,
  workshop.repair_order TO cch_receptionist;
GRANT SELECT, INSERT ON core.customer_consent, core.odometer_reading, core.customer_feedback, core.notification,
  workshop.bay_reservation, workshop.technician_booking TO cch_receptionist;
GRANT UPDATE (active) ON workshop.bay_reservation, workshop.technician_booking TO cch_receptionist;
GRANT SELECT, INSERT, UPDATE ON core.time_clock_entry TO cch_receptionist;
GRANT SELECT ON core.organisation, core.branch, core.staff_shift, workshop.service_bay, workshop.labour_operation,
  inventory.part TO cch_receptionist;
SELECT pg_temp.grant_columns('SELECT', 'core.staff', 'cch_receptionist', ARRAY['pay_rate', 'cost_rate']);
SELECT pg_temp.grant_columns('SELECT, INSERT, UPDATE', 'workshop.repair_job', 'cch_receptionist', ARRAY['sublet_cost']);
SELECT pg_temp.grant_columns('SELECT', 'workshop.labour_line', 'cch_receptionist', ARRAY['cost_rate', 'cost_amount']);
SELECT pg_temp.grant_columns('SELECT', 'workshop.part_line', 'cch_receptionist', ARRAY['unit_cost']);
SELECT pg_temp.grant_columns('SELECT', 'inventory.stock_level', 'cch_receptionist', ARRAY['average_cost']);

-- cch_dispatcher: rides, dispatch, fleet and chauffeur rota; bookers and
-- passengers. No chauffeur pay.
GRANT SELECT, INSERT, UPDATE ON chauffeur.ride_booking, chauffeur.dispatch_assignment, chauffeur.fleet_vehicle,
  core.customer, core.vehicle, core.staff_shift TO cch_dispatcher;
GRANT SELECT, INSERT, UPDATE, DELETE ON chauffeur.ride_stop TO cch_dispatcher;
GRANT SELECT, INSERT ON chauffeur.ride_status_event, core.customer_consent, core.notification TO cch_dispatcher;
GRANT SELECT ON core.organisation, core.branch, chauffeur.chauffeur TO cch_dispatcher;
GRANT SELECT, INSERT, UPDATE ON core.time_clock_entry TO cch_dispatcher;
SELECT pg_temp.grant_columns('SELECT', 'core.staff', 'cch_dispatcher', ARRAY['pay_rate', 'cost_rate']);
SELECT pg_temp.grant_columns('SELECT, INSERT, UPDATE', 'chauffeur.ride_charge', 'cch_dispatcher', ARRAY['chauffeur_payable_amount']);
GRANT DELETE ON chauffeur.ride_charge TO cch_dispatcher;

-- cch_chauffeur: their rides (RLS), progress updates, their clock.
GRANT SELECT ON chauffeur.ride_booking, chauffeur.ride_stop, chauffeur.dispatch_assignment, chauffeur.fleet_vehicle,
  chauffeur.chauffeur, core.customer, core.vehicle, core.organisation, core.branch, core.staff_shift TO cch_chauffeur;
GRANT UPDATE (status, on_location_at, passenger_on_board_at, completed_at) ON chauffeur.ride_booking TO cch_chauffeur;
GRANT UPDATE (arrived_at, departed_at) ON chauffeur.ride_stop TO cch_chauffeur;
GRANT UPDATE (status, responded_at) ON chauffeur.dispatch_assignment TO cch_chauffeur;
GRANT SELECT, INSERT ON chauffeur.ride_status_event TO cch_chauffeur;
GRANT SELECT, INSERT, UPDATE ON core.time_clock_entry TO cch_chauffeur;

-- cch_auditor: the audit tables only.
GRANT SELECT ON audit.staff_audit_log, audit.booking_history, audit.chain_head TO cch_auditor;

-- cch_replicator: CDC reads everything, writes nothing; also future tables
-- (new partitions) created by cch_owner.
GRANT SELECT ON ALL TABLES IN SCHEMA core, workshop, inventory, finance, chauffeur, audit TO cch_replicator;
ALTER DEFAULT PRIVILEGES FOR ROLE cch_owner IN SCHEMA core, workshop, inventory, finance, chauffeur, audit
  GRANT SELECT ON TABLES TO cch_replicator;

------------------------------------------------------------------------------
-- Publication for CDC: every business schema, partition changes published
-- as their root table. It stays owned by the migrating superuser: a
-- FOR TABLES IN SCHEMA publication must be owned by a superuser.
------------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'cch_pub') THEN
    CREATE PUBLICATION cch_pub FOR TABLES IN SCHEMA core, workshop, inventory, finance, chauffeur, audit
      WITH (publish_via_partition_root = true);
  END IF;
END
$$;

CALL core.claim_ownership();
