package simulate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/carcarehub/cch/oltp"
)

// shop is what the simulator has learnt about the business through the
// API, and the visits it is working on.
type shop struct {
	branches []int64
	pairs    map[int64][]pair // branch → customers with a vehicle they brought before
	codes    []string         // labour operation codes seen on bookings
	visits   []*visit
}

// pair is a customer and a vehicle of theirs.
type pair struct{ customer, vehicle int64 }

// maxAhead is how many future bookings the simulator remembers to check in.
const maxAhead = 5000

// learn reads branches, customers with their vehicles and labour
// operations from the API (as the receptionist sees them).
func (s *Simulator) learn(ctx context.Context) error {
	var custs struct {
		Items []struct {
			HomeBranchID *int64 `json:"home_branch_id"`
		} `json:"items"`
	}
	if _, err := s.c.do(ctx, "receptionist", http.MethodGet, "/v1/customers?limit=200", nil, "", http.StatusOK, &custs); err != nil {
		return err
	}
	sh := shop{pairs: map[int64][]pair{}}
	for _, c := range custs.Items {
		if c.HomeBranchID != nil && !slices.Contains(sh.branches, *c.HomeBranchID) {
			sh.branches = append(sh.branches, *c.HomeBranchID)
		}
	}
	slices.Sort(sh.branches)
	for _, b := range sh.branches {
		if err := s.learnBranch(ctx, &sh, b); err != nil {
			return err
		}
	}
	if len(sh.codes) == 0 {
		return errors.New("no labour operation codes on any booking yet")
	}
	slices.Sort(sh.codes)
	s.shop = sh
	return nil
}

func (s *Simulator) learnBranch(ctx context.Context, sh *shop, branch int64) error {
	return s.learnBookings(ctx, sh, branch)
}

// learnBookings pages through the branch's bookings: the labour
// operations they name, and the forward book (booked or confirmed, from
// two hours ago on), whose vehicles will arrive at their times, and each
// customer's latest vehicle.
func (s *Simulator) learnBookings(ctx context.Context, sh *shop, branch int64) error {
	latest := map[int64]int64{} // customer → vehicle of their latest booking
	defer func() {
		for c, v := range latest {
			sh.pairs[branch] = append(sh.pairs[branch], pair{c, v})
		}
		slices.SortFunc(sh.pairs[branch], func(a, b pair) int { return int(a.customer - b.customer) })
	}()
	cursor := ""
	for range 500 {
		var page struct {
			Items []struct {
				ID         int64     `json:"id"`
				CustomerID int64     `json:"customer_id"`
				VehicleID  int64     `json:"vehicle_id"`
				StartsAt   time.Time `json:"starts_at"`
				Status     string    `json:"status"`
				Codes      []string  `json:"labour_operation_codes"`
				Version    int32     `json:"version"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		path := fmt.Sprintf("/v1/bookings?limit=200&branch_id=%d", branch)
		if cursor != "" { // the first page has none: an empty cursor is refused
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if _, err := s.c.do(ctx, "receptionist", http.MethodGet, path, nil, "", http.StatusOK, &page); err != nil {
			return err
		}
		for _, b := range page.Items {
			latest[b.CustomerID] = b.VehicleID
			for _, c := range b.Codes {
				if !slices.Contains(sh.codes, c) {
					sh.codes = append(sh.codes, c)
				}
			}
			if (b.Status == "booked" || b.Status == "confirmed") && b.StartsAt.After(s.now().Add(-2*time.Hour)) {
				sh.visits = append(sh.visits, &visit{branch: branch, customer: b.CustomerID, booking: b.ID,
					bookingETag: oltp.ETag(b.ID, b.Version), next: b.StartsAt})
			}
		}
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
	return nil
}

// due is the visit whose next stage is due at now, earliest first.
func (sh *shop) due(now time.Time) *visit {
	var best *visit
	for _, v := range sh.visits {
		if !v.next.After(now) && (best == nil || v.next.Before(best.next)) {
			best = v
		}
	}
	return best
}

func (sh *shop) drop(v *visit) {
	sh.visits = slices.DeleteFunc(sh.visits, func(x *visit) bool { return x == v })
}

func (sh *shop) forget(branch int64, p pair) {
	sh.pairs[branch] = slices.DeleteFunc(sh.pairs[branch], func(x pair) bool { return x == p })
}

// refused reports whether err is the API refusing with one of statuses.
func refused(err error, statuses ...int) bool {
	var e *apiError
	return errors.As(err, &e) && slices.Contains(statuses, e.status)
}

// refusedAs reports whether err is the API refusing with problem kind.
func refusedAs(err error, kind string) bool {
	var e *apiError
	return errors.As(err, &e) && e.kind == kind
}

func errNoPair(branch int64) error {
	return fmt.Errorf("no known customer with a vehicle at branch %d", branch)
}
