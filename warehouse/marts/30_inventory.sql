-- Inventory marts: daily usage (issues net of returns; issues are stored
-- negative) per branch and part.

CREATE OR REPLACE VIEW mart.part_usage AS
SELECT t.organisation_id, t.branch_id, t.part_id,
       mart.local_day(t.occurred_at, b.timezone) AS day,
       CAST(-sum(t.quantity) AS DOUBLE) AS quantity_used
FROM inventory.inventory_transaction t JOIN core.branch b ON b.id = t.branch_id
WHERE t.kind IN ('issue', 'return')
GROUP BY ALL;

-- Lead time per part: the preferred supplier's, else the shortest.
CREATE OR REPLACE VIEW mart.part_lead_time AS
SELECT part_id, arg_max(lead_time_days, CASE WHEN preferred THEN 1 ELSE 0 END * 100000 - lead_time_days) AS lead_time_days
FROM inventory.supplier_part GROUP BY 1;
