package simulate

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// rotaAhead is how far ahead the manager keeps the rota planned.
const rotaAhead = 28

type shift struct {
	StaffID      int64     `json:"staff_id"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	BreakMinutes int       `json:"break_minutes"`
	Productive   bool      `json:"productive"`
	Active       bool      `json:"active"`
}

// planRota keeps each branch's rota planned four weeks ahead, as a manager
// does through /v1/shifts: a day with no shift yet (Sundays stay closed)
// gets the shifts of the same weekday a week earlier.
func (s *Simulator) planRota(ctx context.Context) error {
	s.lastRota = s.now()
	today := s.now().UTC().Truncate(24 * time.Hour)
	for _, branch := range s.shop.branches {
		for d := 1; d < rotaAhead; d++ {
			day := today.AddDate(0, 0, d)
			if day.Weekday() == time.Sunday {
				continue
			}
			planned, err := s.shiftsOn(ctx, branch, day)
			if err != nil || len(planned) > 0 {
				if err != nil {
					return err
				}
				continue
			}
			if err := s.copyRota(ctx, branch, day); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyRota rosters on day the active shifts of the same weekday a week
// before.
func (s *Simulator) copyRota(ctx context.Context, branch int64, day time.Time) error {
	last, err := s.shiftsOn(ctx, branch, day.AddDate(0, 0, -7))
	if err != nil {
		return err
	}
	for _, sh := range last {
		if !sh.Active {
			continue
		}
		body := map[string]any{"branch_id": branch, "staff_id": sh.StaffID, "starts_at": sh.StartsAt.AddDate(0, 0, 7).Format(time.RFC3339),
			"ends_at": sh.EndsAt.AddDate(0, 0, 7).Format(time.RFC3339), "break_minutes": sh.BreakMinutes, "productive": sh.Productive}
		_, err := s.c.do(ctx, "manager", http.MethodPost, "/v1/shifts", body, "", http.StatusCreated, nil)
		if err != nil && !refused(err, http.StatusConflict, http.StatusForbidden, http.StatusUnprocessableEntity) {
			return err // a clash, a staff member out of scope or gone: that shift is left out
		}
	}
	return nil
}

// shiftsOn lists branch's shifts starting on day (UTC date).
func (s *Simulator) shiftsOn(ctx context.Context, branch int64, day time.Time) ([]shift, error) {
	var page struct {
		Items []shift `json:"items"`
	}
	path := fmt.Sprintf("/v1/shifts?limit=200&branch_id=%d&from=%s&to=%s", branch, day.Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly))
	_, err := s.c.do(ctx, "manager", http.MethodGet, path, nil, "", http.StatusOK, &page)
	return page.Items, err
}
