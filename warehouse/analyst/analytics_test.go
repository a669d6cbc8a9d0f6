package analyst_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp/workshop"
	"github.com/carcarehub/cch/warehouse/marts"
)

func testAnalyticRoles(t *testing.T, s *stack) {
	var list struct {
		Items []struct {
			Name      string `json:"name"`
			Financial bool   `json:"financial"`
		} `json:"items"`
	}
	technician := map[string]bool{}
	for _, role := range []string{"technician", "receptionist", "dispatcher", "auditor"} {
		r := s.do(t, role, "GET", "/v1/analytics", nil, "")
		if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 {
			t.Fatalf("%s list: %d %s", role, r.status, r.body)
		}
		for _, it := range list.Items {
			if it.Financial {
				t.Errorf("%s is offered financial analytic %s", role, it.Name)
			}
			if role == "technician" {
				technician[it.Name] = true
			}
		}
	}
	// Technicians are granted nothing of finance.invoice: their efficiency
	// (billed hours) is closed to them, the comeback rate is not.
	if technician["technician_efficiency"] || !technician["comeback_rate"] {
		t.Errorf("technician is offered %v", technician)
	}
	for _, a := range marts.Catalog() {
		want := map[bool]int{true: 200, false: 403}[technician[a.Name]]
		if r := s.do(t, "technician", "GET", "/v1/analytics/"+a.Name, nil, ""); r.status != want {
			t.Errorf("technician %s: %d, want %d: %s", a.Name, r.status, want, r.body)
		}
		if r := s.do(t, "manager", "GET", "/v1/analytics/"+a.Name, nil, ""); r.status != 200 {
			t.Errorf("manager %s: %d: %s", a.Name, r.status, r.body)
		}
	}
	for _, c := range []struct {
		role, path string
		want       int
	}{
		{"", "/v1/analytics/show_rate", 401},
		{"", "/v1/analytics", 401},
		{"receptionist", "/v1/analytics/show_rate", 200},
		{"dispatcher", "/v1/analytics/show_rate", 403},
		{"dispatcher", "/v1/analytics/chauffeur_utilisation", 200},
		// The ride KPIs read mart.ride_operations, which carries no pay;
		// mart.rides adds the chauffeur's pay, which the dispatcher's
		// grants mask (and fleet utilisation is a financial figure).
		{"dispatcher", "/v1/analytics/dead_head_ratio", 200},
		{"dispatcher", "/v1/analytics/chauffeur_on_time_pickup", 200},
		{"dispatcher", "/v1/analytics/fleet_utilisation", 403},
		{"manager", "/v1/analytics/nope", 404},
		{"manager", "/v1/analytics/show_rate?granularity=fortnight", 400},
		{"manager", "/v1/analytics/show_rate?from=yesterday", 400},
		{"manager", "/v1/analytics/show_rate?min_lsn=nope", 400},
		{"manager", "/v1/analytics/show_rate?to=0001-01-01", 400},
		{"manager", "/v1/analytics/show_rate?from=0001-01-01&to=9999-12-31", 400},
		{"manager", "/v1/analytics/show_rate?from=2026-03-01&to=2026-02-01", 400},
		{"manager", "/v1/analytics/show_rate?from=2026-03-01&to=2026-03-01", 400},
		{"manager", "/v1/analytics/show_rate?granularity=", 400},
		{"manager", "/v1/analytics/dead_head_ratio?granularity=decade", 400},
		{"manager", "/v1/analytics/show_rate?branch_id=" + fmt.Sprint(s.env.Fix.OtherBranch), 403},
		{"manager", "/v1/analytics/show_rate?branch_id=" + fmt.Sprint(s.env.Fix.Branch), 200},
	} {
		if r := s.do(t, c.role, "GET", c.path, nil, ""); r.status != c.want {
			t.Errorf("%s %s: %d, want %d: %s", c.role, c.path, r.status, c.want, r.body)
		}
	}
	r := s.do(t, "manager", "GET", "/v1/analytics/show_rate", nil, "text/csv")
	if r.status != 200 || !strings.HasPrefix(string(r.body), "period,branch_id,booked,") {
		t.Errorf("csv: %d %q", r.status, r.body)
	}
}

// testReadYourWrites books through the API and reads the booking back
// through show_rate with the write's X-CCH-LSN.
func testReadYourWrites(t *testing.T, s *stack) {
	e := s.env
	day := e.Fix.Day
	q := url.Values{"from": {day.Format(time.DateOnly)}, "to": {day.AddDate(0, 0, 1).Format(time.DateOnly)}, "granularity": {"day"}}
	for i := range 3 {
		res := e.Do(t, "receptionist", "POST", "/v1/bookings", workshop.BookingRequest{
			BranchID: e.Fix.Branch, CustomerID: e.Fix.Customer, VehicleID: e.Fix.Vehicle,
			StartsAt: day.Add(time.Duration(9+i) * time.Hour), DurationMinutes: 60, BayID: e.Fix.Bays[0],
			TechnicianID: e.Fix.Technicians[0], LabourOperationCodes: []string{"SRV-A"}})
		lsn := res.Header.Get("X-CCH-LSN")
		if res.Status != http.StatusCreated || lsn == "" {
			t.Fatalf("booking: %d %s (lsn %q)", res.Status, res.Body, lsn)
		}
		q.Set("min_lsn", lsn)
		tab := decode(t, s.do(t, "receptionist", "GET", "/v1/analytics/show_rate?"+q.Encode(), nil, ""))
		if len(tab.Rows) != 1 || fmt.Sprint(tab.Rows[0][2]) != fmt.Sprint(i+1) {
			t.Fatalf("after booking %d at %s: %v", i+1, lsn, tab.Rows)
		}
	}
	q.Set("min_lsn", "FFFFFFFF/0")
	start := time.Now()
	r := s.do(t, "receptionist", "GET", "/v1/analytics/show_rate?"+q.Encode(), nil, "")
	if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "warehouse-behind") {
		t.Errorf("future lsn: %d %s", r.status, r.body)
	}
	if d := time.Since(start); d < 4*time.Second || d > 15*time.Second {
		t.Errorf("future lsn answered after %s, want the 5s bound", d)
	}
}
