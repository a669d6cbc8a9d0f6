package simulate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Config configures a Simulator. Zero fields take the documented default.
type Config struct {
	// BaseURL of the running API, e.g. http://127.0.0.1:8080. Required.
	BaseURL string
	// Tokens by business role (cch dev's tokens.json); receptionist,
	// manager and finance are required.
	Tokens map[string]string
	// Technicians are bearer tokens of technicians by staff id: a job is
	// clocked on, off and completed by the technician it is assigned to
	// (jobs of technicians without a token are left for staff).
	Technicians map[int64]string
	// Chauffeurs are bearer tokens of chauffeurs by staff id: each accepts
	// their own offers and posts their rides' progress. None: no rides.
	Chauffeurs map[int64]string
	// Rate is business actions per second (each one API workflow step).
	// Default 0.5; at most 50.
	Rate float64
	// Seed of the simulator's choices. Default: the current time.
	Seed uint64
	// Log receives what happened (debug) and refusals (info). Default: discard.
	Log *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Simulator drives the API as the demo business's staff would. Run it
// once; Actions and Refusals are safe to read concurrently.
type Simulator struct {
	cfg  Config
	c    *client
	r    *rand.Rand
	log  *slog.Logger
	now  func() time.Time
	shop shop

	actions, refusals                 atomic.Int64
	lastBooking, lastWalkIn, lastRota time.Time
}

// New validates cfg and returns a Simulator.
func New(cfg Config) (*Simulator, error) {
	var errs []error
	if cfg.BaseURL == "" {
		errs = append(errs, errors.New("simulate: BaseURL is required"))
	}
	for _, role := range []string{"receptionist", "manager", "finance"} {
		if cfg.Tokens[role] == "" {
			errs = append(errs, fmt.Errorf("simulate: a %s token is required", role))
		}
	}
	if cfg.Rate == 0 {
		cfg.Rate = 0.5
	}
	if cfg.Rate < 0 || cfg.Rate > 50 {
		errs = append(errs, fmt.Errorf("simulate: rate %g: want 0 < rate <= 50 actions per second", cfg.Rate))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tokens := maps.Clone(cfg.Tokens)
	for id, tok := range cfg.Technicians {
		tokens[technicianRole(id)] = tok
	}
	for id, tok := range cfg.Chauffeurs {
		tokens[chauffeurRole(id)] = tok
	}
	return &Simulator{cfg: cfg, c: &client{base: cfg.BaseURL, tokens: tokens, http: &http.Client{Timeout: 30 * time.Second}},
		r: rand.New(rand.NewPCG(cfg.Seed, 0x73696d)), log: cfg.Log, now: cfg.Now}, nil
}

// Actions is the number of workflow steps the API accepted so far.
func (s *Simulator) Actions() int64 { return s.actions.Load() }

// Refusals is the number of steps the API refused (or that failed).
func (s *Simulator) Refusals() int64 { return s.refusals.Load() }

// Run learns the business (branches, customers, labour operations) and
// then takes one step every 1/Rate seconds until ctx ends.
func (s *Simulator) Run(ctx context.Context) error {
	for {
		err := s.learn(ctx)
		if err == nil {
			break
		}
		s.refusals.Add(1)
		s.log.Warn("simulator waiting for the business to be readable", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Second):
		}
	}
	s.log.Info("business simulator running", "rate_per_second", s.cfg.Rate, "branches", len(s.shop.branches))
	tick := time.NewTicker(time.Duration(float64(time.Second) / s.cfg.Rate))
	defer tick.Stop()
	for {
		s.step(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// step takes one action: the next stage of a visit that is due, else a
// new booking (for later) or a walk-in (now), now and then a stock receipt.
func (s *Simulator) step(ctx context.Context) {
	var err error
	var what string
	switch v := s.shop.due(s.now()); {
	case s.lastBooking.IsZero(): // the phone rings as the day's play starts
		what, err = "booking", s.bookAhead(ctx)
	case s.now().Sub(s.lastRota) > time.Hour:
		what, err = "rota", s.planRota(ctx)
	case v != nil:
		what, err = v.stageName(), s.advance(ctx, v)
	case len(s.cfg.Chauffeurs) > 0 && s.r.Float64() < 0.3:
		what, err = "ride", s.rideStep(ctx)
	case s.r.Float64() < 0.35:
		what, err = "walk-in", s.walkIn(ctx)
	case s.r.Float64() < 0.1:
		what, err = "stock receipt", s.restock(ctx)
	default:
		what, err = "booking", s.bookAhead(ctx)
	}
	if ctx.Err() != nil {
		return
	}
	if errors.Is(err, errIdle) {
		return
	}
	if err != nil {
		s.refusals.Add(1)
		s.log.Info("simulated action refused", "action", what, "err", err)
		return
	}
	s.actions.Add(1)
	s.log.Debug("simulated action", "action", what)
}

// technicianRole names the client identity of technician id.
func technicianRole(id int64) string { return "technician " + strconv.FormatInt(id, 10) }
