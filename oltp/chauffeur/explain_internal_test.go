package chauffeur

import (
	"context"
	"strings"
	"testing"

	"github.com/carcarehub/cch/oltp/oltptest"
)

// TestFlightSearchUsesGINIndex: the flight filter of the list query is one
// the GIN index ride_booking_metadata_gin can serve. Sequential scans are
// disabled so the tiny test table does not hide the choice.
func TestFlightSearchUsesGINIndex(t *testing.T) {
	e := oltptest.New(t)
	ctx := context.Background()
	q, args := rideListQuery("ba 123", "", 0, 51)
	if !strings.Contains(args[1].(string), `"BA123"`) {
		t.Fatalf("flight argument %v", args[1])
	}
	tx, err := e.Admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if !strings.Contains(plan.String(), "ride_booking_metadata_gin") {
		t.Errorf("flight search does not use the GIN index:\n%s", plan.String())
	}
}
