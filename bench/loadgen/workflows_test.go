package loadgen_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/carcarehub/cch/bench/loadgen"
)

// TestBookingBodyIsTheBookingRequest: the directly encoded body is valid
// JSON with every field of the booking contract, lanes taken in turn and
// slots following each other.
func TestBookingBodyIsTheBookingRequest(t *testing.T) {
	tg := loadgen.Target{Branch: 3, Customer: 44, Vehicle: 555, Base: time.Date(2031, 1, 1, 8, 0, 0, 0, time.UTC),
		Lanes: []loadgen.Lane{{Bay: 7, Technician: 8}, {Bay: 9, Technician: 10}}}
	for _, c := range []struct {
		seq       uint64
		bay, tech float64
		starts    string
	}{{0, 7, 8, "2031-01-01T08:00:00Z"}, {1, 9, 10, "2031-01-01T08:00:00Z"}, {2, 7, 8, "2031-01-01T08:15:00Z"}} {
		var got map[string]any
		if err := json.Unmarshal(tg.BookingBody(c.seq), &got); err != nil {
			t.Fatalf("seq %d: %v: %s", c.seq, err, tg.BookingBody(c.seq))
		}
		want := map[string]any{"branch_id": 3.0, "customer_id": 44.0, "vehicle_id": 555.0, "starts_at": c.starts,
			"duration_minutes": 15.0, "bay_id": c.bay, "technician_id": c.tech, "labour_operation_codes": []any{}, "notes": "load"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("seq %d:\n got %v\nwant %v", c.seq, got, want)
		}
	}
}
