-- Shared macros of the marts. Mirror tables hold PostgreSQL ranges as their
-- text form ('["2026-01-05 08:00:00+00","2026-01-05 09:30:00+00")'); these
-- macros read their bounds. An unbounded side reads as NULL.
CREATE SCHEMA IF NOT EXISTS mart;
CREATE SCHEMA IF NOT EXISTS mart_view;

-- (Substrings around the first comma: about twice as fast as a regexp.)
CREATE OR REPLACE MACRO mart.range_lo(r) AS
  TRY_CAST(trim(r[2:strpos(r, ',') - 1], '"') AS TIMESTAMPTZ);

CREATE OR REPLACE MACRO mart.range_hi(r) AS
  TRY_CAST(trim(r[strpos(r, ',') + 1:], '"])') AS TIMESTAMPTZ);

-- hours between two instants (NULL when either is NULL).
CREATE OR REPLACE MACRO mart.hours(a, b) AS (epoch(b) - epoch(a)) / 3600.0;

-- the business day of an instant in a branch's time zone.
CREATE OR REPLACE MACRO mart.local_day(ts, tz) AS CAST(timezone(tz, ts) AS DATE);

-- local_day without a per-row time zone lookup: timezone() with a zone that
-- varies by row loads the zone for every row (≈3 µs), so views compute the
-- zone's UTC offset once per (zone, UTC day) — off(tz, k) for the UTC day
-- number k — and shift instants by it. When the offsets at the start of the
-- UTC day and of the next differ (a transition that day), or the instant
-- is not finite, local_day_at falls back to local_day. (It assumes no zone
-- changes offset twice within one UTC day and back, which tzdb never does.)
CREATE OR REPLACE MACRO mart.utc_day_key(ts) AS
  (epoch_us(ts) - (epoch_us(ts) % 86400000000 + 86400000000) % 86400000000) // 86400000000;
CREATE OR REPLACE MACRO mart.tz_offset_us(tz, k) AS
  epoch_us(timezone(tz, make_timestamptz(k * 86400000000))) - k * 86400000000;
CREATE OR REPLACE MACRO mart.local_day_at(ts, tz, o0, o1) AS
  CASE WHEN o0 = o1 THEN CAST(make_timestamp(epoch_us(ts) + o0) AS DATE) ELSE mart.local_day(ts, tz) END;

-- n ÷ d as DOUBLE, NULL when d is 0 or NULL.
CREATE OR REPLACE MACRO mart.ratio(n, d) AS
  CASE WHEN d IS NULL OR d = 0 THEN NULL ELSE CAST(n AS DOUBLE) / CAST(d AS DOUBLE) END;

-- hours of overlap between [a1, a2) and [b1, b2); an open a2 counts as b2.
CREATE OR REPLACE MACRO mart.overlap_hours(a1, a2, b1, b2) AS
  greatest(0.0, mart.hours(greatest(a1, b1), least(coalesce(a2, b2), b2)));

-- the opening windows of a branch on a day, from core.branch.opening_hours
-- ({"mon": [["08:00", "18:00"]], …, "holidays": ["2026-12-25"]}): the
-- weekday's windows, none on a listed holiday.
CREATE OR REPLACE MACRO mart.opening_windows_on(hours_json, d) AS
  CASE WHEN list_contains(coalesce(CAST(json_extract(hours_json, '$.holidays') AS VARCHAR[]), []), strftime(d, '%Y-%m-%d'))
       THEN CAST([] AS VARCHAR[][])
       ELSE coalesce(CAST(json_extract(hours_json, '$.' || lower(strftime(d, '%a'))) AS VARCHAR[][]), CAST([] AS VARCHAR[][])) END;

-- opening hours of a branch on a day (0 on a closed day or a holiday).
CREATE OR REPLACE MACRO mart.opening_hours_on(hours_json, d) AS
  coalesce(list_sum(list_transform(mart.opening_windows_on(hours_json, d),
    w -> date_diff('minute', CAST(w[1] AS TIME), CAST(w[2] AS TIME)) / 60.0)), 0.0);

-- hours of [a, b) (local timestamps) within the opening windows of day d.
CREATE OR REPLACE MACRO mart.open_overlap_hours(windows, d, a, b) AS
  coalesce(list_sum(list_transform(windows,
    w -> greatest(0.0, mart.hours(greatest(a, d + CAST(w[1] AS TIME)), least(b, d + CAST(w[2] AS TIME)))))), 0.0);

-- the grace after an actual landing within which an airport pickup is on time.
CREATE OR REPLACE MACRO mart.landing_grace() AS INTERVAL 15 MINUTE;

-- whether a row of branch b is in the caller's scope (an empty list: every branch).
CREATE OR REPLACE MACRO mart.in_scope(b, branches) AS len(branches) = 0 OR list_contains(branches, b);
