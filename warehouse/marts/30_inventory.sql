-- Inventory marts: daily usage (issues net of returns; issues are stored
-- negative) per branch and part.

CREATE OR REPLACE VIEW mart_view.part_usage AS
WITH base AS (
  SELECT t.organisation_id, t.branch_id, t.part_id, t.occurred_at, t.quantity, b.timezone AS tz
  FROM inventory.inventory_transaction t JOIN core.branch b ON b.id = t.branch_id
  WHERE t.kind IN ('issue', 'return')
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(occurred_at) AS k FROM base)
)
SELECT t.organisation_id, t.branch_id, t.part_id,
       mart.local_day_at(t.occurred_at, t.tz, o.o0, o.o1) AS day,
       CAST(-sum(t.quantity) AS DOUBLE) AS quantity_used
FROM base t LEFT JOIN off o ON o.tz = t.tz AND o.k = mart.utc_day_key(t.occurred_at)
GROUP BY 1, 2, 3, 4;

-- Lead time per part: the preferred supplier's, else the shortest.
CREATE OR REPLACE VIEW mart_view.part_lead_time AS
SELECT part_id, arg_max(lead_time_days, CASE WHEN preferred THEN 1 ELSE 0 END * 100000 - lead_time_days) AS lead_time_days
FROM inventory.supplier_part GROUP BY 1;
