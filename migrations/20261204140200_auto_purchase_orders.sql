-- Automatic purchase orders (hand-written): when a part's free stock
-- (on hand − reserved) at a branch falls to or below a positive reorder
-- point from above it (a crossing: an issue, a reservation, or a raised
-- reorder point), a draft purchase order marked auto_generated is created
-- for the part's preferred active supplier, with one line of the greatest
-- of the reorder quantity, what reaches the reorder point and the
-- supplier's minimum order, at the supplier's unit cost. Once per
-- crossing: while the stock stays at or below the point nothing more is
-- ordered; rising above it re-arms. No preferred supplier, no order.
-- Re-runnable.
CREATE OR REPLACE FUNCTION inventory.order_on_reorder_point() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  sp record;
  po bigint;
BEGIN
  SELECT p.supplier_id, p.unit_cost, p.minimum_order_qty INTO sp
  FROM inventory.supplier_part p JOIN inventory.supplier s ON s.id = p.supplier_id AND s.active
  WHERE p.part_id = NEW.part_id AND p.organisation_id = NEW.organisation_id AND p.preferred
  ORDER BY p.unit_cost, p.lead_time_days, p.id LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  INSERT INTO inventory.purchase_order (organisation_id, branch_id, supplier_id, status, auto_generated, created_by_staff_id)
  VALUES (NEW.organisation_id, NEW.branch_id, sp.supplier_id, 'draft', true, core.current_staff_id())
  RETURNING id INTO po;
  INSERT INTO inventory.purchase_order_line (organisation_id, purchase_order_id, part_id, quantity_ordered, unit_cost)
  VALUES (NEW.organisation_id, po, NEW.part_id,
          greatest(NEW.reorder_qty, NEW.reorder_point - (NEW.on_hand - NEW.reserved), coalesce(sp.minimum_order_qty, 0), 0.001),
          sp.unit_cost);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION inventory.order_on_reorder_point() IS
  'drafts an auto_generated purchase order for the preferred supplier when free stock crosses the reorder point';
REVOKE ALL ON FUNCTION inventory.order_on_reorder_point() FROM PUBLIC;

CREATE OR REPLACE TRIGGER order_on_reorder_point AFTER UPDATE OF on_hand, reserved, reorder_point ON inventory.stock_level
  FOR EACH ROW
  WHEN (NEW.reorder_point > 0 AND NEW.on_hand - NEW.reserved <= NEW.reorder_point
        AND NOT (OLD.reorder_point > 0 AND OLD.on_hand - OLD.reserved <= OLD.reorder_point))
  EXECUTE FUNCTION inventory.order_on_reorder_point();
CALL core.claim_ownership();
