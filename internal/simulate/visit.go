package simulate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/carcarehub/cch/oltp"
)

// visit is a booked vehicle on its way through the workshop: arrival
// (check-in to a repair order), authorisation, the job approved and done,
// labour and parts, invoice, payment.
type visit struct {
	branch, customer  int64
	booking           int64
	bookingETag       string
	next              time.Time // when the next stage is due
	stage             int
	ro, job           int64
	technician        string // client identity of the job's technician
	roVersion, jobVer int32
	invoice           int64
	gross             string
}

var stageNames = []string{"arrival", "authorisation", "job approval", "clock on", "clock off", "job completion", "labour and parts", "invoice", "payment"}

func (v *visit) stageName() string { return stageNames[v.stage] }

// errIdle: nothing to do this time (closed, fully booked); errBusy: the
// stage waits (the technician is still on another job).
var (
	errIdle = errors.New("nothing to do")
	errBusy = errors.New("busy")
)

// advance runs v's due stage; on success the next is due a little later
// (after the last, v is done). A refused stage drops the visit: staff
// would sort it out by hand.
func (s *Simulator) advance(ctx context.Context, v *visit) error {
	stages := []func(context.Context, *visit) error{s.arrive, s.authorise, s.approve, s.clockOn, s.clockOff, s.complete, s.labourAndParts, s.invoice, s.pay}
	err := stages[v.stage](ctx, v)
	if errors.Is(err, errBusy) {
		v.next = s.now().Add(time.Duration(20+s.r.IntN(40)) * time.Second)
		return errIdle
	}
	if err != nil {
		s.shop.drop(v)
		return err
	}
	v.stage++
	if v.stage == len(stages) {
		s.shop.drop(v)
		return nil
	}
	v.next = s.now().Add(time.Duration(2+s.r.IntN(15)) * time.Second)
	return nil
}

func (s *Simulator) arrive(ctx context.Context, v *visit) error {
	var ro struct {
		ID      int64 `json:"id"`
		Version int32 `json:"version"`
	}
	body := map[string]any{"odometer_miles": 8000 + s.r.IntN(90000)}
	if _, err := s.c.do(ctx, "receptionist", http.MethodPost, fmt.Sprintf("/v1/bookings/%d/check-in", v.booking), body, v.bookingETag,
		http.StatusCreated, &ro); err != nil {
		return err
	}
	v.ro, v.roVersion = ro.ID, ro.Version
	return nil
}

func (s *Simulator) authorise(ctx context.Context, v *visit) error {
	var d struct {
		Version int32 `json:"version"`
		Jobs    []struct {
			ID         int64  `json:"id"`
			Version    int32  `json:"version"`
			Technician *int64 `json:"assigned_technician_id"`
		} `json:"jobs"`
	}
	path := "/v1/repair-orders/" + strconv.FormatInt(v.ro, 10)
	if _, err := s.c.do(ctx, "receptionist", http.MethodGet, path, nil, "", http.StatusOK, &d); err != nil {
		return err
	}
	if len(d.Jobs) == 0 {
		return errors.New("repair order without jobs")
	}
	v.job, v.jobVer = d.Jobs[0].ID, d.Jobs[0].Version
	t := d.Jobs[0].Technician
	if t == nil || s.c.tokens[technicianRole(*t)] == "" {
		return errors.New("the job's technician is not one the simulator plays")
	}
	v.technician = technicianRole(*t)
	_, err := s.c.do(ctx, "receptionist", http.MethodPost, path+"/status", map[string]any{"status": "authorised"},
		oltp.ETag(v.ro, d.Version), http.StatusOK, nil)
	return err
}

func (s *Simulator) approve(ctx context.Context, v *visit) error {
	_, err := s.c.do(ctx, "receptionist", http.MethodPost, fmt.Sprintf("/v1/repair-jobs/%d/approve", v.job), map[string]any{},
		oltp.ETag(v.job, v.jobVer), http.StatusOK, nil)
	return err
}

func (s *Simulator) clockOn(ctx context.Context, v *visit) error {
	_, err := s.c.do(ctx, v.technician, http.MethodPost, fmt.Sprintf("/v1/repair-jobs/%d/clock-on", v.job), map[string]any{}, "", http.StatusCreated, nil)
	if refusedAs(err, "already-clocked-on") {
		return errBusy
	}
	return err
}

func (s *Simulator) clockOff(ctx context.Context, v *visit) error {
	_, err := s.c.do(ctx, v.technician, http.MethodPost, fmt.Sprintf("/v1/repair-jobs/%d/clock-off", v.job), map[string]any{}, "", http.StatusOK, nil)
	return err
}

func (s *Simulator) complete(ctx context.Context, v *visit) error {
	body := map[string]any{"correction": pick(s, []string{"serviced to schedule", "replaced and road tested", "adjusted and checked", "repaired"})}
	_, err := s.c.do(ctx, v.technician, http.MethodPost, fmt.Sprintf("/v1/repair-jobs/%d/complete", v.job), body, "", http.StatusOK, nil)
	return err
}

// labourAndParts adds the sold labour and, when the branch has one in
// stock, a part issued from stock.
func (s *Simulator) labourAndParts(ctx context.Context, v *visit) error {
	hours := float64(2+s.r.IntN(9)) / 4
	if _, err := s.c.do(ctx, "receptionist", http.MethodPost, fmt.Sprintf("/v1/repair-jobs/%d/labour-lines", v.job),
		map[string]any{"sold_hours": hours}, "", http.StatusCreated, nil); err != nil {
		return err
	}
	part, price, ok, err := s.partInStock(ctx, v.branch)
	if err != nil || !ok {
		return err
	}
	_, err = s.c.do(ctx, "receptionist", http.MethodPost, fmt.Sprintf("/v1/repair-jobs/%d/part-lines", v.job),
		map[string]any{"part_id": part, "quantity": "1", "unit_price": price}, "", http.StatusCreated, nil)
	if refused(err, http.StatusConflict, http.StatusUnprocessableEntity) {
		return nil // sold out meanwhile: labour only
	}
	return err
}

// partInStock picks a part with stock at branch and a selling price.
func (s *Simulator) partInStock(ctx context.Context, branch int64) (part int64, price string, ok bool, err error) {
	var stock struct {
		Items []struct {
			PartID      int64  `json:"part_id"`
			Available   string `json:"available"`
			AverageCost string `json:"average_cost"`
		} `json:"items"`
	}
	path := "/v1/stock?limit=200&branch_id=" + strconv.FormatInt(branch, 10)
	if _, err := s.c.do(ctx, "manager", http.MethodGet, path, nil, "", http.StatusOK, &stock); err != nil {
		return 0, "", false, err
	}
	for range 5 {
		if len(stock.Items) == 0 {
			break
		}
		it := pick(s, stock.Items)
		if number(it.Available) >= 1 {
			return it.PartID, strconv.FormatFloat(max(5, number(it.AverageCost))*1.6, 'f', 2, 64), true, nil
		}
	}
	return 0, "", false, nil
}

func (s *Simulator) invoice(ctx context.Context, v *visit) error {
	var inv struct {
		ID         int64  `json:"id"`
		GrossTotal string `json:"gross_total"`
	}
	if _, err := s.c.do(ctx, "finance", http.MethodPost, "/v1/invoices", map[string]any{"repair_order_id": v.ro}, "", http.StatusCreated, &inv); err != nil {
		return err
	}
	if _, err := s.c.do(ctx, "finance", http.MethodPost, fmt.Sprintf("/v1/invoices/%d/issue", inv.ID), nil, "", http.StatusOK, &inv); err != nil {
		return err
	}
	v.invoice, v.gross = inv.ID, inv.GrossTotal
	return nil
}

func (s *Simulator) pay(ctx context.Context, v *visit) error {
	body := map[string]any{"branch_id": v.branch, "customer_id": v.customer, "method": pick(s, []string{"card", "card", "card", "cash"}),
		"amount": v.gross, "allocations": []map[string]any{{"invoice_id": v.invoice, "amount": v.gross}}}
	_, err := s.c.do(ctx, "finance", http.MethodPost, "/v1/payments", body, "", http.StatusCreated, nil)
	return err
}
