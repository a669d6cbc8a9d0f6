package bench

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/bench/loadgen"
	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/workshop"
	"github.com/carcarehub/cch/warehouse"
)

// appliedLog samples a stream's durable LSN over time.
type appliedLog struct {
	mu      sync.Mutex
	at      []time.Time
	applied []cdc.LSN
}

func (a *appliedLog) sample(ctx context.Context, st *cdc.Stream) {
	var last cdc.LSN
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if l := st.Applied(); l != last {
			last = l
			a.mu.Lock()
			a.at, a.applied = append(a.at, time.Now()), append(a.applied, l)
			a.mu.Unlock()
		}
	}
}

// visibleAt is the first sample at which lsn had been applied.
func (a *appliedLog) visibleAt(lsn cdc.LSN) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	i := sort.Search(len(a.applied), func(i int) bool { return a.applied[i] >= lsn })
	if i == len(a.applied) {
		return time.Time{}, false
	}
	return a.at[i], true
}

type write struct {
	lsn cdc.LSN
	at  time.Time // the 201 arrived
}

// CDCLag offers cfg.LagRate booking creations per second — the API's own
// transaction (oltp.InTx + the booking insert) on its pool, without the
// HTTP layer, which cannot sustain 1,000/s on a 2-core machine — while the
// warehouse pipeline streams the whole published schema (cch_pub) into
// DuckDB, and measures, per write, the time from commit (InTx returned
// with the X-CCH-LSN position) until the pipeline's durable LSN passes it:
// when a min_lsn read would see it.
func CDCLag(ctx context.Context, c *pglocal.Cluster, dir string, cfg CDCConfig, log func(string, ...any)) ([]Figure, error) {
	db, err := NewDB(ctx, c, "bench_lag")
	if err != nil {
		return nil, err
	}
	fix, err := LoadFixture(ctx, db.AdminURL, 16)
	if err != nil {
		return nil, err
	}
	api, err := StartAPI(ctx, db.AppURL, 40)
	if err != nil {
		return nil, err
	}
	defer api.Close()
	duck, err := warehouse.Open(ctx, filepath.Join(dir, "lag.duckdb"), warehouse.Options{MemoryLimit: "2GB"})
	if err != nil {
		return nil, err
	}
	defer duck.Close()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	svc, err := warehouse.NewService(rctx, duck, cdc.Config{URL: db.AdminURL, Slot: "bench_lag", Publication: "cch_pub"})
	if err != nil {
		return nil, err
	}
	go svc.Run(rctx)
	st := svc.Stream()
	defer func() { cancel(); <-st.Done() }()
	select {
	case <-st.Ready():
	case <-st.Done():
		return nil, fmt.Errorf("pipeline: %w", st.Err())
	case <-time.After(5 * time.Minute):
		return nil, fmt.Errorf("pipeline not ready after 5 minutes")
	}
	var samples appliedLog
	go samples.sample(rctx, st)
	var figs []Figure
	for i, rate := range append([]float64{cfg.LagRate}, cfg.LagExtraRates...) {
		resetPeakRSS()
		writes, res, err := lagLoad(ctx, api, fix, rate, cfg.LagDuration, 2040+10*i)
		if err != nil {
			return figs, err
		}
		peak := peakRSSMiB()
		lags, missing := lagsOf(writes, &samples)
		log("cdc lag", "rate", rate, "writes", len(writes), "achieved", res.Achieved(), "p99_ms", Ms(Percentile(lags, 99)), "missing", missing)
		note := fmt.Sprintf("offered %.0f/s for %s, achieved %.0f/s (%d bookings, %d dropped, %d not visible within 30 s); after a %s warm-up at the same rate; API transaction via oltp.InTx without HTTP; lag from commit (X-CCH-LSN) to the durable applied LSN; default batching (50 ms); peak RSS (API + pipeline + driver) %.0f MiB",
			rate, cfg.LagDuration, res.Achieved(), len(writes), res.Dropped, missing, lagWarmUp, peak)
		f50 := Figure{Suite: cdcSuite, Name: fmt.Sprintf("commit-to-visible lag p50 at %.0f writes/s offered", rate), Value: Ms(Percentile(lags, 50)), Unit: "ms", Note: note}
		f99 := Figure{Suite: cdcSuite, Name: fmt.Sprintf("commit-to-visible lag p99 at %.0f writes/s offered", rate), Value: Ms(Percentile(lags, 99)), Unit: "ms"}
		if i == 0 {
			f99.Target, f99.Check = "≤ 500 ms", AtMost(500)
		} else {
			f99.Note = "below saturation, for comparison (no target)"
		}
		figs = append(figs, f50, f99)
	}
	return figs, nil
}

// txBooking is the API's booking transaction without HTTP: oltp.InTx (role
// switch, request context, commit, WAL position) around the booking insert.
func txBooking(api *API, fix Fixture, t loadgen.Target, created func(lsn string, at time.Time)) loadgen.Op {
	p := oltp.Principal{StaffID: fix.Receptionist, OrganisationID: fix.Org, Role: "receptionist", BranchIDs: []int64{fix.Branch}}
	return loadgen.Op{Name: "booking.tx", Weight: 1, Do: func(ctx context.Context, seq uint64) (int, error) {
		l := t.Lanes[seq%uint64(len(t.Lanes))]
		starts := t.Base.Add(time.Duration(seq/uint64(len(t.Lanes))) * 15 * time.Minute)
		lsn, err := oltp.InTx(ctx, api.Pool, p, "bench-lag", false, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, workshop.CreateBookingSQL, fix.Org, fix.Branch, fix.Customer, fix.Vehicle, starts, 15, "phone",
				[]string{}, "load", fix.Receptionist, l.Bay, l.Technician)
			return err
		})
		if err != nil {
			return 0, err
		}
		if created != nil {
			created(lsn, time.Now())
		}
		return http.StatusCreated, nil
	}}
}

// lagWarmUp precedes each measured lag run.
const lagWarmUp = 3 * time.Second

// lagLoad runs the open-model booking load and then a short trickle, so
// the last measured writes are followed by others (as under steady load)
// rather than waiting for a heartbeat.
func lagLoad(ctx context.Context, api *API, fix Fixture, rate float64, d time.Duration, year int) ([]write, loadgen.Result, error) {
	t := loadgen.Target{Branch: fix.Branch, Customer: fix.Customer, Vehicle: fix.Vehicle, Base: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i := range fix.Bays {
		t.Lanes = append(t.Lanes, loadgen.Lane{Bay: fix.Bays[i], Technician: fix.Techs[i]})
	}
	var mu sync.Mutex
	var writes []write
	rec := func(lsn string, at time.Time) {
		if l, err := cdc.ParseLSN(lsn); err == nil {
			mu.Lock()
			writes = append(writes, write{l, at})
			mu.Unlock()
		}
	}
	// An unmeasured warm-up at the same rate first, as for the API's
	// latency runs: the pool opens its connections and prepares its
	// statements (new Postgres backends cost CPU the pipeline shares), so
	// the figure is the steady state's.
	warm := t
	warm.Base = time.Date(year+3, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := loadgen.Run(ctx, loadgen.Config{Rate: rate, Duration: lagWarmUp, MaxInFlight: 256,
		Ops: []loadgen.Op{txBooking(api, fix, warm, nil)}}); err != nil {
		return nil, loadgen.Result{}, err
	}
	res, err := loadgen.Run(ctx, loadgen.Config{Rate: rate, Duration: d, MaxInFlight: 256,
		Ops: []loadgen.Op{txBooking(api, fix, t, rec)}})
	if err != nil {
		return nil, res, err
	}
	t.Base = time.Date(year+5, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = loadgen.Run(ctx, loadgen.Config{Rate: 50, Duration: 3 * time.Second, Ops: []loadgen.Op{txBooking(api, fix, t, nil)}})
	mu.Lock()
	defer mu.Unlock()
	return writes, res, err
}

// lagsOf waits (up to 30 s) for every write to become visible and returns
// the sorted lags and how many never did.
func lagsOf(writes []write, samples *appliedLog) ([]time.Duration, int) {
	var maxLSN cdc.LSN
	for _, w := range writes {
		maxLSN = max(maxLSN, w.lsn)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, ok := samples.visibleAt(maxLSN); ok {
			break
		}
	}
	var lags []time.Duration
	missing := 0
	for _, w := range writes {
		at, ok := samples.visibleAt(w.lsn)
		if !ok {
			missing++
			continue
		}
		lags = append(lags, max(0, at.Sub(w.at)))
	}
	return SortDurations(lags), missing
}
