package archive

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// Subject is a customer whose rows an archived file holds: Keys are the
// values of the entry's SubjectColumn that belong to them (their own id
// for a notification, the rides they booked or rode for ride events).
type Subject struct {
	CustomerID int64   `json:"customer_id"`
	Keys       []int64 `json:"keys"`
}

// subjectRule says how an archived table names a customer and which of
// its columns an erasure clears. A GDPR erasure in PostgreSQL clears the
// customer's PII columns and free text that may name them (booking notes,
// feedback comments, a ride's sign text and passenger details); archived
// rows get the same treatment for what they hold:
//   - core.notification addressed to the customer: the subject line, the
//     payload and the delivery error (message text, addresses);
//   - chauffeur.ride_status_event of a ride they booked or rode: the
//     chauffeur's note.
//
// audit.staff_audit_log is never rewritten: its entries are hashed into
// the chain, and the customer's PII columns never reach it (the capture
// trigger writes "[redacted]"); inventory.inventory_transaction names no
// customer.
type subjectRule struct {
	Key    string            // the partition key (for the read-back fingerprint)
	Column string            // the file's column naming the subject (directly or through a ride)
	Query  string            // PostgreSQL: (customer id, key) pairs of the partition %s in organisation $1
	Scrub  map[string]string // column → replacement (a text literal cast to the column's type; "" is NULL)
}

var subjectRules = map[string]subjectRule{
	"core.notification": {
		Key:    "created_at",
		Column: "recipient_customer_id",
		Query:  `SELECT DISTINCT recipient_customer_id, recipient_customer_id FROM %s WHERE recipient_customer_id IS NOT NULL AND organisation_id = $1`,
		Scrub:  map[string]string{"subject": "", "payload": "{}", "last_error": ""},
	},
	"chauffeur.ride_status_event": {
		Key:    "occurred_at",
		Column: "ride_booking_id",
		Query: `SELECT DISTINCT c, e.ride_booking_id FROM %s e JOIN chauffeur.ride_booking r ON r.id = e.ride_booking_id
			CROSS JOIN LATERAL unnest(ARRAY[r.booker_customer_id, r.passenger_customer_id]) c
			WHERE c IS NOT NULL AND e.organisation_id = $1`,
		Scrub: map[string]string{"note": ""},
	},
}

// partitionSubjects lists the customers whose rows the partition holds
// (nil, "" for a table that names none). The tables it joins (rides) are
// under row-level security, so it reads one organisation at a time, in
// that organisation's context, and clears the context afterwards.
func partitionSubjects(ctx context.Context, tx pgx.Tx, p Partition) ([]Subject, string, error) {
	rule, ok := subjectRules[p.Parent]
	if !ok {
		return nil, "", nil
	}
	rows, err := tx.Query(ctx, "SELECT DISTINCT organisation_id FROM "+p.Name)
	if err != nil {
		return nil, "", fmt.Errorf("subjects: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, "", fmt.Errorf("subjects: %w", err)
	}
	byCustomer := map[int64][]int64{}
	for _, org := range orgs {
		if err := orgSubjects(ctx, tx, fmt.Sprintf(rule.Query, p.Name), org, byCustomer); err != nil {
			return nil, "", err
		}
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('app.organisation_id', '', true)"); err != nil {
		return nil, "", err
	}
	out := []Subject{}
	for c, keys := range byCustomer {
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		out = append(out, Subject{CustomerID: c, Keys: keys})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CustomerID < out[j].CustomerID })
	return out, rule.Column, nil
}

func orgSubjects(ctx context.Context, tx pgx.Tx, query string, org int64, byCustomer map[int64][]int64) error {
	if _, err := tx.Exec(ctx, "SELECT set_config('app.organisation_id', $1, true)", strconv.FormatInt(org, 10)); err != nil {
		return fmt.Errorf("subjects: %w", err)
	}
	rows, err := tx.Query(ctx, query, org)
	if err != nil {
		return fmt.Errorf("subjects: %w", err)
	}
	var customer, key int64
	_, err = pgx.ForEachRow(rows, []any{&customer, &key}, func() error {
		byCustomer[customer] = append(byCustomer[customer], key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("subjects: %w", err)
	}
	return nil
}
