-- Per settlement: Σ settlement lines beside Σ payable charges of the rides
-- the chauffeur completed in the settlement period; differences listed.
WITH s AS (
  SELECT s.id AS settlement_id, s.branch_id, s.chauffeur_id, s.status,
         mart.range_lo(s.period) AS period_start, mart.range_hi(s.period) AS period_end
  FROM chauffeur.settlement s
  WHERE s.organisation_id = $org AND mart.in_scope(s.branch_id, $branches)
),
lines AS (SELECT settlement_id, CAST(sum(amount) AS DOUBLE) AS settled FROM chauffeur.settlement_line GROUP BY 1),
payable AS (
  SELECT s.settlement_id, sum(r.chauffeur_payable) AS payable, count(*) AS rides
  FROM s JOIN mart.rides r ON r.chauffeur_id = s.chauffeur_id AND r.performed
   AND r.completed_at >= s.period_start AND r.completed_at < s.period_end
  GROUP BY 1
)
SELECT s.*, coalesce(p.rides, 0) AS rides, coalesce(l.settled, 0) AS settled_amount,
       coalesce(p.payable, 0) AS payable_amount,
       round(coalesce(l.settled, 0) - coalesce(p.payable, 0), 2) AS difference,
       round(coalesce(l.settled, 0) - coalesce(p.payable, 0), 2) <> 0 AS mismatch
FROM s LEFT JOIN lines l ON l.settlement_id = s.settlement_id LEFT JOIN payable p ON p.settlement_id = s.settlement_id
WHERE s.period_start < $to AND s.period_end > $from
ORDER BY mismatch DESC, s.period_start, s.chauffeur_id
