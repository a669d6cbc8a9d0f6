// Package finance holds the /v1 invoicing and payment workflows: invoices
// generated from repair orders (draft, with stored net/tax/gross totals),
// issued with the branch's next gapless number (finance.issue_invoice locks
// the branch's counter row until commit, so concurrent issuers queue and a
// rollback gives the number back), immutable once issued (database
// triggers), voided with a reason but never deleted; payments with
// allocations to one or more invoices (partial and split payments).
//
// Allocation never over-allocates: a payment's allocations may not exceed
// its amount, and each invoice's rows are locked (in id order) before its
// outstanding amount is read in a fresh statement, so concurrent payments
// against one invoice queue and the later ones see the earlier ones'
// allocations.
//
// Money is a decimal string with two decimals in JSON ("120.00"); requests
// may send strings or numbers, with at most two decimals. Arithmetic
// happens in PostgreSQL numeric, never in floating point. Only the finance
// and manager roles reach these routes (the database grants invoices and
// payments to no one else).
package finance
