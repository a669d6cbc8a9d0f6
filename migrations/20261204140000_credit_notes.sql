-- Credit notes (hand-written): a paid invoice is refunded, partly or in
-- full, by a credit note with a reason. Issued invoices stay immutable; a
-- credit note is itself immutable (insert-only) and audited. Revenue,
-- margin and customer analytics net credit notes on the day they are
-- issued. Re-runnable.
CREATE TABLE IF NOT EXISTS finance.credit_note (
  id bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
  organisation_id bigint NOT NULL,
  branch_id bigint NOT NULL,
  invoice_id bigint NOT NULL,
  net_amount numeric(12,2) NOT NULL,
  tax_amount numeric(12,2) NOT NULL DEFAULT 0,
  gross_amount numeric(12,2) NOT NULL,
  reason text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id),
  CONSTRAINT credit_note_organisation_id_id_key UNIQUE (organisation_id, id),
  CONSTRAINT credit_note_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES core.organisation (id) ON UPDATE NO ACTION ON DELETE RESTRICT,
  CONSTRAINT credit_note_branch_id_fkey FOREIGN KEY (organisation_id, branch_id) REFERENCES core.branch (organisation_id, id) ON UPDATE NO ACTION ON DELETE RESTRICT,
  CONSTRAINT credit_note_invoice_id_fkey FOREIGN KEY (organisation_id, invoice_id) REFERENCES finance.invoice (organisation_id, id) ON UPDATE NO ACTION ON DELETE RESTRICT,
  CONSTRAINT credit_note_amounts CHECK (net_amount > 0 AND tax_amount >= 0 AND gross_amount = net_amount + tax_amount),
  CONSTRAINT credit_note_reason_length CHECK (length(reason) BETWEEN 3 AND 500)
);
COMMENT ON TABLE finance.credit_note IS 'Refund of a paid invoice, partial or full, with a reason (APPEND; audited). Analytics net it on its issue day.';
CREATE INDEX IF NOT EXISTS credit_note_invoice_idx ON finance.credit_note (invoice_id);
COMMENT ON INDEX finance.credit_note_invoice_idx IS 'invoice balance and refund limit: credit notes of an invoice';

-- Insert-only, like the ledgers.
CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON finance.credit_note
  FOR EACH ROW EXECUTE FUNCTION core.reject_append_only_change();
CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE ON finance.credit_note
  FOR EACH STATEMENT EXECUTE FUNCTION core.reject_append_only_change();
CREATE OR REPLACE TRIGGER touch_row BEFORE UPDATE ON finance.credit_note FOR EACH ROW EXECUTE FUNCTION core.touch_row('plain');
CREATE OR REPLACE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON finance.credit_note
  FOR EACH ROW EXECUTE FUNCTION audit.capture_change();

-- Row-level security as on every business table: tenant isolation
-- (restrictive), organisation rows, branch scope for the business roles.
ALTER TABLE finance.credit_note ENABLE ROW LEVEL SECURITY;
ALTER TABLE finance.credit_note FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON finance.credit_note;
CREATE POLICY tenant_isolation ON finance.credit_note AS RESTRICTIVE FOR ALL TO PUBLIC
  USING (organisation_id = core.current_organisation_id()) WITH CHECK (organisation_id = core.current_organisation_id());
DROP POLICY IF EXISTS organisation_rows ON finance.credit_note;
CREATE POLICY organisation_rows ON finance.credit_note AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS branch_scope_read ON finance.credit_note;
CREATE POLICY branch_scope_read ON finance.credit_note AS RESTRICTIVE FOR SELECT
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor
  USING (core.in_branch_scope(branch_id));
DROP POLICY IF EXISTS branch_scope_insert ON finance.credit_note;
CREATE POLICY branch_scope_insert ON finance.credit_note AS RESTRICTIVE FOR INSERT
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor
  WITH CHECK (core.in_branch_scope(branch_id));
DROP POLICY IF EXISTS branch_scope_update ON finance.credit_note;
CREATE POLICY branch_scope_update ON finance.credit_note AS RESTRICTIVE FOR UPDATE
  TO cch_technician, cch_receptionist, cch_finance, cch_manager, cch_dispatcher, cch_chauffeur, cch_auditor
  USING (true) WITH CHECK (core.in_branch_scope(branch_id));

-- Finance owns refunds; managers see and issue them; CDC reads them
-- (default privileges) and the publication carries them.
GRANT SELECT, INSERT ON finance.credit_note TO cch_finance, cch_manager;
CALL core.publish_tables();
CALL core.claim_ownership();
