package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// ride is what a chauffeur sees of one of their rides.
type ride struct {
	ID           int64        `json:"id"`
	Status       string       `json:"status"`
	PickupAt     time.Time    `json:"pickup_at"`
	Duration     int          `json:"estimated_duration_minutes"`
	QuotedAmount *json.Number `json:"quoted_amount"`
	Assignment   *struct {
		ID          int64 `json:"id"`
		ChauffeurID int64 `json:"chauffeur_id"`
	} `json:"assignment"`
}

// rideProgress is each live status, the next one a chauffeur posts and
// when, relative to pickup (accepting an offer comes through dispatch).
var rideProgress = []struct {
	from, to string
	at       func(r ride) time.Time
}{
	{"dispatched", "accepted", func(r ride) time.Time { return r.PickupAt.Add(-24 * time.Hour) }},
	{"accepted", "on_the_way", func(r ride) time.Time { return r.PickupAt.Add(-40 * time.Minute) }},
	{"on_the_way", "on_location", func(r ride) time.Time { return r.PickupAt.Add(-5 * time.Minute) }},
	{"on_location", "passenger_on_board", func(r ride) time.Time { return r.PickupAt }},
	{"passenger_on_board", "completed", func(r ride) time.Time { return r.PickupAt.Add(time.Duration(r.Duration) * time.Minute) }},
}

// rideStep plays one chauffeur: the first of their rides whose next step
// is due moves on (an offer accepted, on the way, on location, passenger
// on board, completed and charged). A chauffeur with nothing to do lets
// the dispatcher take a booking instead.
func (s *Simulator) rideStep(ctx context.Context) error {
	ids := slices.Sorted(maps.Keys(s.cfg.Chauffeurs))
	who := pick(s, ids)
	me := chauffeurRole(who)
	for _, p := range rideProgress {
		var page struct {
			Items []ride `json:"items"`
		}
		if _, err := s.c.do(ctx, me, http.MethodGet, "/v1/rides?limit=50&status="+p.from, nil, "", http.StatusOK, &page); err != nil {
			return err
		}
		for _, r := range page.Items {
			if r.Assignment == nil || r.Assignment.ChauffeurID != who || p.at(r).After(s.now()) {
				continue
			}
			return s.moveRide(ctx, me, r, p.to)
		}
	}
	return s.bookRide(ctx)
}

func (s *Simulator) moveRide(ctx context.Context, me string, r ride, to string) error {
	if to == "accepted" {
		_, err := s.c.do(ctx, me, http.MethodPost, fmt.Sprintf("/v1/dispatch/%d/accept", r.Assignment.ID), nil, "", http.StatusOK, nil)
		return err
	}
	path := fmt.Sprintf("/v1/rides/%d", r.ID)
	if _, err := s.c.do(ctx, me, http.MethodPost, path+"/events", map[string]any{"status": to}, "", http.StatusCreated, nil); err != nil {
		return err
	}
	if to != "completed" {
		return nil
	}
	amount := json.Number("85.00")
	if r.QuotedAmount != nil {
		amount = *r.QuotedAmount
	}
	_, err := s.c.do(ctx, "dispatcher", http.MethodPost, path+"/charges", map[string]any{"component": "ride_base", "unit_amount": amount},
		"", http.StatusCreated, nil)
	return err
}

var rideServices = []string{"airport_arrival", "airport_departure", "point_to_point", "hourly"}

// bookRide takes a ride booking for a customer 2 to 30 hours ahead and
// confirms it; the auto-dispatch worker offers it to a chauffeur on shift.
func (s *Simulator) bookRide(ctx context.Context) error {
	if s.cfg.Tokens["dispatcher"] == "" || s.r.Float64() > 0.3 {
		return errIdle
	}
	branch := s.shop.branches[0]
	pairs := s.shop.pairs[branch]
	if len(pairs) == 0 {
		return errNoPair(branch)
	}
	service := pick(s, rideServices)
	dur := 45 + s.r.IntN(60)
	body := map[string]any{"branch_id": branch, "booker_customer_id": pick(s, pairs).customer, "service_type": service,
		"pickup_at":                  s.now().Add(time.Duration(2+s.r.IntN(28)) * time.Hour).Truncate(5 * time.Minute).Format(time.RFC3339),
		"estimated_duration_minutes": dur, "pickup_address": "Heathrow Airport", "dropoff_address": "12 Park Lane, London",
		"quoted_amount": json.Number(strconv.Itoa(60+dur) + ".00")}
	if service == "airport_arrival" {
		body["metadata"] = map[string]any{"flight_number": fmt.Sprintf("BA%d", 100+s.r.IntN(800)), "airline": "British Airways", "terminal": "5"}
	}
	var r ride
	if _, err := s.c.do(ctx, "dispatcher", http.MethodPost, "/v1/rides", body, "", http.StatusCreated, &r); err != nil {
		return err
	}
	if r.Status == "confirmed" {
		return nil
	}
	_, err := s.c.do(ctx, "dispatcher", http.MethodPost, fmt.Sprintf("/v1/rides/%d/events", r.ID), map[string]any{"status": "confirmed"},
		"", http.StatusCreated, nil)
	return err
}

// chauffeurRole names the client identity of chauffeur id.
func chauffeurRole(id int64) string { return "chauffeur " + strconv.FormatInt(id, 10) }
