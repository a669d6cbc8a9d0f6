// Package datagen generates deterministic, realistic synthetic data for Car
// Care Hub and loads it into a migrated PostgreSQL database.
//
// # Determinism
//
// Every value comes from math/rand/v2 PCG streams seeded with
// Options.Seed (one for the dataset, a second one for credit notes, so
// refunds do not reshuffle everything else) and from dates anchored to Options.End (never the wall
// clock), and every primary key is assigned by the generator. The same
// Options therefore produce byte-identical COPY streams and identical
// tables; only columns that triggers maintain (updated_at, version, the
// audit tables) may differ between two loads.
//
// # What is generated
//
// One organisation with Options.Branches workshop branches (the first is
// also the chauffeur base) plus a small second organisation for
// tenant-isolation demos. Per branch: bays, opening hours, staff of every
// business role with shifts and clock records; a customer base whose
// members each have a personal visit interval (some stop coming: churn);
// vehicles and keeper changes; bookings with weekly and annual seasonality,
// day-to-day noise (a pure function of seed, branch and date, so month
// totals hold) and peak hours, closed on Sundays and bank holidays, short
// on Christmas and New Year's Eve, scheduled on per-bay and per-technician
// timelines so no two active reservations overlap; cancellations, late
// cancellations and no-shows; repair orders, jobs (recommended work
// approved or declined), labour and parts (the MOT category is high-volume
// and loses money), comebacks on the vehicle of the repair they redo;
// stock, suppliers, purchase orders and stock-outs; gapless invoice
// numbers per branch with finance.invoice_counter kept at max+1, a few
// invoices issued in error, voided and reissued; payments, allocations,
// credit notes refunding about 1.5% of paid workshop invoices in part or
// in full a few days after payment (goodwill, pricing errors, comebacks),
// feedback, monthly operating expenses; chauffeur rides with flight
// metadata (and long delays), dispatch, status events, charges, pay rules
// and settlements; chauffeur and dispatcher shifts (a rota widened to
// cover each chauffeur's assignments). Options.Anchor places "today":
// history ends the day before it and the forward book (rosters, bookings,
// rides) starts on it.
//
// # Loading
//
// Rows are generated one month at a time and streamed with COPY (text
// format, pgconn.CopyFrom) table by table in foreign-key order, with every
// trigger and constraint enabled. Unaudited tables load in one transaction
// per table and month; tables with the audit_capture row trigger load in
// transactions of 500 rows, because each audit entry updates the
// organisation's audit.chain_head row and long single transactions make
// that quadratic (audit.chain_head is vacuumed every few chunks). Invoices
// are written as numbered drafts, their lines added, then issued in bulk
// (finance.guard_invoice_line rejects lines of issued invoices);
// finance.invoice_counter ends each month at max(invoice_number) + 1.
// Options.Audit = AuditSummary switches audit_capture off inside each
// load transaction of an audited table only (ALTER TABLE is transactional)
// and writes one BULK_LOAD entry per organisation and chunk instead; the
// hash chain stays verifiable. Partitions come from core.ensure_partitions.
//
// Primary keys are written explicitly: COPY FROM writes identity columns
// like INSERT ... OVERRIDING SYSTEM VALUE, even GENERATED ALWAYS ones, and
// afterwards each identity sequence is moved past the largest id with
// setval. Seeding therefore requires a database without business rows
// (Seed returns ErrNotEmpty; SeedDemo is then a no-op). A failed load
// leaves the months already committed: seed a fresh database again.
//
// Seed and SeedDemo are safe for concurrent use on different databases;
// a Generator is not safe for concurrent use.
package datagen
