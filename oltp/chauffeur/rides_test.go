package chauffeur_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
)

// TestRideEndToEnd: book → confirm → dispatch → accept → status events →
// complete → charges → settlement → approve → export.
func TestRideEndToEnd(t *testing.T) {
	f := newFleet(t)
	pickup := f.Fix.Day.Add(10 * time.Hour)
	ride, etag := f.book(t, pickup, map[string]any{"flight_number": "ba 117", "airline": "British Airways", "terminal": "5",
		"sign_text": "Ms Lovelace", "child_seats": 1})
	if ride.Status != "quoted" || etag != oltp.ETag(ride.ID, ride.Version) || ride.Metadata["flight_number"] != "BA117" {
		t.Fatalf("booked ride %+v etag %s", ride, etag)
	}
	f.event(t, "dispatcher", ride.ID, "confirmed", nil)
	a := f.dispatch(t, ride.ID, f.Chauffeur, f.Vehicles[0])
	if a.Status != "offered" || !a.StartsAt.Equal(pickup.Add(-30*time.Minute)) || !a.EndsAt.Equal(pickup.Add(time.Hour)) {
		t.Fatalf("assignment %+v", a)
	}
	res := f.Do(t, "chauffeur", "POST", fmt.Sprintf("/v1/dispatch/%d/accept", a.ID), nil)
	if res.Status != 200 {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	f.event(t, "chauffeur", ride.ID, "on_the_way", 1000)
	f.event(t, "chauffeur", ride.ID, "on_location", 1012.5)
	f.event(t, "chauffeur", ride.ID, "passenger_on_board", 1013)
	done := f.event(t, "chauffeur", ride.ID, "completed", 1043)
	if done.Status != "completed" || done.Assignment == nil || done.Assignment.Status != "completed" {
		t.Fatalf("completed ride %+v", done)
	}
	if res := f.Do(t, "chauffeur", "POST", fmt.Sprintf("/v1/rides/%d/events", ride.ID), map[string]any{"status": "on_the_way"}); res.Status != http.StatusConflict ||
		!strings.HasSuffix(problemType(t, res), "/illegal-transition") {
		t.Errorf("event after completion: %d %s", res.Status, res.Body)
	}
	if n := f.Count(t, fmt.Sprintf("chauffeur.ride_status_event WHERE ride_booking_id = %d", ride.ID)); n != 8 {
		t.Errorf("%d status events, want 8 (quoted … completed)", n)
	}
	addCharges(t, f, ride.ID)
	settleAndApprove(t, f, ride.ID)
}

func addCharges(t *testing.T, f *fleet, ride int64) {
	t.Helper()
	for _, c := range []map[string]any{
		{"component": "ride_base", "unit_amount": 85},
		{"component": "toll", "quantity": 2, "unit_amount": 3.5, "description": "Congestion"},
		{"component": "gratuity", "unit_amount": 10, "taxable": false},
		{"component": "parking", "unit_amount": 6.4},
	} {
		if res := f.Do(t, "dispatcher", "POST", fmt.Sprintf("/v1/rides/%d/charges", ride), c); res.Status != 201 {
			t.Fatalf("charge %v: %d %s", c, res.Status, res.Body)
		}
	}
	res := f.Do(t, "finance", "GET", fmt.Sprintf("/v1/rides/%d/charges", ride), nil)
	var charges oltp.Collection[chauffeur.Charge]
	res.JSON(t, &charges)
	if len(charges.Items) != 4 || charges.Items[1].Amount != "7.00" || charges.Items[1].ChauffeurPayableAmount == nil {
		t.Fatalf("charges as finance: %s", res.Body)
	}
}

func settleAndApprove(t *testing.T, f *fleet, ride int64) {
	t.Helper()
	f.payRule(t, f.Chauffeur, "ride_base", "percentage", "60")
	f.payRule(t, f.Chauffeur, "toll", "percentage", "100")
	f.payRule(t, f.Chauffeur, "gratuity", "percentage", "100")
	f.payRule(t, f.Chauffeur, "wait_time", "per_hour", "20") // no wait_time charge: no line
	body := map[string]any{"chauffeur_id": f.Chauffeur, "period_start": f.Fix.Day.Format(time.RFC3339),
		"period_end": f.Fix.Day.AddDate(0, 0, 1).Format(time.RFC3339)}
	res := f.Do(t, "finance", "POST", "/v1/settlements", body)
	if res.Status != 201 {
		t.Fatalf("settlement: %d %s", res.Status, res.Body)
	}
	var s chauffeur.Settlement
	res.JSON(t, &s)
	if s.Status != "draft" || s.TotalAmount != "68.00" || len(s.Lines) != 3 || s.Lines[0].RideID != ride {
		t.Fatalf("settlement %s", res.Body)
	}
	again := f.Do(t, "finance", "POST", "/v1/settlements", body)
	if again.Status != http.StatusConflict || !strings.HasSuffix(problemType(t, again), "/already-settled") {
		t.Errorf("second settlement of the same rides: %d %s", again.Status, again.Body)
	}
	if n := f.Count(t, "chauffeur.settlement"); n != 1 {
		t.Errorf("%d settlements, want 1", n)
	}
	path := fmt.Sprintf("/v1/settlements/%d/approve", s.ID)
	if res := f.Do(t, "finance", "POST", path, nil); res.Status != http.StatusPreconditionRequired {
		t.Errorf("approve without If-Match: %d", res.Status)
	}
	etag := res.Header.Get("ETag")
	if res := f.Do(t, "manager", "POST", path, nil, "If-Match", etag); res.Status != 200 || !strings.Contains(string(res.Body), `"approved"`) {
		t.Fatalf("approve: %d %s", res.Status, res.Body)
	}
	if res := f.Do(t, "finance", "POST", path, nil, "If-Match", etag); res.Status != http.StatusPreconditionFailed {
		t.Errorf("approve with a stale ETag: %d", res.Status)
	}
	res = f.Do(t, "finance", "GET", fmt.Sprintf("/v1/settlements/%d/export", s.ID), nil)
	var ex chauffeur.Export
	res.JSON(t, &ex)
	if res.Status != 200 || len(ex.Rows) != 3 || len(ex.Rows[0]) != len(ex.Columns) || ex.Rows[0][4] != "approved" {
		t.Errorf("export: %d %s", res.Status, res.Body)
	}
	res = f.Do(t, "finance", "GET", fmt.Sprintf("/v1/settlements/%d/export", s.ID), nil, "Accept", "text/csv")
	lines := strings.Split(strings.TrimSpace(string(res.Body)), "\n")
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || len(lines) != 4 || !strings.HasPrefix(lines[0], "settlement_id,") {
		t.Errorf("CSV export: %d %q %s", res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	// The list: the approved settlement, without lines; filters and bad input.
	list := func(query string) (int, oltp.Collection[chauffeur.SettlementSummary]) {
		res := f.Do(t, "finance", "GET", "/v1/settlements"+query, nil)
		var col oltp.Collection[chauffeur.SettlementSummary]
		if res.Status == http.StatusOK {
			res.JSON(t, &col)
			if strings.Contains(string(res.Body), `"lines"`) {
				t.Errorf("settlement list carries lines: %s", res.Body)
			}
		}
		return res.Status, col
	}
	if st, col := list(fmt.Sprintf("?chauffeur_id=%d&status=approved", f.Chauffeur)); st != 200 || len(col.Items) != 1 ||
		col.Items[0].ID != s.ID || col.Items[0].TotalAmount != "68.00" || col.Items[0].ApprovedAt == nil {
		t.Errorf("approved settlements: %d %+v", st, col)
	}
	if _, col := list("?status=draft"); len(col.Items) != 0 {
		t.Errorf("draft settlements: %+v", col.Items)
	}
	for _, q := range []string{"?status=open", "?chauffeur_id=one"} {
		if st, _ := list(q); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, st)
		}
	}
	if res := f.Do(t, "dispatcher", "GET", "/v1/settlements", nil); res.Status != http.StatusForbidden {
		t.Errorf("dispatcher lists settlements: %d", res.Status)
	}
	// Approved → paid (with the transfer's reference) → reconciled; each
	// needs the current ETag, and nothing skips a step.
	res = f.Do(t, "finance", "GET", fmt.Sprintf("/v1/settlements/%d", s.ID), nil)
	etag = res.Header.Get("ETag")
	pay := fmt.Sprintf("/v1/settlements/%d/pay", s.ID)
	reconcile := fmt.Sprintf("/v1/settlements/%d/reconcile", s.ID)
	if res := f.Do(t, "finance", "POST", reconcile, nil, "If-Match", etag); res.Status != http.StatusConflict {
		t.Errorf("reconcile an unpaid settlement: %d %s", res.Status, res.Body)
	}
	for _, bad := range []map[string]any{{}, {"payment_reference": "  "}, {"payment_reference": strings.Repeat("x", 101)}, {"payment_reference": "BACS 1", "amount": 1}} {
		if res := f.Do(t, "finance", "POST", pay, bad, "If-Match", etag); res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusBadRequest {
			t.Errorf("pay with %v: %d %s", bad, res.Status, res.Body)
		}
	}
	if res := f.Do(t, "dispatcher", "POST", pay, map[string]any{"payment_reference": "BACS 1"}, "If-Match", etag); res.Status != http.StatusForbidden {
		t.Errorf("dispatcher pays: %d", res.Status)
	}
	res = f.Do(t, "finance", "POST", pay, map[string]any{"payment_reference": "BACS 1"}, "If-Match", etag)
	var paid chauffeur.Settlement
	res.JSON(t, &paid)
	if res.Status != http.StatusOK || paid.Status != "paid" || paid.PaidAt == nil || paid.PaymentReference == nil || *paid.PaymentReference != "BACS 1" {
		t.Fatalf("pay: %d %s", res.Status, res.Body)
	}
	if res := f.Do(t, "finance", "POST", pay, map[string]any{"payment_reference": "BACS 2"}, "If-Match", etag); res.Status != http.StatusPreconditionFailed {
		t.Errorf("pay with a stale ETag: %d", res.Status)
	}
	res = f.Do(t, "manager", "POST", reconcile, nil, "If-Match", res.Header.Get("ETag"))
	var done chauffeur.Settlement
	res.JSON(t, &done)
	if res.Status != http.StatusOK || done.Status != "reconciled" || done.ReconciledAt == nil {
		t.Fatalf("reconcile: %d %s", res.Status, res.Body)
	}
	if res := f.Do(t, "finance", "POST", pay, map[string]any{"payment_reference": "again"}, "If-Match", oltp.ETag(done.ID, done.Version)); res.Status != http.StatusConflict {
		t.Errorf("pay a reconciled settlement: %d", res.Status)
	}
}

// TestCancelRide: cancel needs If-Match; a stale one is 412; a cancelled
// ride cannot be dispatched.
func TestCancelRide(t *testing.T) {
	f := newFleet(t)
	ride, etag := f.book(t, f.Fix.Day.Add(9*time.Hour), nil)
	path := fmt.Sprintf("/v1/rides/%d/cancel", ride.ID)
	if res := f.Do(t, "dispatcher", "POST", path, map[string]any{"reason": "plans changed"}); res.Status != http.StatusPreconditionRequired {
		t.Errorf("cancel without If-Match: %d", res.Status)
	}
	f.event(t, "dispatcher", ride.ID, "confirmed", nil)
	if res := f.Do(t, "dispatcher", "POST", path, map[string]any{"reason": "x"}, "If-Match", etag); res.Status != http.StatusPreconditionFailed {
		t.Errorf("cancel with a stale ETag: %d %s", res.Status, res.Body)
	}
	got := f.Do(t, "dispatcher", "GET", fmt.Sprintf("/v1/rides/%d", ride.ID), nil)
	res := f.Do(t, "dispatcher", "POST", path, map[string]any{"reason": "plans changed"}, "If-Match", got.Header.Get("ETag"))
	if res.Status != 200 || !strings.Contains(string(res.Body), `"status":"cancelled"`) {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	res = f.Do(t, "dispatcher", "POST", fmt.Sprintf("/v1/rides/%d/dispatch", ride.ID), map[string]any{"chauffeur_id": f.Chauffeur, "fleet_vehicle_id": f.Vehicles[0]})
	if res.Status != http.StatusConflict || !strings.HasSuffix(problemType(t, res), "/illegal-transition") {
		t.Errorf("dispatch of a cancelled ride: %d %s", res.Status, res.Body)
	}
}

// TestFlightSearch: ?flight= finds rides by metadata containment,
// whatever the spacing and case the flight number was typed with.
func TestFlightSearch(t *testing.T) {
	f := newFleet(t)
	day := f.Fix.Day.Add(8 * time.Hour)
	a, _ := f.book(t, day, map[string]any{"flight_number": "BA123", "terminal": "5"})
	b, _ := f.book(t, day.Add(time.Hour), map[string]any{"flight_number": "ba 123"})
	f.book(t, day.Add(2*time.Hour), map[string]any{"flight_number": "LH400"})
	f.book(t, day.Add(3*time.Hour), nil)
	res := f.Do(t, "dispatcher", "GET", "/v1/rides?flight=BA123", nil)
	var got oltp.Collection[chauffeur.Ride]
	res.JSON(t, &got)
	if res.Status != 200 || len(got.Items) != 2 || got.Items[0].ID != a.ID || got.Items[1].ID != b.ID {
		t.Fatalf("flight search: %d %s", res.Status, res.Body)
	}
	res = f.Do(t, "dispatcher", "GET", "/v1/rides?flight=BA123&limit=1", nil)
	res.JSON(t, &got)
	if len(got.Items) != 1 || got.NextCursor == "" {
		t.Fatalf("first page: %s", res.Body)
	}
	res = f.Do(t, "dispatcher", "GET", "/v1/rides?flight=BA123&limit=1&cursor="+got.NextCursor, nil)
	got = oltp.Collection[chauffeur.Ride]{}
	res.JSON(t, &got)
	if len(got.Items) != 1 || got.Items[0].ID != b.ID || got.NextCursor != "" {
		t.Fatalf("second page: %s", res.Body)
	}
	res = f.Do(t, "dispatcher", "GET", "/v1/rides?status=quoted", nil)
	res.JSON(t, &got)
	if len(got.Items) != 4 {
		t.Errorf("status filter: %d rides", len(got.Items))
	}
	if res := f.Do(t, "dispatcher", "GET", "/v1/rides?status=lost", nil); res.Status != 400 {
		t.Errorf("bad status filter: %d", res.Status)
	}
}

// TestIdempotentRideBooking: a replayed Idempotency-Key returns the first
// response and books nothing new.
func TestIdempotentRideBooking(t *testing.T) {
	f := newFleet(t)
	body := f.rideBody(f.Fix.Day.Add(15*time.Hour), map[string]any{"flight_number": "EK1"})
	first := f.Do(t, "dispatcher", "POST", "/v1/rides", body, "Idempotency-Key", "ride-1")
	second := f.Do(t, "dispatcher", "POST", "/v1/rides", body, "Idempotency-Key", "ride-1")
	var a, b chauffeur.Ride
	first.JSON(t, &a)
	second.JSON(t, &b)
	if first.Status != 201 || second.Status != 201 || a.ID != b.ID || second.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %d, ids %d %d", first.Status, second.Status, a.ID, b.ID)
	}
	if n := f.Count(t, "chauffeur.ride_booking"); n != 1 {
		t.Errorf("%d rides, want 1", n)
	}
}
