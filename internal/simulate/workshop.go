package simulate

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// The pace of new custom, whatever the rate: a booking call at most every
// minBookingGap, a walk-in at most every minWalkInGap (the forward book's
// arrivals come on top), so the figures move like a busy business's.
const (
	minBookingGap = 30 * time.Second
	minWalkInGap  = 10 * time.Minute
)

// minFreeSlots: the simulator books ahead only while a day keeps this
// many free slots, so people trying the demo always find some.
const minFreeSlots = 12

type slot struct {
	StartsAt     time.Time `json:"starts_at"`
	BayID        int64     `json:"bay_id"`
	TechnicianID int64     `json:"technician_id"`
}

// bookAhead books a free slot 1 to 28 days ahead (more of them soon) for
// a returning customer, as a receptionist on the phone would.
func (s *Simulator) bookAhead(ctx context.Context) error {
	if s.now().Sub(s.lastBooking) < minBookingGap {
		return errIdle
	}
	s.lastBooking = s.now()
	days := 1 + int(27*math.Pow(s.r.Float64(), 1.5))
	_, err := s.book(ctx, s.now().AddDate(0, 0, days), pick(s, []string{"phone", "web", "app", "phone"}))
	return err
}

// walkIn books the first free slot from now for a customer at the desk;
// the visit starts at once. A closed or full day is no action.
func (s *Simulator) walkIn(ctx context.Context) error {
	if s.now().Sub(s.lastWalkIn) < minWalkInGap {
		return errIdle
	}
	s.lastWalkIn = s.now()
	v, err := s.book(ctx, s.now(), "walk_in")
	if v != nil {
		v.next = s.now()
	}
	return err
}

// book finds free slots on day's date at a branch and books one.
func (s *Simulator) book(ctx context.Context, day time.Time, channel string) (*visit, error) {
	branch := pick(s, s.shop.branches)
	pairs := s.shop.pairs[branch]
	if len(pairs) == 0 {
		return nil, errNoPair(branch)
	}
	p := pick(s, pairs)
	dur := pick(s, []int{60, 60, 90, 120})
	var av struct {
		Slots []slot `json:"slots"`
	}
	q := fmt.Sprintf("/v1/availability?branch_id=%d&date=%s&duration_minutes=%d", branch, day.UTC().Format(time.DateOnly), dur)
	if _, err := s.c.do(ctx, "receptionist", http.MethodGet, q, nil, "", http.StatusOK, &av); err != nil {
		return nil, err
	}
	var free []slot
	for _, sl := range av.Slots {
		if sl.StartsAt.After(s.now().Add(time.Minute)) {
			free = append(free, sl)
		}
	}
	if len(free) == 0 || (channel != "walk_in" && len(free) < minFreeSlots) {
		return nil, errIdle // closed or (nearly) fully booked: nobody is booked
	}
	sl := free[0]
	if channel != "walk_in" {
		sl = pick(s, free)
	}
	body := map[string]any{"branch_id": branch, "customer_id": p.customer, "vehicle_id": p.vehicle,
		"starts_at": sl.StartsAt.Format(time.RFC3339), "duration_minutes": dur, "bay_id": sl.BayID, "technician_id": sl.TechnicianID,
		"labour_operation_codes": []string{pick(s, s.shop.codes)}, "notes": "", "channel": channel}
	var b struct {
		ID int64 `json:"id"`
	}
	r, err := s.c.do(ctx, "receptionist", http.MethodPost, "/v1/bookings", body, "", http.StatusCreated, &b)
	if refused(err, http.StatusUnprocessableEntity) {
		s.shop.forget(branch, p) // e.g. the vehicle has a new keeper
	}
	if err != nil {
		return nil, err
	}
	v := &visit{branch: branch, customer: p.customer, booking: b.ID, bookingETag: r.etag, next: sl.StartsAt}
	if len(s.shop.visits) < maxAhead {
		s.shop.visits = append(s.shop.visits, v)
	}
	return v, nil
}

// restock receives a delivery of a part that is at or below its reorder
// point at a branch (stock movement through the API).
func (s *Simulator) restock(ctx context.Context) error {
	branch := pick(s, s.shop.branches)
	var stock struct {
		Items []struct {
			PartID       int64  `json:"part_id"`
			Available    string `json:"available"`
			ReorderPoint string `json:"reorder_point"`
			ReorderQty   string `json:"reorder_qty"`
			AverageCost  string `json:"average_cost"`
		} `json:"items"`
	}
	if _, err := s.c.do(ctx, "manager", http.MethodGet, "/v1/stock?limit=200&branch_id="+strconv.FormatInt(branch, 10), nil, "", http.StatusOK, &stock); err != nil {
		return err
	}
	for _, it := range stock.Items {
		if number(it.Available) > number(it.ReorderPoint) {
			continue
		}
		qty := math.Max(1, number(it.ReorderQty))
		cost := math.Max(1, number(it.AverageCost))
		body := map[string]any{"branch_id": branch, "part_id": it.PartID, "quantity": strconv.FormatFloat(qty, 'f', 0, 64),
			"unit_cost": strconv.FormatFloat(cost, 'f', 2, 64), "reference": "delivery"}
		_, err := s.c.do(ctx, "manager", http.MethodPost, "/v1/stock/receipts", body, "", http.StatusCreated, nil)
		return err
	}
	return nil
}

func number(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func pick[T any](s *Simulator, xs []T) T { return xs[s.r.IntN(len(xs))] }
