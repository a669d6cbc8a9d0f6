package customers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/carcarehub/cch/oltp"
)

// FeedbackRequest records a customer's CSAT (1–5) and/or NPS (0–10) after
// a repair order or a ride.
type FeedbackRequest struct {
	CustomerID    int64   `json:"customer_id"`
	RepairOrderID *int64  `json:"repair_order_id,omitempty"`
	RideBookingID *int64  `json:"ride_booking_id,omitempty"`
	CSAT          *int    `json:"csat_score,omitempty"`
	NPS           *int    `json:"nps_score,omitempty"`
	Comment       *string `json:"comment,omitempty"`
}

// Feedback is the stored feedback.
type Feedback struct {
	ID         int64     `json:"id"`
	CustomerID int64     `json:"customer_id"`
	ReceivedAt time.Time `json:"received_at"`
}

func (r *FeedbackRequest) validate() error {
	var errs []error
	if r.CustomerID <= 0 {
		errs = append(errs, errors.New("customer_id must be a positive integer"))
	}
	if r.RepairOrderID != nil && r.RideBookingID != nil {
		errs = append(errs, errors.New("give repair_order_id or ride_booking_id, not both"))
	}
	if r.CSAT == nil && r.NPS == nil {
		errs = append(errs, errors.New("csat_score or nps_score is required"))
	}
	if r.CSAT != nil && (*r.CSAT < 1 || *r.CSAT > 5) {
		errs = append(errs, errors.New("csat_score must be from 1 to 5"))
	}
	if r.NPS != nil && (*r.NPS < 0 || *r.NPS > 10) {
		errs = append(errs, errors.New("nps_score must be from 0 to 10"))
	}
	if r.Comment != nil && len(*r.Comment) > 2000 {
		errs = append(errs, errors.New("comment is limited to 2000 characters"))
	}
	if len(errs) > 0 {
		return oltp.Unprocessable(errors.Join(errs...).Error())
	}
	return nil
}

func registerFeedback(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/feedback", Summary: "Record customer feedback (CSAT/NPS)",
		Roles: []string{"receptionist", "manager", "dispatcher"}, Request: FeedbackRequest{}, Response: Feedback{}, Status: http.StatusCreated}, addFeedback)
}

// addFeedback takes the branch from the repair order or ride it is about.
func addFeedback(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	var req FeedbackRequest
	if err := call.Bind(&req); err != nil {
		return oltp.Result{}, err
	}
	if err := req.validate(); err != nil {
		return oltp.Result{}, err
	}
	// The branch comes from what the feedback is about; each role reads
	// only its own area (the front desk has no access to rides). What the
	// caller cannot see reads as missing (404), whoever holds it.
	var ro, ride int64
	if req.RepairOrderID != nil {
		ro = *req.RepairOrderID
	}
	if req.RideBookingID != nil {
		ride = *req.RideBookingID
	}
	if err := oltp.Visible(ctx, call.Tx, oltp.Ref{What: "customer", Table: "core.customer", ID: req.CustomerID},
		oltp.Ref{What: "repair order", Table: "workshop.repair_order", ID: ro},
		oltp.Ref{What: "ride", Table: "chauffeur.ride_booking", ID: ride}); err != nil {
		return oltp.Result{}, err
	}
	var branch *int64
	var err error
	switch {
	case req.RepairOrderID != nil:
		err = call.Tx.QueryRow(ctx, `SELECT branch_id FROM workshop.repair_order WHERE id = $1`, *req.RepairOrderID).Scan(&branch)
	case req.RideBookingID != nil:
		err = call.Tx.QueryRow(ctx, `SELECT branch_id FROM chauffeur.ride_booking WHERE id = $1`, *req.RideBookingID).Scan(&branch)
	}
	if err != nil {
		return oltp.Result{}, err
	}
	var f Feedback
	err = call.Tx.QueryRow(ctx, `INSERT INTO core.customer_feedback (organisation_id, branch_id, customer_id, repair_order_id,
		ride_booking_id, csat_score, nps_score, comment, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
		RETURNING id, customer_id, received_at`,
		call.P.OrganisationID, branch, req.CustomerID, req.RepairOrderID, req.RideBookingID, req.CSAT, req.NPS, req.Comment,
	).Scan(&f.ID, &f.CustomerID, &f.ReceivedAt)
	if err != nil {
		return oltp.Result{}, err
	}
	f.ReceivedAt = f.ReceivedAt.UTC()
	return oltp.Result{Status: http.StatusCreated, Body: f}, nil
}
