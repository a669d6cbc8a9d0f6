package bench

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/bench/loadgen"
	"github.com/carcarehub/cch/internal/pglocal"
)

// ReplicaConfig sizes the reporting-on-the-standby suite.
type ReplicaConfig struct {
	Dir string // scratch directory (the primary and the standby go under it)
	// Rate is the bookings/s to offer (open model). When the seed writes
	// achieve less than 95% of it, the measured phases offer 70% of what
	// the seed achieved instead (the highest the machine sustains with
	// room for the reports), and the figures say so.
	Rate     float64
	Seed     time.Duration // writes at Rate before measuring: the dataset the reports read, and the warm-up
	Duration time.Duration // each measured phase
	// ReportRate is the report reads/s offered (open model) in each
	// measured phase: the same offered load on the standby and the primary.
	ReportRate float64
	Lanes      int // bay/technician pairs the writes rotate over
}

// ReplicaResult is what the suite saw beyond the figures.
type ReplicaResult struct {
	Standby, Primary replicaPhase
	Seeded           int     // bookings in the database before the measured phases
	SeedRate         float64 // bookings/s the seed achieved at cfg.Rate offered
	Rate             float64 // bookings/s offered in the measured phases
}

// replicaPhase is one measured phase: the writes, the report reads and
// where the API said it served them, and the standby's lag meanwhile.
type replicaPhase struct {
	Writes       loadgen.Result
	Reads        []time.Duration // sorted
	ReadFrom     map[string]int  // X-CCH-Read-From ("" when not routed)
	ReadsDropped int
	LagMax       time.Duration // pg_stat_replication.replay_lag, largest sample
	LagP50       time.Duration
	LagMaxBytes  int64
}

// ReplicaReports starts a durable primary with an asynchronous hot standby
// (pglocal.StartStandby), migrates it and loads the booking fixture,
// writes cfg.Seed of bookings, then runs two phases of cfg.Duration, each
// offering cfg.Rate bookings/s (or what the machine sustains, see
// ReplicaConfig.Rate; POST /v1/bookings, open model) while
// cfg.ReportRate reads/s (open model) page through the branch's booking list (GET
// /v1/bookings?branch_id=…&limit=200, the API's list read): first through
// an API whose list and report reads go to the standby (oltp.Replica, as
// `cch api --replica-url`), then through one without a replica, so the
// same reads run on the primary. It reports the write p99 and the report
// latency of both phases and the standby's replay lag.
func ReplicaReports(ctx context.Context, cfg ReplicaConfig, log func(string, ...any)) ([]Figure, ReplicaResult, error) {
	var res ReplicaResult
	quiet := slog.New(slog.DiscardHandler)
	primary, err := pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(cfg.Dir, "pg"), Logger: quiet})
	if err != nil {
		return nil, res, fmt.Errorf("start primary: %w", err)
	}
	defer primary.Stop(context.WithoutCancel(ctx))
	db, err := NewDB(ctx, primary, "bench_replica")
	if err != nil {
		return nil, res, err
	}
	fix, err := LoadFixture(ctx, db.AdminURL, cfg.Lanes)
	if err != nil {
		return nil, res, err
	}
	standby, err := pglocal.StartStandby(ctx, primary, pglocal.Config{Dir: filepath.Join(cfg.Dir, "standby"), Logger: quiet})
	if err != nil {
		return nil, res, fmt.Errorf("start standby: %w", err)
	}
	defer standby.Stop(context.WithoutCancel(ctx))
	if err := primary.WaitStreaming(ctx, false); err != nil {
		return nil, res, err
	}
	conns := 32
	onPrimary, err := StartAPI(ctx, db.AppURL, conns)
	if err != nil {
		return nil, res, err
	}
	defer onPrimary.Close()
	onStandby, err := StartReplicaAPI(ctx, db.AppURL, standby.URL("cch_app", AppPassword, db.Name), conns)
	if err != nil {
		return nil, res, err
	}
	defer onStandby.Close()
	r := &replicaRun{cfg: cfg, fix: fix, db: db}
	if res.Seeded, res.SeedRate, err = r.seed(ctx, onPrimary); err != nil {
		return nil, res, err
	}
	r.rate = cfg.Rate
	if res.SeedRate < 0.95*cfg.Rate {
		r.rate = max(1, math.Round(0.7*res.SeedRate/10)*10)
	}
	res.Rate = r.rate
	if res.Standby, err = r.phase(ctx, onStandby, time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		return nil, res, err
	}
	if res.Primary, err = r.phase(ctx, onPrimary, time.Date(2033, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		return nil, res, err
	}
	if n := res.Standby.ReadFrom["replica"]; n == 0 || n != len(res.Standby.Reads) {
		return nil, res, fmt.Errorf("standby phase: %d of %d report reads served by the replica (%v)", n, len(res.Standby.Reads), res.Standby.ReadFrom)
	}
	if n := res.Primary.ReadFrom[""]; n == 0 || n != len(res.Primary.Reads) {
		return nil, res, fmt.Errorf("primary phase: %d of %d report reads unrouted (%v)", n, len(res.Primary.Reads), res.Primary.ReadFrom)
	}
	s, p := res.Standby, res.Primary
	log("replica", "seeded", res.Seeded, "standby_write_p99_ms", Ms(Percentile(s.Writes.All(), 99)), "primary_write_p99_ms", Ms(Percentile(p.Writes.All(), 99)),
		"standby_report_p99_ms", Ms(Percentile(s.Reads, 99)), "primary_report_p99_ms", Ms(Percentile(p.Reads, 99)), "lag_max_ms", Ms(s.LagMax))
	return replicaFigures(cfg, res), res, nil
}

// replicaRun is the state the phases share.
type replicaRun struct {
	cfg  ReplicaConfig
	rate float64 // bookings/s offered in the measured phases
	fix  Fixture
	db   *DB
}

func (r *replicaRun) target(base time.Time) loadgen.Target {
	t := loadgen.Target{Branch: r.fix.Branch, Customer: r.fix.Customer, Vehicle: r.fix.Vehicle, Base: base}
	for i := range r.fix.Bays {
		t.Lanes = append(t.Lanes, loadgen.Lane{Bay: r.fix.Bays[i], Technician: r.fix.Techs[i]})
	}
	return t
}

func (r *replicaRun) client(api *API) *loadgen.Client {
	return &loadgen.Client{BaseURL: api.URL, Token: r.fix.Token, HTTP: &http.Client{Transport: loadgen.Transport(1024)}}
}

// seed writes the dataset at the suite's rate, then vacuums, analyzes and
// checkpoints so the measured phases start from the same quiet state.
func (r *replicaRun) seed(ctx context.Context, api *API) (int, float64, error) {
	op := loadgen.CreateBooking(r.client(api), r.target(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)), nil)
	res, err := loadgen.Run(ctx, loadgen.Config{Rate: r.cfg.Rate, Duration: r.cfg.Seed, Ops: []loadgen.Op{{Name: "seed", Weight: 1, Do: op.Do}}})
	if err != nil {
		return 0, 0, err
	}
	if err := settle(ctx, r.db); err != nil {
		return 0, 0, err
	}
	return res.Ops[0].Status[http.StatusCreated], res.Achieved(), nil
}

// phase offers the writes through api while the readers read lists
// through it and the standby's lag is sampled on the primary.
func (r *replicaRun) phase(ctx context.Context, api *API, base time.Time) (replicaPhase, error) {
	var ph replicaPhase
	if err := settle(ctx, r.db); err != nil {
		return ph, err
	}
	maxID, err := r.maxBookingID(ctx)
	if err != nil {
		return ph, err
	}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	lag := &lagSampler{}
	wg.Add(1)
	go func() { defer wg.Done(); lag.run(rctx, r.db.AdminURL) }()
	c := r.client(api)
	reads := &replicaReads{from: map[string]int{}, branch: r.fix.Branch, maxID: maxID}
	var readRes loadgen.Result
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		readRes, readErr = loadgen.Run(ctx, loadgen.Config{Rate: r.cfg.ReportRate, Duration: r.cfg.Duration,
			Ops: []loadgen.Op{{Name: "report", Weight: 1, Do: reads.op(c)}}})
	}()
	op := loadgen.CreateBooking(c, r.target(base), nil)
	ph.Writes, err = loadgen.Run(ctx, loadgen.Config{Rate: r.rate, Duration: r.cfg.Duration, Ops: []loadgen.Op{{Name: "booking.create", Weight: 1, Do: op.Do}}})
	stop() // the lag sampler; the reads finish their own schedule
	wg.Wait()
	if err == nil {
		err = readErr
	}
	if err != nil {
		return ph, err
	}
	if w := ph.Writes.Ops[0]; w.Errors > 0 || w.Status[http.StatusCreated] != len(w.Latencies) {
		return ph, fmt.Errorf("writes: %d errors, statuses %v", w.Errors, w.Status)
	}
	if rd := readRes.Ops[0]; rd.Errors > 0 || rd.Status[http.StatusOK] != len(rd.Latencies) || len(rd.Latencies) == 0 {
		return ph, fmt.Errorf("report reads: %d errors, statuses %v", rd.Errors, rd.Status)
	}
	ph.Reads, ph.ReadFrom, ph.ReadsDropped = readRes.All(), reads.from, readRes.Dropped
	ph.LagMax, ph.LagP50, ph.LagMaxBytes = lag.summary()
	return ph, nil
}

func (r *replicaRun) maxBookingID(ctx context.Context) (int64, error) {
	conn, err := pgx.Connect(ctx, r.db.AdminURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var id int64
	err = conn.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM workshop.booking").Scan(&id)
	return id, err
}

// replicaReads are the report reads of one phase: pages of 200 bookings
// after a random id of the dataset, counted by where the API served them.
type replicaReads struct {
	mu            sync.Mutex
	from          map[string]int
	branch, maxID int64
}

func (rr *replicaReads) op(c *loadgen.Client) func(context.Context, uint64) (int, error) {
	return func(ctx context.Context, seq uint64) (int, error) {
		rnd := rand.New(rand.NewPCG(seq, 42))
		cursor := base64.RawURLEncoding.EncodeToString(strconv.AppendInt(nil, rnd.Int64N(rr.maxID+1), 10)) // as next_cursor encodes an id
		st, h, err := c.Do(ctx, http.MethodGet, fmt.Sprintf("/v1/bookings?branch_id=%d&limit=200&cursor=%s", rr.branch, cursor), nil, nil)
		if err == nil && st == http.StatusOK {
			rr.mu.Lock()
			rr.from[h.Get("X-CCH-Read-From")]++
			rr.mu.Unlock()
		}
		return st, err
	}
}

// lagSampler reads the standby's replay lag from the primary's
// pg_stat_replication every 100 ms.
type lagSampler struct {
	lags     []time.Duration
	maxBytes int64
}

func (l *lagSampler) run(ctx context.Context, adminURL string) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		var secs float64
		var bytes int64
		err := conn.QueryRow(ctx, `SELECT coalesce(extract(epoch FROM replay_lag), 0)::float8,
			coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint
			FROM pg_stat_replication WHERE application_name = $1`, pglocal.StandbyName).Scan(&secs, &bytes)
		if err == nil {
			l.lags = append(l.lags, time.Duration(secs*float64(time.Second)))
			l.maxBytes = max(l.maxBytes, bytes)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (l *lagSampler) summary() (maxLag, p50 time.Duration, maxBytes int64) {
	sort.Slice(l.lags, func(i, j int) bool { return l.lags[i] < l.lags[j] })
	if len(l.lags) > 0 {
		maxLag = l.lags[len(l.lags)-1]
	}
	return maxLag, Percentile(l.lags, 50), l.maxBytes
}

// replicaFigures turns the phases into the report's rows.
func replicaFigures(cfg ReplicaConfig, res ReplicaResult) []Figure {
	const suite = "Reports on the standby vs the primary"
	s, p := res.Standby, res.Primary
	sw, pw := s.Writes.All(), p.Writes.All()
	asked := ""
	if res.Rate != cfg.Rate {
		asked = fmt.Sprintf("%.0f/s asked for, the seed achieved %.0f/s, so the phases offer 70%% of that: ", cfg.Rate, res.SeedRate)
	}
	load := asked + fmt.Sprintf("%.0f bookings/s offered (open model, %s per phase; achieved %.0f/s with reports on the standby, %.0f/s with them on the primary; %d+%d dropped); %.0f reads/s of GET /v1/bookings offered (open model; 200 a page, random offset) over %d seeded bookings; primary and asynchronous hot standby on the same machine",
		res.Rate, cfg.Duration, s.Writes.Achieved(), p.Writes.Achieved(), s.Writes.Dropped, p.Writes.Dropped, cfg.ReportRate, res.Seeded)
	base := "same reports on the primary, same run"
	return []Figure{
		{Suite: suite, Name: fmt.Sprintf("primary write p99 (POST /v1/bookings) with the reports on the standby, %.0f/s offered", res.Rate),
			Value: Ms(Percentile(sw, 99)), Unit: "ms", Baseline: Ms(Percentile(pw, 99)), BaseName: base, Target: "≤ 20 ms", Check: AtMost(20),
			Note: fmt.Sprintf("%s; write p50 %.1f ms (standby phase) vs %.1f ms", load, Ms(Percentile(sw, 50)), Ms(Percentile(pw, 50)))},
		{Suite: suite, Name: "bookings/s achieved with the reports on the standby", Value: s.Writes.Achieved(), Unit: "bookings/s",
			Baseline: p.Writes.Achieved(), BaseName: base, Target: fmt.Sprintf("≥ 95%% of %.0f offered", res.Rate),
			Check: func(f Figure) bool { return f.Value >= 0.95*res.Rate }},
		{Suite: suite, Name: "report p50 (GET /v1/bookings, 200 a page) on the standby", Value: Ms(Percentile(s.Reads, 50)), Unit: "ms",
			Baseline: Ms(Percentile(p.Reads, 50)), BaseName: "on the primary, same run",
			Note: fmt.Sprintf("%d reads on the standby (X-CCH-Read-From: replica), %d on the primary; %d+%d dropped; latency from each read's scheduled start", len(s.Reads), len(p.Reads), s.ReadsDropped, p.ReadsDropped)},
		{Suite: suite, Name: "report p99 on the standby", Value: Ms(Percentile(s.Reads, 99)), Unit: "ms",
			Baseline: Ms(Percentile(p.Reads, 99)), BaseName: "on the primary, same run"},
		{Suite: suite, Name: "replica lag under the write load (largest replay_lag sampled)", Value: Ms(s.LagMax), Unit: "ms", Target: "≤ 1,000 ms", Check: AtMost(1000),
			Note: fmt.Sprintf("pg_stat_replication every 100 ms during the standby phase: p50 %.1f ms, at most %d bytes of WAL not yet replayed", Ms(s.LagP50), s.LagMaxBytes)},
	}
}
