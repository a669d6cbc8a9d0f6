// Package inventory holds the /v1 stock workflows: stock levels per branch,
// receipts, adjustments, issues, transfers between branches, purchase orders
// with receiving, and reorder suggestions.
//
// Every stock movement does two things in the caller's transaction: it
// changes inventory.stock_level (a decrement is one conditional
// UPDATE … SET on_hand = on_hand - n WHERE on_hand >= n, so stock never goes
// negative and concurrent issues need no retry loop) and it appends a row
// to the inventory.inventory_transaction ledger, so the sum of a part's
// movements at a branch always equals its on_hand. A movement that takes
// the available quantity (on_hand - reserved) from above the reorder point
// to at or below it queues one core.notification (kind inventory_alert) in
// the same transaction: once per crossing, because the crossing is computed
// from the row's values before and after the locked update.
//
// Quantities and money are decimal strings in JSON ("2.500", "12.50");
// requests may send them as strings or numbers. Cost columns (average_cost,
// unit costs) are read only for the finance and manager roles; for other
// roles they are never selected (column grants would refuse them) and are
// absent from responses.
//
// The workshop's part-line handler issues stock with IssueStock inside its
// own transaction.
package inventory
