package workshop

import (
	"strings"
)

// Skill-aware availability: with ?labour_operation_ids=, each slot's
// technician is the free one most proficient at those operations —
// sold hours ÷ clocked job hours on jobs of those operations over the
// year before now (technicians without such history rank last, then by
// id) — and the slot says the technician's proficiency.

// skillCTE is each technician's proficiency at the operations $5
// (workshop.technician_proficiency: the front desk may not read clock
// entries, the function returns only the ratio).
const skillCTE = `skill AS MATERIALIZED (
  SELECT staff_id, proficiency FROM workshop.technician_proficiency($5::bigint[], $4::timestamptz - interval '365 days'))`

// rankedAvailabilitySQL is AvailabilitySQL choosing each slot's
// technician by proficiency at the operations $5 and returning it.
var rankedAvailabilitySQL = strings.NewReplacer(
	"\noffer AS (", "\n"+skillCTE+",\noffer AS (",
	"ORDER BY sh.staff_id LIMIT 1) AS technician_id",
	"ORDER BY (SELECT k.proficiency FROM skill k WHERE k.staff_id = sh.staff_id) DESC NULLS LAST, sh.staff_id LIMIT 1) AS technician_id",
	"SELECT starts_at, bay_id, technician_id FROM offer",
	"SELECT starts_at, bay_id, technician_id, (SELECT k.proficiency::float8 FROM skill k WHERE k.staff_id = offer.technician_id) FROM offer",
).Replace(AvailabilitySQL)
