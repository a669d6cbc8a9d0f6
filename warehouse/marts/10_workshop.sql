-- Workshop marts: one row per repair order, technician × day, job, branch × day.

-- Invoiced repair orders (issued invoices; void ones excluded) with their
-- revenue net of tax split by line kind, and costs from the invoice lines:
-- total cost is every line's cost (a disposal fee's too). Revenue is net of
-- the credit notes of the repair order's invoices (a refund lowers the
-- sale it refunds; lines stay as invoiced); gross profit is revenue minus
-- total cost.
CREATE OR REPLACE VIEW mart_view.repair_order_financials AS
WITH lines AS (
  SELECT i.repair_order_id,
         min(i.issued_at) AS invoiced_at,
         sum(l.net_amount) AS revenue,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'labour'), 0) AS labour_sales,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'labour'), 0) AS labour_cost,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'part'), 0) AS parts_sales,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'part'), 0) AS parts_cost,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'sublet'), 0) AS sublet_sales,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'sublet'), 0) AS sublet_cost,
         coalesce(sum(l.cost_amount), 0) AS total_cost
  FROM finance.invoice i
  JOIN finance.invoice_line l ON l.invoice_id = i.id
  WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL
  GROUP BY i.repair_order_id
),
credits AS (
  SELECT i.repair_order_id, sum(c.net_amount) AS credited
  FROM finance.credit_note c JOIN finance.invoice i ON i.id = c.invoice_id
  WHERE i.status = 'issued' AND i.repair_order_id IS NOT NULL
  GROUP BY 1
),
base AS (
  SELECT ro.organisation_id, ro.branch_id, ro.customer_id, ro.vehicle_id, b.timezone AS tz,
         l.* REPLACE (l.revenue - coalesce(c.credited, 0) AS revenue), coalesce(c.credited, 0) AS credited
  FROM lines l
  LEFT JOIN credits c ON c.repair_order_id = l.repair_order_id
  JOIN workshop.repair_order ro ON ro.id = l.repair_order_id
  JOIN core.branch b ON b.id = ro.branch_id
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(invoiced_at) AS k FROM base)
)
SELECT l.organisation_id, l.branch_id, l.repair_order_id, l.customer_id, l.vehicle_id,
       l.invoiced_at, mart.local_day_at(l.invoiced_at, l.tz, o.o0, o.o1) AS day,
       CAST(l.revenue AS DOUBLE) AS revenue, CAST(l.credited AS DOUBLE) AS credited,
       CAST(l.labour_sales AS DOUBLE) AS labour_sales, CAST(l.labour_cost AS DOUBLE) AS labour_cost,
       CAST(l.parts_sales AS DOUBLE) AS parts_sales, CAST(l.parts_cost AS DOUBLE) AS parts_cost,
       CAST(l.sublet_sales AS DOUBLE) AS sublet_sales, CAST(l.sublet_cost AS DOUBLE) AS sublet_cost,
       CAST(l.total_cost - l.parts_cost - l.labour_cost - l.sublet_cost AS DOUBLE) AS other_cost,
       CAST(l.total_cost AS DOUBLE) AS total_cost,
       CAST(l.revenue - l.total_cost AS DOUBLE) AS gross_profit
FROM base l LEFT JOIN off o ON o.tz = l.tz AND o.k = mart.utc_day_key(l.invoiced_at);

-- Technician hours per business day: available (attendance minus breaks),
-- applied (job clock) and billed (sold hours of invoiced labour lines, on
-- the invoice's day) with the labour sales of those lines. Technicians are
-- staff holding the technician role.
CREATE OR REPLACE VIEW mart_view.technician_hours AS
WITH technicians AS (SELECT DISTINCT staff_id FROM core.staff_role WHERE role = 'technician'),
entries AS (
  SELECT e.organisation_id, e.branch_id, e.staff_id, e.kind, e.break_minutes, b.timezone AS tz,
         mart.range_lo(e.period) AS instant, mart.range_hi(e.period) AS finish
  FROM core.time_clock_entry e JOIN core.branch b ON b.id = e.branch_id
  WHERE e.staff_id IN (SELECT staff_id FROM technicians)
),
src AS (
  SELECT organisation_id, branch_id, staff_id AS technician_id, tz, instant,
         CASE WHEN kind = 'attendance' THEN mart.hours(instant, finish) - break_minutes / 60.0 ELSE 0 END AS available_hours,
         CASE WHEN kind = 'job' THEN mart.hours(instant, finish) ELSE 0 END AS applied_hours,
         0.0 AS billed_hours, 0.0 AS labour_sales
  FROM entries WHERE finish IS NOT NULL
  UNION ALL
  SELECT ll.organisation_id, ll.branch_id, ll.technician_id, b.timezone, i.issued_at,
         0.0, 0.0, CAST(ll.sold_hours AS DOUBLE), CAST(il.net_amount AS DOUBLE)
  FROM workshop.labour_line ll
  JOIN finance.invoice_line il ON il.labour_line_id = ll.id
  JOIN finance.invoice i ON i.id = il.invoice_id AND i.status = 'issued'
  JOIN core.branch b ON b.id = ll.branch_id
  WHERE ll.technician_id IS NOT NULL
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(instant) AS k FROM src)
)
SELECT s.organisation_id, s.branch_id, s.technician_id, mart.local_day_at(s.instant, s.tz, o.o0, o.o1) AS day,
       sum(s.available_hours) AS available_hours, sum(s.applied_hours) AS applied_hours,
       sum(s.billed_hours) AS billed_hours, sum(s.labour_sales) AS labour_sales
FROM src s LEFT JOIN off o ON o.tz = s.tz AND o.k = mart.utc_day_key(s.instant)
GROUP BY 1, 2, 3, 4;

-- Overhead per branch and month with the applied hours it is spread over.
CREATE OR REPLACE VIEW mart_view.overhead_rate AS
WITH applied AS (
  SELECT organisation_id, branch_id, date_trunc('month', day) AS month, sum(applied_hours) AS applied_hours
  FROM mart.technician_hours GROUP BY ALL
),
expense AS (
  SELECT organisation_id, branch_id, CAST(date_trunc('month', month) AS DATE) AS month,
         CAST(sum(amount) AS DOUBLE) AS overhead
  FROM finance.operating_expense GROUP BY ALL
)
SELECT e.organisation_id, e.branch_id, e.month, e.overhead, coalesce(a.applied_hours, 0) AS applied_hours,
       mart.ratio(e.overhead, a.applied_hours) AS overhead_per_applied_hour
FROM expense e LEFT JOIN applied a
  ON a.branch_id = e.branch_id AND a.month = e.month;

-- Invoiced repair jobs with sales, costs, applied hours and allocated
-- overhead (applied hours × the branch-month overhead rate).
CREATE OR REPLACE VIEW mart_view.job_profitability AS
WITH lines AS (
  SELECT l.repair_job_id, min(i.issued_at) AS invoiced_at,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'labour'), 0) AS labour_sales,
         coalesce(sum(l.net_amount) FILTER (WHERE l.kind = 'part'), 0) AS parts_sales,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'labour'), 0) AS technician_cost,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'part'), 0) AS parts_cost,
         coalesce(sum(l.cost_amount) FILTER (WHERE l.kind = 'sublet'), 0) AS sublet_cost
  FROM finance.invoice i JOIN finance.invoice_line l ON l.invoice_id = i.id
  WHERE i.status = 'issued' AND l.repair_job_id IS NOT NULL
  GROUP BY l.repair_job_id
),
applied AS (
  SELECT repair_job_id, sum(mart.hours(mart.range_lo(period), mart.range_hi(period))) AS applied_hours
  FROM core.time_clock_entry WHERE kind = 'job' AND repair_job_id IS NOT NULL GROUP BY 1
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT b.timezone AS tz, mart.utc_day_key(l.invoiced_at) AS k
        FROM lines l JOIN workshop.repair_job j ON j.id = l.repair_job_id JOIN core.branch b ON b.id = j.branch_id)
)
SELECT j.organisation_id, j.branch_id, j.id AS repair_job_id, j.repair_order_id, j.job_category,
       op.code AS labour_operation_code, op.name AS labour_operation_name,
       mart.local_day_at(l.invoiced_at, b.timezone, o.o0, o.o1) AS day,
       CAST(l.labour_sales AS DOUBLE) AS labour_sales, CAST(l.parts_sales AS DOUBLE) AS parts_sales,
       CAST(l.technician_cost AS DOUBLE) AS technician_cost, CAST(l.parts_cost AS DOUBLE) AS parts_cost,
       CAST(l.sublet_cost AS DOUBLE) AS sublet_cost,
       coalesce(a.applied_hours, 0) AS applied_hours,
       coalesce(a.applied_hours, 0) * coalesce(r.overhead_per_applied_hour, 0) AS overhead
FROM lines l
JOIN workshop.repair_job j ON j.id = l.repair_job_id
JOIN core.branch b ON b.id = j.branch_id
LEFT JOIN workshop.labour_operation op ON op.id = j.labour_operation_id
LEFT JOIN applied a ON a.repair_job_id = j.id
LEFT JOIN off o ON o.tz = b.timezone AND o.k = mart.utc_day_key(l.invoiced_at)
LEFT JOIN mart.overhead_rate r
  ON r.branch_id = j.branch_id AND r.month = date_trunc('month', mart.local_day_at(l.invoiced_at, b.timezone, o.o0, o.o1));

-- Closed repair orders (cancelled ones are not closed, whatever their
-- closed_at), each marked when it is a comeback: an earlier closed repair
-- order of the same vehicle on which a job of the same category was done
-- (not declined or merely recommended), closed within the 30 days before
-- this one was opened.
CREATE OR REPLACE VIEW mart_view.repair_order_closures AS
WITH cats AS (
  SELECT DISTINCT ro.id, ro.vehicle_id, ro.opened_at, ro.closed_at, j.job_category,
         j.status NOT IN ('recommended', 'declined') AS worked
  FROM workshop.repair_order ro JOIN workshop.repair_job j ON j.repair_order_id = ro.id
  WHERE ro.status <> 'cancelled'
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT b.timezone AS tz, mart.utc_day_key(ro.closed_at) AS k
        FROM workshop.repair_order ro JOIN core.branch b ON b.id = ro.branch_id
        WHERE ro.closed_at IS NOT NULL)
)
SELECT ro.organisation_id, ro.branch_id, ro.id AS repair_order_id, ro.vehicle_id,
       mart.local_day_at(ro.closed_at, b.timezone, o.o0, o.o1) AS day,
       EXISTS (
         SELECT 1 FROM cats c JOIN cats p
           ON p.vehicle_id = c.vehicle_id AND p.job_category = c.job_category AND p.id <> c.id
         WHERE c.id = ro.id AND p.worked AND p.closed_at <= c.opened_at AND c.opened_at < p.closed_at + INTERVAL 30 DAY
       ) AS is_comeback,
       ro.comeback_of_repair_order_id IS NOT NULL AS is_recorded_comeback
FROM workshop.repair_order ro JOIN core.branch b ON b.id = ro.branch_id
LEFT JOIN off o ON o.tz = b.timezone AND o.k = mart.utc_day_key(ro.closed_at)
WHERE ro.closed_at IS NOT NULL AND ro.status <> 'cancelled';

-- Car count: distinct vehicles with a repair order opened per business day.
CREATE OR REPLACE VIEW mart_view.car_count AS
WITH base AS (
  SELECT ro.organisation_id, ro.branch_id, ro.vehicle_id, ro.opened_at, b.timezone AS tz
  FROM workshop.repair_order ro JOIN core.branch b ON b.id = ro.branch_id
  WHERE ro.status <> 'cancelled'
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(opened_at) AS k FROM base)
)
SELECT r.organisation_id, r.branch_id, mart.local_day_at(r.opened_at, r.tz, o.o0, o.o1) AS day,
       count(DISTINCT r.vehicle_id) AS car_count
FROM base r LEFT JOIN off o ON o.tz = r.tz AND o.k = mart.utc_day_key(r.opened_at)
GROUP BY 1, 2, 3;

-- Branch calendar: every day from the organisation's first to its last booking
-- (another tenant's bookings never lengthen it), with the branch's opening
-- windows and hours and active bays.
CREATE OR REPLACE VIEW mart_view.branch_calendar AS
WITH span AS (
  SELECT organisation_id, CAST(min(mart.range_lo(period)) AS DATE) AS lo, CAST(max(mart.range_lo(period)) AS DATE) AS hi
  FROM workshop.booking GROUP BY 1
),
days AS (
  SELECT organisation_id, CAST(unnest(generate_series(lo, hi, INTERVAL 1 DAY)) AS DATE) AS day FROM span
)
SELECT b.organisation_id, b.id AS branch_id, d.day,
       mart.opening_windows_on(b.opening_hours, d.day) AS windows,
       mart.opening_hours_on(b.opening_hours, d.day) AS opening_hours,
       (SELECT count(*) FROM workshop.service_bay s WHERE s.branch_id = b.id AND s.active) AS bays
FROM core.branch b JOIN days d ON d.organisation_id = b.organisation_id;

-- Bay hours per branch and day: occupied (active reservations, clipped to
-- the opening windows of the local day they start on) and available (bays
-- × opening hours). A reservation's local end is its local start plus its
-- length (clocks change at night, outside opening windows).
CREATE OR REPLACE VIEW mart_view.bay_hours AS
WITH reservations AS (
  SELECT r.branch_id, b.timezone AS tz, mart.range_lo(r.period) AS instant, mart.range_hi(r.period) AS finish
  FROM workshop.bay_reservation r JOIN core.branch b ON b.id = r.branch_id
  WHERE r.active
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(instant) AS k FROM reservations)
),
local AS (
  SELECT r.branch_id, r.instant, r.finish,
         CASE WHEN o.o0 = o.o1 THEN make_timestamp(epoch_us(r.instant) + o.o0)
              ELSE timezone(r.tz, r.instant) END AS local_start
  FROM reservations r LEFT JOIN off o ON o.tz = r.tz AND o.k = mart.utc_day_key(r.instant)
),
occupied AS (
  SELECT l.branch_id, c.day,
         sum(mart.open_overlap_hours(c.windows, c.day, l.local_start, l.local_start + (l.finish - l.instant))) AS occupied_bay_hours
  FROM local l JOIN mart.branch_calendar c ON c.branch_id = l.branch_id AND c.day = CAST(l.local_start AS DATE)
  GROUP BY 1, 2
)
SELECT c.organisation_id, c.branch_id, c.day,
       coalesce(o.occupied_bay_hours, 0) AS occupied_bay_hours, c.bays * c.opening_hours AS bay_hours_open
FROM mart.branch_calendar c LEFT JOIN occupied o ON o.branch_id = c.branch_id AND o.day = c.day;

-- Bookings by planned start: outcome counts per branch, day and hour.
-- (The local time is the instant shifted by its zone's offset that UTC day,
-- or timezone() on a day the offset changes, as in mart.local_day_at.)
CREATE OR REPLACE VIEW mart_view.booking_outcomes AS
WITH base AS (
  SELECT bk.organisation_id, bk.branch_id, bk.status, b.timezone AS tz,
         mart.range_lo(bk.period) AS instant, mart.range_hi(bk.period) AS finish
  FROM workshop.booking bk JOIN core.branch b ON b.id = bk.branch_id
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(instant) AS k FROM base)
),
local AS (
  SELECT s.*, CASE WHEN o.o0 = o.o1 THEN make_timestamp(epoch_us(s.instant) + o.o0)
                   ELSE timezone(s.tz, s.instant) END AS local_ts
  FROM base s LEFT JOIN off o ON o.tz = s.tz AND o.k = mart.utc_day_key(s.instant)
)
SELECT organisation_id, branch_id,
       CAST(local_ts AS DATE) AS day,
       hour(local_ts) AS hour_of_day,
       count(*) FILTER (WHERE status <> 'cancelled') AS booked,
       count(*) FILTER (WHERE status IN ('arrived', 'converted')) AS arrived,
       count(*) FILTER (WHERE status = 'no_show') AS no_show,
       count(*) FILTER (WHERE status = 'late_cancelled') AS late_cancelled,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       count(*) AS bookings,
       sum(mart.hours(instant, finish)) FILTER (WHERE status <> 'cancelled') AS booked_hours
FROM local
GROUP BY 1, 2, 3, 4;

-- Rostered hours per staff member and day (active shifts minus breaks),
-- split into productive and non-productive.
CREATE OR REPLACE VIEW mart_view.rostered_hours AS
WITH base AS (
  SELECT s.organisation_id, s.branch_id, s.staff_id, s.productive, s.break_minutes, b.timezone AS tz,
         mart.range_lo(s.period) AS instant, mart.range_hi(s.period) AS finish
  FROM core.staff_shift s JOIN core.branch b ON b.id = s.branch_id
  WHERE s.active
),
off AS (
  SELECT tz, k, mart.tz_offset_us(tz, k) AS o0, mart.tz_offset_us(tz, k + 1) AS o1
  FROM (SELECT DISTINCT tz, mart.utc_day_key(instant) AS k FROM base)
)
SELECT s.organisation_id, s.branch_id, s.staff_id,
       mart.local_day_at(s.instant, s.tz, o.o0, o.o1) AS day,
       sum(mart.hours(s.instant, s.finish) - s.break_minutes / 60.0) AS rostered_hours,
       coalesce(sum(mart.hours(s.instant, s.finish) - s.break_minutes / 60.0)
                FILTER (WHERE s.productive), 0) AS productive_rostered_hours
FROM base s LEFT JOIN off o ON o.tz = s.tz AND o.k = mart.utc_day_key(s.instant)
GROUP BY 1, 2, 3, 4;
