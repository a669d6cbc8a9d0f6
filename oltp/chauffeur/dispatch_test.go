package chauffeur_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
)

// TestConcurrentDispatchOfOneRide: 20 dispatchers offer one ride at once;
// exactly one offer is made, the rest get 409 (locked while the winner
// holds the ride, illegal-transition once it is dispatched).
func TestConcurrentDispatchOfOneRide(t *testing.T) {
	f := newFleet(t)
	ride, _ := f.book(t, f.Fix.Day.Add(11*time.Hour), nil)
	f.event(t, "dispatcher", ride.ID, "confirmed", nil)
	const n = 20
	statuses, types := make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := f.Do(t, "dispatcher", "POST", fmt.Sprintf("/v1/rides/%d/dispatch", ride.ID),
				map[string]any{"chauffeur_id": []int64{f.Chauffeur, f.Other}[i%2], "fleet_vehicle_id": f.Vehicles[i%2]})
			statuses[i] = res.Status
			if res.Status != http.StatusCreated {
				types[i] = problemType(t, res)
			}
		})
	}
	wg.Wait()
	created := 0
	for i, s := range statuses {
		switch {
		case s == http.StatusCreated:
			created++
		case s == http.StatusConflict && (strings.HasSuffix(types[i], "/locked") || strings.HasSuffix(types[i], "/illegal-transition")):
		default:
			t.Errorf("request %d: %d %s", i, s, types[i])
		}
	}
	if created != 1 {
		t.Errorf("%d offers made, want exactly 1", created)
	}
	if n := f.Count(t, fmt.Sprintf("chauffeur.dispatch_assignment WHERE ride_booking_id = %d", ride.ID)); n != 1 {
		t.Errorf("%d assignment rows, want 1", n)
	}
}

// TestDoubleBookingRefused: a chauffeur or a vehicle offered for a ride
// cannot be offered for an overlapping one (exclusion constraints → 409
// slot-taken); after a rejection both are free again.
func TestDoubleBookingRefused(t *testing.T) {
	f := newFleet(t)
	pickup := f.Fix.Day.Add(14 * time.Hour)
	first, _ := f.book(t, pickup, nil)
	second, _ := f.book(t, pickup.Add(45*time.Minute), nil)
	for _, r := range []int64{first.ID, second.ID} {
		f.event(t, "dispatcher", r, "confirmed", nil)
	}
	a := f.dispatch(t, first.ID, f.Chauffeur, f.Vehicles[0])
	for name, body := range map[string]map[string]any{
		"same chauffeur": {"chauffeur_id": f.Chauffeur, "fleet_vehicle_id": f.Vehicles[1]},
		"same vehicle":   {"chauffeur_id": f.Other, "fleet_vehicle_id": f.Vehicles[0]},
	} {
		res := f.Do(t, "dispatcher", "POST", fmt.Sprintf("/v1/rides/%d/dispatch", second.ID), body)
		if res.Status != http.StatusConflict || !strings.HasSuffix(problemType(t, res), "/slot-taken") {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	// The other chauffeur cannot answer this offer; the offered one rejects.
	if res := f.Do(t, "chauffeur2", "POST", fmt.Sprintf("/v1/dispatch/%d/reject", a.ID), nil); res.Status != http.StatusNotFound {
		t.Errorf("someone else's offer: %d %s", res.Status, res.Body)
	}
	res := f.Do(t, "chauffeur", "POST", fmt.Sprintf("/v1/dispatch/%d/reject", a.ID), nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"declined"`) {
		t.Fatalf("reject: %d %s", res.Status, res.Body)
	}
	if res := f.Do(t, "chauffeur", "GET", fmt.Sprintf("/v1/rides/%d", first.ID), nil); res.Status != http.StatusNotFound {
		t.Errorf("chauffeur still sees a rejected ride: %d", res.Status)
	}
	back := f.Do(t, "dispatcher", "GET", fmt.Sprintf("/v1/rides/%d", first.ID), nil)
	if !strings.Contains(string(back.Body), `"status":"confirmed"`) {
		t.Errorf("rejected ride: %s", back.Body)
	}
	f.dispatch(t, second.ID, f.Chauffeur, f.Vehicles[0])
	// The dispatcher withdraws the offer: the ride is back on the board and
	// the chauffeur free again.
	if r := f.event(t, "dispatcher", second.ID, "confirmed", nil); r.Status != "confirmed" || r.Assignment != nil {
		t.Errorf("withdrawn offer: %+v", r)
	}
	f.dispatch(t, first.ID, f.Chauffeur, f.Vehicles[0])
}

func dispatcherPrincipal(f *fleet) oltp.Principal {
	return oltp.Principal{StaffID: f.Fix.Staff["dispatcher"], OrganisationID: f.Fix.Org, Role: "dispatcher", BranchIDs: []int64{f.Fix.Branch}}
}

// confirmedRide inserts a confirmed ride picked up at pickup.
func (f *fleet) confirmedRide(t testing.TB, pickup time.Time, class string) int64 {
	t.Helper()
	return f.scalar(t, `INSERT INTO chauffeur.ride_booking (organisation_id, branch_id, booker_customer_id, passenger_customer_id,
		service_type, status, requested_vehicle_class, pickup_at, estimated_duration_minutes, pickup_address)
		VALUES ($1, $2, $3, $3, 'point_to_point', 'confirmed', $4, $5, 60, 'King''s Cross') RETURNING id`,
		f.Fix.Org, f.Fix.Branch, f.Fix.Customer, class, pickup)
}

// TestAutoDispatchTwoWorkers: two workers running at once dispatch every
// ride they can exactly once, never double-book a chauffeur or vehicle,
// and leave a ride no vehicle fits on the board.
func TestAutoDispatchTwoWorkers(t *testing.T) {
	f := newFleet(t)
	for range 2 {
		f.makeChauffeur(t, f.addChauffeurStaff(t, "Extra"))
		f.Vehicles = append(f.Vehicles, f.addVehicle(t, "executive", 4))
	}
	base := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	for i := range 8 { // 4 at +2h and 4 at +5h: every chauffeur twice
		f.confirmedRide(t, base.Add(time.Duration(i/4)*3*time.Hour), "executive")
	}
	f.confirmedRide(t, base, "minibus") // no minibus in the fleet
	f.confirmedRide(t, base.AddDate(0, 0, 3), "executive")
	var wg sync.WaitGroup
	got := make([]int, 2)
	for i := range got {
		wg.Go(func() {
			n, err := chauffeur.AutoDispatch(t.Context(), f.Pool, dispatcherPrincipal(f), nil)
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
			got[i] = n
		})
	}
	wg.Wait()
	if got[0]+got[1] != 8 {
		t.Errorf("workers dispatched %v, want 8 in all", got)
	}
	if n := f.Count(t, "chauffeur.dispatch_assignment"); n != 8 {
		t.Errorf("%d assignments, want 8", n)
	}
	if n := f.Count(t, "(SELECT ride_booking_id FROM chauffeur.dispatch_assignment GROUP BY 1 HAVING count(*) > 1) x"); n != 0 {
		t.Errorf("%d rides assigned more than once", n)
	}
	if n := f.Count(t, "chauffeur.ride_booking WHERE status = 'dispatched'"); n != 8 {
		t.Errorf("%d dispatched rides, want 8", n)
	}
	if n, err := chauffeur.AutoDispatch(t.Context(), f.Pool, dispatcherPrincipal(f), nil); n != 0 || err != nil {
		t.Errorf("second pass dispatched %d (%v), want 0", n, err)
	}
}

// TestWorkerRun: the loop dispatches a ride confirmed after it started and
// stops when its context ends.
func TestWorkerRun(t *testing.T) {
	f := newFleet(t)
	ctx, cancel := context.WithCancel(t.Context())
	w := &chauffeur.Worker{Pool: f.Pool, Principal: dispatcherPrincipal(f), Interval: 50 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	f.confirmedRide(t, time.Now().Add(3*time.Hour), "executive")
	deadline := time.Now().Add(10 * time.Second)
	for f.Count(t, "chauffeur.dispatch_assignment") == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if n := f.Count(t, "chauffeur.dispatch_assignment"); n != 1 {
		t.Errorf("%d assignments after Run, want 1", n)
	}
}
