package workshop_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

func TestAvailabilityRanksTechniciansByProficiency(t *testing.T) {
	e := oltptest.New(t, workshop.Register)
	ctx := context.Background()
	f := e.Fix
	first, second := f.Technicians[0], f.Technicians[1]
	if first > second {
		first, second = second, first
	}
	var brakes int64
	if err := e.Admin.QueryRow(ctx, `SELECT id FROM workshop.labour_operation WHERE organisation_id = $1 AND code = 'BRK-F'`, f.Org).Scan(&brakes); err != nil {
		t.Fatal(err)
	}
	var ro int64
	if err := e.Admin.QueryRow(ctx, `INSERT INTO workshop.repair_order (organisation_id, branch_id, customer_id, vehicle_id, status)
		VALUES ($1, $2, $3, $4, 'closed') RETURNING id`, f.Org, f.Branch, f.Customer, f.Vehicle).Scan(&ro); err != nil {
		t.Fatal(err)
	}
	// Last month on front brake pads: the first technician sold 1 h in 2 h
	// clocked (0.5), the second 2 h in 1 h (2.0).
	history := func(tech int64, sold string, clocked time.Duration, daysAgo int) {
		var job int64
		if err := e.Admin.QueryRow(ctx, `INSERT INTO workshop.repair_job (organisation_id, branch_id, repair_order_id, labour_operation_id,
			job_category, concern, status, pay_type, assigned_technician_id) VALUES ($1, $2, $3, $4, 'brakes', 'Pads', 'done', 'customer', $5)
			RETURNING id`, f.Org, f.Branch, ro, brakes, tech).Scan(&job); err != nil {
			t.Fatal(err)
		}
		start := time.Now().AddDate(0, 0, -daysAgo).Truncate(time.Hour)
		if _, err := e.Admin.Exec(ctx, `INSERT INTO workshop.labour_line (organisation_id, branch_id, repair_job_id, description, sold_hours,
			labour_rate, sale_amount, technician_id) VALUES ($1, $2, $3, 'Pads', $4::numeric, 120, $4::numeric * 120, $5)`,
			f.Org, f.Branch, job, sold, tech); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Admin.Exec(ctx, `INSERT INTO core.time_clock_entry (organisation_id, branch_id, staff_id, kind, period, repair_job_id)
			VALUES ($1, $2, $3, 'job', tstzrange($4, $5, '[)'), $6)`, f.Org, f.Branch, tech, start, start.Add(clocked), job); err != nil {
			t.Fatal(err)
		}
	}
	history(first, "1", 2*time.Hour, 30)
	history(second, "2", time.Hour, 20)
	get := func(query string) workshop.Availability {
		t.Helper()
		res := e.Do(t, "receptionist", "GET", fmt.Sprintf("/v1/availability?branch_id=%d&date=%s&duration_minutes=60%s",
			f.Branch, f.Day.Format(time.DateOnly), query), nil)
		if res.Status != http.StatusOK {
			t.Fatalf("availability%s: %d %s", query, res.Status, res.Body)
		}
		var av workshop.Availability
		res.JSON(t, &av)
		if len(av.Slots) == 0 {
			t.Fatalf("availability%s: no slots", query)
		}
		return av
	}
	if s := get("").Slots[0]; s.TechnicianID != first || s.Proficiency != nil {
		t.Errorf("without operations: technician %d (proficiency %v), want the lowest id %d", s.TechnicianID, s.Proficiency, first)
	}
	s := get(fmt.Sprintf("&labour_operation_ids=%d", brakes)).Slots[0]
	if s.TechnicianID != second || s.Proficiency == nil || math.Abs(*s.Proficiency-2) > 1e-9 {
		t.Errorf("for front brake pads: technician %d (proficiency %v), want %d at 2.0", s.TechnicianID, s.Proficiency, second)
	}
	res := e.Do(t, "receptionist", "GET", fmt.Sprintf("/v1/availability?branch_id=%d&date=%s&duration_minutes=60&labour_operation_ids=x",
		f.Branch, f.Day.Format(time.DateOnly)), nil)
	if res.Status != http.StatusBadRequest {
		t.Errorf("bad labour_operation_ids: %d %s", res.Status, res.Body)
	}
}
