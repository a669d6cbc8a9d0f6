-- Functions and triggers (hand-written): request context, updated_at and
-- optimistic version bump, APPEND enforcement, booking side effects and
-- history, invoice immutability and numbering, the hash-chained staff audit
-- log and its verification, monthly partition maintenance, token lookup.
-- Everything is CREATE OR REPLACE / CREATE OR REPLACE TRIGGER: re-runnable.

------------------------------------------------------------------------------
-- Request context: transaction-local settings written by the API
-- (set_config(..., true)); NULL when unset.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION core.current_organisation_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.organisation_id', true), '')::bigint $$;

CREATE OR REPLACE FUNCTION core.current_staff_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.staff_id', true), '')::bigint $$;

CREATE OR REPLACE FUNCTION core.current_branch_ids() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(string_to_array(nullif(current_setting('app.branch_ids', true), ''), ',')::bigint[], '{}') $$;

-- The database role the caller acts as: the SET [LOCAL] ROLE role, even
-- inside SECURITY DEFINER functions (where current_user is the owner).
CREATE OR REPLACE FUNCTION core.current_db_role() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::text ELSE current_setting('role') END $$;

------------------------------------------------------------------------------
-- updated_at on every UPDATE; version + 1 on OPT tables. The API writes
-- "UPDATE ... WHERE id = $1 AND version = $expected RETURNING version": zero
-- rows means stale (412). Whatever version the client sends is ignored.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION core.touch_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  IF TG_ARGV[0] = 'versioned' THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;

------------------------------------------------------------------------------
-- APPEND tables: UPDATE, DELETE and TRUNCATE are rejected even for the owner.
-- The only exception is core.ensure_partitions moving rows out of a DEFAULT
-- partition into a new month (same rows, same hashes), running as cch_owner.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION core.reject_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('cch.partition_maintenance', true) = 'on' AND current_user = 'cch_owner' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

------------------------------------------------------------------------------
-- Bookings: cancelling releases the bay and technician; every status or
-- period change is written to audit.booking_history.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION workshop.release_booking_resources() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workshop.bay_reservation SET active = false WHERE booking_id = NEW.id AND active;
  UPDATE workshop.technician_booking SET active = false WHERE booking_id = NEW.id AND active;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION audit.capture_booking_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO audit.booking_history (organisation_id, branch_id, booking_id, from_status, to_status, period,
                                     actor_staff_id, actor_role, request_id)
  VALUES (NEW.organisation_id, NEW.branch_id, NEW.id,
          CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status, NEW.period,
          core.current_staff_id(),
          coalesce(nullif(current_setting('app.role', true), ''), core.current_db_role()),
          nullif(current_setting('app.request_id', true), ''));
  RETURN NULL;
END
$$;

------------------------------------------------------------------------------
-- Invoices: immutable once issued (only issued -> void), never deleted
-- unless draft; lines frozen with their invoice.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION finance.guard_invoice() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mutable constant text[] := ARRAY['status', 'voided_at', 'void_reason', 'updated_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'invoice % is %: void it, never delete it', OLD.id, OLD.status USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'void' THEN
    RAISE EXCEPTION 'invoice % is void and immutable', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'issued' AND (NEW.status NOT IN ('issued', 'void')
      OR (to_jsonb(NEW) - mutable) IS DISTINCT FROM (to_jsonb(OLD) - mutable)) THEN
    RAISE EXCEPTION 'invoice % is issued: only voiding is allowed', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION finance.guard_invoice_line() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  st finance.invoice_status;
BEGIN
  SELECT status INTO st FROM finance.invoice WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
  IF st IS DISTINCT FROM 'draft' AND st IS NOT NULL THEN
    RAISE EXCEPTION 'lines of a % invoice are immutable', st USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- Issues a draft invoice: takes the next number of its branch's gapless
-- series (the counter row stays locked until commit, so concurrent issuers
-- queue and a rollback returns the number), totals the lines, returns the
-- number.
CREATE OR REPLACE FUNCTION finance.issue_invoice(p_invoice_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  inv finance.invoice;
  n bigint;
BEGIN
  SELECT * INTO inv FROM finance.invoice WHERE id = p_invoice_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invoice % not found', p_invoice_id USING ERRCODE = 'no_data_found';
  END IF;
  IF inv.status <> 'draft' THEN
    RAISE EXCEPTION 'invoice % is already %', p_invoice_id, inv.status USING ERRCODE = 'restrict_violation';
  END IF;
  INSERT INTO finance.invoice_counter (organisation_id, branch_id) VALUES (inv.organisation_id, inv.branch_id)
  ON CONFLICT (branch_id) DO NOTHING;
  UPDATE finance.invoice_counter SET next_number = next_number + 1, updated_at = now()
  WHERE branch_id = inv.branch_id RETURNING next_number - 1 INTO n;
  UPDATE finance.invoice i SET status = 'issued', invoice_number = n, issued_at = now(),
         net_total = t.net, tax_total = t.tax, gross_total = t.net + t.tax
  FROM (SELECT coalesce(sum(net_amount), 0) AS net, coalesce(sum(tax_amount), 0) AS tax
        FROM finance.invoice_line WHERE invoice_id = p_invoice_id) t
  WHERE i.id = p_invoice_id;
  RETURN n;
END
$$;

------------------------------------------------------------------------------
-- Staff audit log: one hash chain per organisation, in id order.
-- hash = sha256(coalesce(prev_hash, '') || audit.entry_payload(entry)).
-- Appends take pg_advisory_xact_lock(3268, organisation_id) and the
-- chain_head row lock, so concurrent writers never fork a chain; ids are
-- drawn while the lock is held, so id order is chain order.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION audit.entry_payload(e audit.staff_audit_log) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT convert_to(jsonb_build_array(e.id, e.organisation_id, extract(epoch FROM e.occurred_at)::text,
           e.actor_staff_id, e.actor_role, e.db_role, e.request_id, e.action, e.table_name,
           e.row_key, e.old_values, e.new_values, e.transaction_id)::text, 'UTF8')
$$;

CREATE OR REPLACE FUNCTION audit.append_entry(p_organisation_id bigint, p_action text, p_table text,
                                              p_row_key jsonb, p_old jsonb, p_new jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  e audit.staff_audit_log;
BEGIN
  IF p_organisation_id IS NULL THEN
    RAISE EXCEPTION 'audit entry without organisation' USING ERRCODE = 'not_null_violation';
  END IF;
  PERFORM pg_advisory_xact_lock(3268, p_organisation_id::integer);
  INSERT INTO audit.chain_head AS h (organisation_id, last_entry_id, last_hash)
  VALUES (p_organisation_id, 0, ''::bytea) ON CONFLICT (organisation_id) DO NOTHING;
  SELECT CASE WHEN h.last_entry_id = 0 THEN NULL ELSE h.last_hash END INTO e.prev_hash
  FROM audit.chain_head h WHERE h.organisation_id = p_organisation_id FOR UPDATE;
  e.id := nextval(pg_get_serial_sequence('audit.staff_audit_log', 'id'));
  e.organisation_id := p_organisation_id;
  e.occurred_at := statement_timestamp();
  e.actor_staff_id := core.current_staff_id();
  e.db_role := core.current_db_role();
  e.actor_role := coalesce(nullif(current_setting('app.role', true), ''), e.db_role);
  e.request_id := nullif(current_setting('app.request_id', true), '');
  e.action := p_action;
  e.table_name := p_table;
  e.row_key := p_row_key;
  e.old_values := p_old;
  e.new_values := p_new;
  e.transaction_id := txid_current();
  e.created_at := now();
  e.hash := sha256(coalesce(e.prev_hash, ''::bytea) || audit.entry_payload(e));
  INSERT INTO audit.staff_audit_log OVERRIDING SYSTEM VALUE SELECT (e).*;
  UPDATE audit.chain_head SET last_entry_id = e.id, last_hash = e.hash, updated_at = now()
  WHERE organisation_id = p_organisation_id;
  RETURN e.id;
END
$$;

-- Admin actions (login, token revoked, export, erasure, ...) logged by the
-- API in the request's organisation.
CREATE OR REPLACE FUNCTION audit.log_action(p_action text, p_table text DEFAULT NULL, p_row_key jsonb DEFAULT NULL,
                                            p_details jsonb DEFAULT NULL) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT audit.append_entry(core.current_organisation_id(), p_action, p_table, p_row_key, NULL, p_details)
$$;

-- Row trigger for sensitive tables. TG_ARGV lists PII columns: their values
-- never reach the log ("[redacted]" when set or changed). UPDATE entries keep
-- only changed columns; an UPDATE that changes nothing but updated_at is not
-- logged.
CREATE OR REPLACE FUNCTION audit.capture_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  r jsonb := coalesce(n, o);
  od jsonb := '{}';
  nd jsonb := '{}';
  k text;
BEGIN
  FOR k IN SELECT jsonb_object_keys(r) LOOP
    CONTINUE WHEN k IN ('created_at', 'updated_at');
    CONTINUE WHEN TG_OP = 'UPDATE' AND (o -> k) IS NOT DISTINCT FROM (n -> k);
    IF k = ANY (TG_ARGV) THEN
      IF o IS NOT NULL AND jsonb_typeof(o -> k) <> 'null' THEN od := od || jsonb_build_object(k, '[redacted]'); END IF;
      IF n IS NOT NULL AND jsonb_typeof(n -> k) <> 'null' THEN nd := nd || jsonb_build_object(k, '[redacted]'); END IF;
    ELSE
      IF o IS NOT NULL THEN od := od || jsonb_build_object(k, o -> k); END IF;
      IF n IS NOT NULL THEN nd := nd || jsonb_build_object(k, n -> k); END IF;
    END IF;
  END LOOP;
  IF TG_OP = 'UPDATE' AND od = '{}' AND nd = '{}' THEN
    RETURN NULL;
  END IF;
  PERFORM audit.append_entry((r ->> 'organisation_id')::bigint, TG_OP, TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
                             jsonb_build_object('id', r -> 'id'),
                             CASE WHEN o IS NOT NULL THEN od END, CASE WHEN n IS NOT NULL THEN nd END);
  RETURN NULL;
END
$$;

-- The first broken link of the audit chain(s) visible to the caller (RLS
-- applies: an auditor checks their organisation; a superuser every one), or
-- no row when intact. Detects modified entries (hash), deleted or reordered
-- entries (prev_hash), and deleted latest entries (chain_head).
CREATE OR REPLACE FUNCTION audit.verify_chain(p_organisation_id bigint DEFAULT NULL)
RETURNS TABLE (organisation_id bigint, entry_id bigint, occurred_at timestamptz, problem text)
LANGUAGE sql STABLE AS $$
  WITH e AS (
    SELECT l AS entry, lag(l.hash) OVER w AS expected_prev, row_number() OVER w AS pos
    FROM audit.staff_audit_log l
    WHERE p_organisation_id IS NULL OR l.organisation_id = p_organisation_id
    WINDOW w AS (PARTITION BY l.organisation_id ORDER BY l.id)
  ), links AS (
    SELECT (e.entry).organisation_id, (e.entry).id, (e.entry).occurred_at,
           CASE
             WHEN (e.entry).prev_hash IS DISTINCT FROM e.expected_prev
               THEN 'prev_hash does not match the previous entry: an entry before it was deleted or altered'
             WHEN (e.entry).hash IS DISTINCT FROM sha256(coalesce((e.entry).prev_hash, ''::bytea) || audit.entry_payload(e.entry))
               THEN 'hash does not match the entry: the entry was modified'
           END AS problem
    FROM e
  ), tails AS (
    SELECT h.organisation_id, h.last_entry_id AS id, NULL::timestamptz AS occurred_at,
           'chain head points to entry ' || h.last_entry_id || ' but the last entry is ' || coalesce(t.id::text, 'missing')
             || ': latest entries were deleted' AS problem
    FROM audit.chain_head h
    LEFT JOIN LATERAL (SELECT l.id, l.hash FROM audit.staff_audit_log l
                       WHERE l.organisation_id = h.organisation_id ORDER BY l.id DESC LIMIT 1) t ON true
    WHERE (p_organisation_id IS NULL OR h.organisation_id = p_organisation_id)
      AND h.last_entry_id <> 0
      AND (t.id IS DISTINCT FROM h.last_entry_id OR t.hash IS DISTINCT FROM h.last_hash)
  )
  SELECT * FROM (
    SELECT * FROM links WHERE problem IS NOT NULL
    UNION ALL
    SELECT * FROM tails
  ) b
  ORDER BY b.organisation_id, b.id
  LIMIT 1
$$;

------------------------------------------------------------------------------
-- Monthly partitions (PART-M). Months are calendar months in UTC. Every
-- partitioned table in the business schemas has a DEFAULT partition, so a
-- row for a month without a partition is never refused: it lands in
-- <table>_default. ensure_partitions(months_ahead, months_back) creates
-- <table>_YYYYMM for the current month, months_ahead months after it and
-- months_back before it; when the DEFAULT partition already holds rows of
-- such a month they are moved into the new partition (same rows, same audit
-- hashes). Run it at least monthly (cch dev and the deploy cron do); rows in
-- a DEFAULT partition mean maintenance fell behind. Returns the partitions
-- it created.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION core.ensure_partitions(months_ahead integer, months_back integer DEFAULT 0)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  p record;
  i integer;
  m timestamp;
  lo timestamptz;
  hi timestamptz;
  child text;
  dflt text;
  has_rows boolean;
BEGIN
  IF months_ahead NOT BETWEEN 0 AND 120 OR months_back NOT BETWEEN 0 AND 240 THEN
    RAISE EXCEPTION 'ensure_partitions: months_ahead must be 0..120 and months_back 0..240' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR p IN
    SELECT c.oid::regclass AS parent, n.nspname AS nsp, c.relname AS rel, a.attname AS key
    FROM pg_partitioned_table pt
    JOIN pg_class c ON c.oid = pt.partrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND pt.partstrat = 'r' AND NOT c.relispartition
    ORDER BY 1
  LOOP
    dflt := p.rel || '_default';
    IF to_regclass(format('%I.%I', p.nsp, dflt)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s DEFAULT', p.nsp, dflt, p.parent);
      RETURN NEXT format('%I.%I', p.nsp, dflt);
    END IF;
    FOR i IN -months_back..months_ahead LOOP
      m := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i);
      lo := m AT TIME ZONE 'UTC';
      hi := (m + interval '1 month') AT TIME ZONE 'UTC';
      child := p.rel || '_' || to_char(m, 'YYYYMM');
      CONTINUE WHEN to_regclass(format('%I.%I', p.nsp, child)) IS NOT NULL;
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE %I >= $1 AND %I < $2)', p.nsp, dflt, p.key, p.key)
        INTO has_rows USING lo, hi;
      IF NOT has_rows THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', p.nsp, child, p.parent, lo, hi);
      ELSE
        EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', p.nsp, child, p.parent);
        PERFORM set_config('cch.partition_maintenance', 'on', true);
        EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I.%I SELECT * FROM moved',
                       p.nsp, dflt, p.key, p.key, p.nsp, child) USING lo, hi;
        PERFORM set_config('cch.partition_maintenance', 'off', true);
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)', p.parent, p.nsp, child, lo, hi);
      END IF;
      RETURN NEXT format('%I.%I', p.nsp, child);
    END LOOP;
  END LOOP;
END
$$;

------------------------------------------------------------------------------
-- Bearer token lookup for the API login (cch_app) before it knows the
-- tenant: the token row by id, its staff's role and branch scope (all of the
-- organisation's branches when the role is held organisation-wide). The API
-- compares token_hash in constant time and checks expiry and revocation.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION core.authenticate_token(p_token_id bigint)
RETURNS TABLE (staff_id bigint, organisation_id bigint, role core.business_role, token_hash bytea,
               expires_at timestamptz, revoked_at timestamptz, branch_ids bigint[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT t.staff_id, t.organisation_id, t.role, t.token_hash, t.expires_at, t.revoked_at,
         CASE WHEN bool_or(sr.branch_id IS NULL) THEN
                (SELECT coalesce(array_agg(b.id ORDER BY b.id), '{}') FROM core.branch b WHERE b.organisation_id = t.organisation_id)
              ELSE coalesce(array_agg(sr.branch_id ORDER BY sr.branch_id) FILTER (WHERE sr.branch_id IS NOT NULL), '{}')
         END
  FROM core.api_token t
  JOIN core.staff s ON s.id = t.staff_id AND s.active
  LEFT JOIN core.staff_role sr ON sr.staff_id = t.staff_id AND sr.role = t.role
  WHERE t.id = p_token_id
  GROUP BY t.id
$$;

------------------------------------------------------------------------------
-- Triggers.
------------------------------------------------------------------------------
DO $$
DECLARE
  t record;
BEGIN
  -- updated_at everywhere it exists; version bump on OPT tables.
  FOR t IN
    SELECT c.oid::regclass AS rel,
           EXISTS (SELECT 1 FROM pg_attribute v WHERE v.attrelid = c.oid AND v.attname = 'version' AND NOT v.attisdropped) AS versioned
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit')
      AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'updated_at' AND NOT a.attisdropped)
  LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER touch_row BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION core.touch_row(%L)',
                   t.rel, CASE WHEN t.versioned THEN 'versioned' ELSE 'plain' END);
  END LOOP;
  -- APPEND tables.
  FOR t IN SELECT unnest(ARRAY['core.customer_consent', 'inventory.inventory_transaction', 'chauffeur.ride_status_event',
                               'audit.staff_audit_log', 'audit.booking_history'])::regclass AS rel
  LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION core.reject_append_only_change()', t.rel);
    EXECUTE format('CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION core.reject_append_only_change()', t.rel);
  END LOOP;
END
$$;

CREATE OR REPLACE TRIGGER booking_history AFTER INSERT OR UPDATE OF status, period ON workshop.booking
  FOR EACH ROW EXECUTE FUNCTION audit.capture_booking_history();
CREATE OR REPLACE TRIGGER release_resources AFTER UPDATE OF status ON workshop.booking
  FOR EACH ROW WHEN (NEW.status IN ('cancelled', 'late_cancelled', 'no_show') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION workshop.release_booking_resources();
CREATE OR REPLACE TRIGGER guard_invoice BEFORE UPDATE OR DELETE ON finance.invoice
  FOR EACH ROW EXECUTE FUNCTION finance.guard_invoice();
CREATE OR REPLACE TRIGGER guard_invoice_line BEFORE INSERT OR UPDATE OR DELETE ON finance.invoice_line
  FOR EACH ROW EXECUTE FUNCTION finance.guard_invoice_line();

-- Audit capture on sensitive tables; arguments are the PII columns kept out
-- of the log.
DO $$
DECLARE
  a record;
BEGIN
  FOR a IN SELECT * FROM (VALUES
      ('core.branch', ARRAY['phone', 'address']),
      ('core.staff', ARRAY['given_name', 'family_name', 'email', 'phone']),
      ('core.staff_role', ARRAY[]::text[]),
      ('core.api_token', ARRAY['token_hash']),
      ('core.customer', ARRAY['given_name', 'family_name', 'company_name', 'email', 'phone', 'address', 'postcode']),
      ('workshop.repair_order', ARRAY[]::text[]),
      ('workshop.repair_job', ARRAY[]::text[]),
      ('workshop.labour_line', ARRAY[]::text[]),
      ('workshop.part_line', ARRAY[]::text[]),
      ('inventory.stock_level', ARRAY[]::text[]),
      ('inventory.purchase_order', ARRAY[]::text[]),
      ('finance.invoice', ARRAY[]::text[]),
      ('finance.invoice_line', ARRAY[]::text[]),
      ('finance.payment', ARRAY['reference']),
      ('finance.payment_allocation', ARRAY[]::text[]),
      ('finance.operating_expense', ARRAY[]::text[]),
      ('chauffeur.chauffeur', ARRAY['licence_number', 'permit_number']),
      ('chauffeur.chauffeur_pay_rule', ARRAY[]::text[]),
      ('chauffeur.settlement', ARRAY['payment_reference']),
      ('chauffeur.settlement_line', ARRAY[]::text[])
    ) v(rel, pii)
  LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION audit.capture_change(%s)',
                   a.rel, (SELECT coalesce(string_agg(quote_literal(c), ', '), '') FROM unnest(a.pii) c));
  END LOOP;
END
$$;

SELECT count(*) FROM core.ensure_partitions(3);

CALL core.claim_ownership();
