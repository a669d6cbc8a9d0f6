-- Issuing stock from the workshop floor (hand-written).
--
-- The service advisor (receptionist) and technicians issue parts onto
-- repair jobs. They may not read costs, so the ledger's unit cost is filled
-- by a SECURITY DEFINER trigger from the branch's average cost, like the
-- part-line costs in 20261122040100_workshop_costs.sql.

CREATE OR REPLACE FUNCTION inventory.fill_transaction_cost() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.unit_cost IS NULL AND NEW.kind IN ('issue', 'return', 'transfer', 'adjustment') THEN
    SELECT sl.average_cost INTO NEW.unit_cost FROM inventory.stock_level sl
    WHERE sl.branch_id = NEW.branch_id AND sl.part_id = NEW.part_id;
  END IF;
  RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER fill_cost BEFORE INSERT ON inventory.inventory_transaction
  FOR EACH ROW EXECUTE FUNCTION inventory.fill_transaction_cost();
ALTER FUNCTION inventory.fill_transaction_cost() OWNER TO cch_owner;
REVOKE ALL ON FUNCTION inventory.fill_transaction_cost() FROM PUBLIC;

GRANT UPDATE (on_hand) ON inventory.stock_level TO cch_receptionist, cch_technician;
GRANT INSERT (organisation_id, branch_id, occurred_at, part_id, kind, quantity, part_line_id, purchase_order_line_id,
  transfer_branch_id, reference, staff_id) ON inventory.inventory_transaction TO cch_receptionist, cch_technician;
GRANT SELECT (id, organisation_id, branch_id, occurred_at, part_id, kind, quantity, part_line_id, reference, staff_id)
  ON inventory.inventory_transaction TO cch_receptionist, cch_technician;
GRANT SELECT ON core.staff_role TO cch_finance;
GRANT INSERT ON core.notification TO cch_technician;

-- Invoicing marks the repair order invoiced.
GRANT UPDATE (status, invoiced_at) ON workshop.repair_order TO cch_finance;
