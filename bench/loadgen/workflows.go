package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client calls the API as one bearer token.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

// Do sends a request (body marshalled as JSON when not nil; a
// json.RawMessage is sent as it is) and returns the status and headers;
// the body is read and discarded unless out is set.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) (int, http.Header, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case json.RawMessage:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, resp.Header, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, nil
}

// Lane is a bay and a technician booked together.
type Lane struct{ Bay, Technician int64 }

// Target is what the workflows book and query.
type Target struct {
	Branch, Customer, Vehicle int64
	Lanes                     []Lane
	// Day is the date availability is asked for.
	Day time.Time
	// Base is the first booking start; request seq books lane seq%len(Lanes)
	// at Base + (seq/len(Lanes))×Slot, so no two requests of a run overlap.
	Base time.Time
	Slot time.Duration // default 15 minutes
}

// BookingBody is the POST /v1/bookings body for request seq, encoded
// directly (the load generator shares the machine with the server it
// measures, so it spends as little as it can per request).
func (t Target) BookingBody(seq uint64) json.RawMessage {
	slot := t.Slot
	if slot == 0 {
		slot = 15 * time.Minute
	}
	l := t.Lanes[seq%uint64(len(t.Lanes))]
	starts := t.Base.Add(time.Duration(seq/uint64(len(t.Lanes))) * slot)
	b := make([]byte, 0, 256)
	b = strconv.AppendInt(append(b, `{"branch_id":`...), t.Branch, 10)
	b = strconv.AppendInt(append(b, `,"customer_id":`...), t.Customer, 10)
	b = strconv.AppendInt(append(b, `,"vehicle_id":`...), t.Vehicle, 10)
	b = starts.UTC().AppendFormat(append(b, `,"starts_at":"`...), time.RFC3339)
	b = strconv.AppendInt(append(b, `","duration_minutes":`...), int64(slot/time.Minute), 10)
	b = strconv.AppendInt(append(b, `,"bay_id":`...), l.Bay, 10)
	b = strconv.AppendInt(append(b, `,"technician_id":`...), l.Technician, 10)
	return append(b, `,"labour_operation_codes":[],"notes":"load"}`...)
}

// CreateBooking is POST /v1/bookings at conflict-free slots; created, when
// set, sees every 201's headers (X-CCH-LSN) with the time it arrived.
func CreateBooking(c *Client, t Target, created func(h http.Header, at time.Time)) Op {
	return Op{Name: "booking.create", Do: func(ctx context.Context, seq uint64) (int, error) {
		st, h, err := c.Do(ctx, http.MethodPost, "/v1/bookings", t.BookingBody(seq), nil)
		if err == nil && st == http.StatusCreated && created != nil {
			created(h, time.Now())
		}
		return st, err
	}}
}

// Availability is GET /v1/availability for the target's branch and day.
func Availability(c *Client, t Target) Op {
	path := fmt.Sprintf("/v1/availability?branch_id=%d&date=%s&duration_minutes=60", t.Branch, t.Day.Format(time.DateOnly))
	return Op{Name: "availability", Do: func(ctx context.Context, _ uint64) (int, error) {
		st, _, err := c.Do(ctx, http.MethodGet, path, nil, nil)
		return st, err
	}}
}

var searchTerms = []string{"smith", "jones", "ann", "example", "07", "road", "lee", "brown"}

// SearchCustomers is GET /v1/customers?q=… cycling through common terms.
func SearchCustomers(c *Client) Op {
	return Op{Name: "customer.search", Do: func(ctx context.Context, seq uint64) (int, error) {
		q := url.Values{"q": {searchTerms[seq%uint64(len(searchTerms))]}, "limit": {"20"}}
		st, _, err := c.Do(ctx, http.MethodGet, "/v1/customers?"+q.Encode(), nil, nil)
		return st, err
	}}
}

// Discover finds bookable lanes, a customer and a vehicle from the
// branch's existing bookings (the API's own view).
func Discover(ctx context.Context, c *Client, branch int64) (Target, error) {
	var page struct {
		Items []struct {
			CustomerID   int64  `json:"customer_id"`
			VehicleID    int64  `json:"vehicle_id"`
			BayID        *int64 `json:"bay_id"`
			TechnicianID *int64 `json:"technician_id"`
		} `json:"items"`
	}
	st, _, err := c.Do(ctx, http.MethodGet, fmt.Sprintf("/v1/bookings?branch_id=%d&limit=200", branch), nil, &page)
	if err != nil {
		return Target{}, err
	}
	if st != http.StatusOK {
		return Target{}, fmt.Errorf("list bookings of branch %d: HTTP %d", branch, st)
	}
	t := Target{Branch: branch}
	// A lane's bay and technician are each used by no other lane, so
	// lanes never conflict with one another.
	bays, techs := map[int64]bool{}, map[int64]bool{}
	for _, b := range page.Items {
		if b.BayID == nil || b.TechnicianID == nil {
			continue
		}
		if t.Customer == 0 {
			t.Customer, t.Vehicle = b.CustomerID, b.VehicleID
		}
		if !bays[*b.BayID] && !techs[*b.TechnicianID] {
			bays[*b.BayID], techs[*b.TechnicianID] = true, true
			t.Lanes = append(t.Lanes, Lane{*b.BayID, *b.TechnicianID})
		}
	}
	return t, nil
}
