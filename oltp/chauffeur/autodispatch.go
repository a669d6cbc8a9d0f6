package chauffeur

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/oltp"
)

// Defaults of Worker.
const (
	DefaultHorizon  = 24 * time.Hour
	DefaultInterval = 30 * time.Second
	maxPerPass      = 500 // rides looked at per pass, so a pass always ends
	maxAttempts     = 3   // offers per ride per pass when a resource is taken concurrently
)

// AutoDispatch offers every confirmed, unassigned ride picked up within
// DefaultHorizon to a free chauffeur and vehicle, acting as p (a
// dispatcher or manager of one organisation; row-level security keeps it
// there). It returns the number of rides it dispatched.
func AutoDispatch(ctx context.Context, pool *pgxpool.Pool, p oltp.Principal, log *slog.Logger) (assigned int, err error) {
	w := &Worker{Pool: pool, Principal: p, Log: log}
	return w.Dispatch(ctx)
}

// Worker is the auto-dispatch loop. Any number of workers may run at once
// (in one process or many): each ride is claimed with FOR UPDATE SKIP
// LOCKED in its own transaction, so two workers never offer one ride, and
// the exclusion constraints stop them giving one chauffeur or vehicle two
// overlapping rides. A Worker is safe for concurrent use.
type Worker struct {
	Pool      *pgxpool.Pool  // the API's pool (cch_app)
	Principal oltp.Principal // who the worker acts as: role dispatcher or manager
	Log       *slog.Logger   // nil: no logging
	Interval  time.Duration  // between passes; default DefaultInterval
	Horizon   time.Duration  // how far ahead of now pickups are dispatched; default DefaultHorizon
}

// Run dispatches every Interval until ctx ends. A failed pass is logged
// and retried at the next tick.
func (w *Worker) Run(ctx context.Context) error {
	interval := w.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := w.Dispatch(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			w.log().Error("auto-dispatch pass failed", "err", err, "dispatched", n)
		case n > 0:
			w.log().Info("auto-dispatch pass", "dispatched", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Dispatch makes one pass over the board and returns how many rides it
// dispatched. Rides with no free chauffeur or vehicle are left confirmed.
func (w *Worker) Dispatch(ctx context.Context) (assigned int, err error) {
	var seen []int64
	for range maxPerPass {
		rideID, ok, err := w.dispatchOne(ctx, seen)
		if err != nil || rideID == 0 {
			return assigned, err
		}
		seen = append(seen, rideID)
		if ok {
			assigned++
		}
	}
	return assigned, nil
}

// claimSQL picks the next confirmed ride this pass has not looked at,
// skipping rides another worker or a dispatch screen holds.
const claimSQL = `
SELECT id, status::text, version, branch_id, pickup_at, estimated_duration_minutes, requested_vehicle_class::text, passenger_count
FROM chauffeur.ride_booking r
WHERE r.status = 'confirmed' AND r.pickup_at >= now() AND r.pickup_at < now() + make_interval(secs => $1)
  AND r.id <> ALL ($2::bigint[])
  AND NOT EXISTS (SELECT 1 FROM chauffeur.dispatch_assignment d WHERE d.ride_booking_id = r.id AND d.status IN ('offered', 'accepted'))
ORDER BY r.pickup_at, r.id
LIMIT 1
FOR UPDATE SKIP LOCKED`

// dispatchOne claims one ride and offers it, in one transaction. It
// returns the ride looked at (0: none left) and whether it was dispatched.
func (w *Worker) dispatchOne(ctx context.Context, seen []int64) (rideID int64, ok bool, err error) {
	horizon := w.Horizon
	if horizon <= 0 {
		horizon = DefaultHorizon
	}
	if seen == nil {
		seen = []int64{}
	}
	_, err = oltp.InTx(ctx, w.Pool, w.Principal, "auto-dispatch", false, func(tx pgx.Tx) error {
		var r rideLock
		err := tx.QueryRow(ctx, claimSQL, horizon.Seconds(), seen).Scan(&r.ID, &r.Status, &r.Version, &r.BranchID,
			&r.PickupAt, &r.DurationMinutes, &r.Class, &r.Passengers)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("claim ride: %w", err)
		}
		rideID = r.ID
		ok, err = w.offerFree(ctx, tx, r)
		return err
	})
	return rideID, ok, err
}

// freeSQL finds a chauffeur rostered at the ride's branch for the whole
// assignment period with no overlapping live assignment, and a vehicle of
// the branch, in service, of the requested class and big enough, likewise
// free (the smallest that fits).
const freeSQL = `
WITH p AS (SELECT tstzrange($2::timestamptz - make_interval(mins => $3), $2::timestamptz + make_interval(mins => $4), '[)') AS period)
SELECT c.id, v.id FROM p
CROSS JOIN LATERAL (
  SELECT c.id FROM chauffeur.chauffeur c
  JOIN core.staff_shift sh ON sh.staff_id = c.id AND sh.active AND sh.branch_id = $1 AND sh.period @> p.period
  WHERE c.active AND c.licence_expires_on >= $2::timestamptz::date
    AND NOT EXISTS (SELECT 1 FROM chauffeur.dispatch_assignment d
                    WHERE d.chauffeur_id = c.id AND d.status IN ('offered', 'accepted') AND d.period && p.period)
  ORDER BY c.id LIMIT 1) c
CROSS JOIN LATERAL (
  SELECT v.id FROM chauffeur.fleet_vehicle v
  WHERE v.branch_id = $1 AND v.active AND v.in_service @> p.period
    AND ($5::text IS NULL OR v.vehicle_class::text = $5) AND v.passenger_capacity >= $6
    AND NOT EXISTS (SELECT 1 FROM chauffeur.dispatch_assignment d
                    WHERE d.fleet_vehicle_id = v.id AND d.status IN ('offered', 'accepted') AND d.period && p.period)
  ORDER BY v.passenger_capacity, v.id LIMIT 1) v`

// offerFree offers the claimed ride to a free chauffeur and vehicle. A
// concurrent worker may take the same chauffeur or vehicle for an
// overlapping ride between the search and the insert: the exclusion
// constraint then refuses the offer, the savepoint undoes it and the
// search runs again.
func (w *Worker) offerFree(ctx context.Context, tx pgx.Tx, r rideLock) (bool, error) {
	for range maxAttempts {
		var chauffeurID, vehicleID int64
		err := tx.QueryRow(ctx, freeSQL, r.BranchID, r.PickupAt, leadMinutes, r.DurationMinutes, r.Class, r.Passengers).Scan(&chauffeurID, &vehicleID)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("find a free chauffeur and vehicle for ride %d: %w", r.ID, err)
		}
		sp, err := tx.Begin(ctx)
		if err != nil {
			return false, fmt.Errorf("savepoint: %w", err)
		}
		a, err := offer(ctx, sp, w.Principal, r, chauffeurID, vehicleID)
		if err == nil {
			w.log().Debug("auto-dispatch offered", "ride", r.ID, "assignment", a.ID, "chauffeur", chauffeurID, "vehicle", vehicleID)
			return true, sp.Commit(ctx)
		}
		if rbErr := sp.Rollback(ctx); rbErr != nil || !taken(err) {
			return false, errors.Join(err, rbErr)
		}
	}
	return false, nil
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// taken reports whether err is a lost race for a chauffeur or vehicle.
func taken(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "23P01" || pgErr.Code == "40P01")
}
