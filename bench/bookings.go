package bench

import (
	"bufio"
	"context"
	"fmt"
	"github.com/jackc/pgx/v5"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carcarehub/cch/bench/loadgen"
	"github.com/carcarehub/cch/oltp/workshop"
)

// BookingConfig sizes the API-vs-pgbench suite.
type BookingConfig struct {
	Clients  []int         // closed-loop concurrency levels, each run on both paths
	Duration time.Duration // per closed-loop run
	HalfPeak time.Duration // the open-model run at half of the API's peak
}

// bookingRun hands out time bases so no two runs' bookings overlap: run r
// books from 2030-01-01 + r years.
type bookingRun struct{ n int }

func (b *bookingRun) next() time.Time {
	b.n++
	return time.Date(2030+b.n, 1, 1, 0, 0, 0, 0, time.UTC)
}

// Bookings measures booking creation through the API (real server on
// 127.0.0.1, N concurrent clients, each on its own bay and technician) and
// the same SQL transaction driven by pgbench, then the latency of both at
// half of the API's peak rate.
func Bookings(ctx context.Context, db *DB, fix Fixture, api *API, cfg BookingConfig, log func(string, ...any)) ([]Figure, error) {
	const suite = "Booking creation: API vs pgbench"
	var runs bookingRun
	client := &loadgen.Client{BaseURL: api.URL, Token: fix.Token, HTTP: &http.Client{Transport: loadgen.Transport(512)}}
	var figs []Figure
	var apiPeak, pgPeak float64
	var peakN int
	for _, n := range cfg.Clients {
		if n > len(fix.Bays) {
			return nil, fmt.Errorf("%d clients need %d lanes, the fixture has %d", n, n, len(fix.Bays))
		}
		a, err := apiClosedLoop(ctx, client, fix, n, cfg.Duration, runs.next())
		if err != nil {
			return nil, err
		}
		p, err := runPgbench(ctx, db, fix, pgbenchRun{clients: n, duration: cfg.Duration, base: runs.next()})
		if err != nil {
			return nil, err
		}
		log("bookings", "clients", n, "api_tps", a.tps, "pgbench_tps", p.tps, "api_errors", a.errors)
		figs = append(figs, Figure{Suite: suite, Name: fmt.Sprintf("throughput, %d clients (closed loop, %s)", n, cfg.Duration),
			Value: a.tps, Unit: "bookings/s", Baseline: p.tps, BaseName: "pgbench, same transaction",
			Note: fmt.Sprintf("API p50 %.1f / p99 %.1f ms, pgbench p50 %.1f / p99 %.1f ms; API errors %d", Ms(Percentile(a.lat, 50)), Ms(Percentile(a.lat, 99)),
				Ms(Percentile(p.lat, 50)), Ms(Percentile(p.lat, 99)), a.errors)})
		if a.tps > apiPeak {
			apiPeak, peakN = a.tps, n
		}
		pgPeak = max(pgPeak, p.tps)
	}
	figs = append(figs, Figure{Suite: suite, Name: "peak throughput", Value: apiPeak, Unit: "bookings/s", Baseline: pgPeak,
		BaseName: "pgbench peak", Target: "≥ 0.8×", Check: AtLeastRatio(0.8), Note: fmt.Sprintf("API peak at %d clients", peakN)})

	// Half of peak, open model: requests at a fixed rate, latency from each
	// request's scheduled start.
	rate := apiPeak / 2
	t := loadgen.Target{Branch: fix.Branch, Customer: fix.Customer, Vehicle: fix.Vehicle, Base: runs.next()}
	for i := range fix.Bays {
		t.Lanes = append(t.Lanes, loadgen.Lane{Bay: fix.Bays[i], Technician: fix.Techs[i]})
	}
	// Each latency run starts from the same quiet state: the peak runs
	// left tens of thousands of new rows that autovacuum and the
	// checkpointer would otherwise catch up on during whichever run came
	// next.
	// Then a warm-up at the same rate, not measured (connections opened,
	// plans cached again after ANALYZE), for the API and pgbench alike.
	const warmUp = 3 * time.Second
	if err := settle(ctx, db); err != nil {
		return nil, err
	}
	op := loadgen.CreateBooking(client, t, nil)
	if _, err := loadgen.Run(ctx, loadgen.Config{Rate: rate, Duration: warmUp, Ops: []loadgen.Op{{Name: "warm-up", Weight: 1, Do: op.Do}}}); err != nil {
		return nil, err
	}
	// (The warm-up used the first sequence numbers of this base; the
	// measured run continues after them.)
	res, err := loadgen.Run(ctx, loadgen.Config{Rate: rate, Duration: cfg.HalfPeak, Ops: []loadgen.Op{{Name: "booking.create", Weight: 1,
		Do: func(ctx context.Context, seq uint64) (int, error) {
			return op.Do(ctx, seq+uint64(rate*warmUp.Seconds())+1)
		}}}})
	if err != nil {
		return nil, err
	}
	lat := res.All()
	if err := settle(ctx, db); err != nil {
		return nil, err
	}
	if _, err := runPgbench(ctx, db, fix, pgbenchRun{clients: peakN, duration: warmUp, rate: rate, base: runs.next()}); err != nil {
		return nil, err
	}
	p, err := runPgbench(ctx, db, fix, pgbenchRun{clients: peakN, duration: cfg.HalfPeak, rate: rate, base: runs.next()})
	if err != nil {
		return nil, err
	}
	st := res.Ops[0]
	note := fmt.Sprintf("offered %.0f/s, achieved %.0f/s; %d responses, %d non-201, %d dropped", rate, res.Achieved(), len(lat), len(lat)-st.Status[http.StatusCreated], res.Dropped)
	figs = append(figs,
		Figure{Suite: suite, Name: fmt.Sprintf("p50 latency at half of peak (%.0f/s)", rate), Value: Ms(Percentile(lat, 50)), Unit: "ms",
			Baseline: Ms(Percentile(p.lat, 50)), BaseName: fmt.Sprintf("pgbench -R %.0f -c %d", rate, peakN), Target: "≤ 3 ms", Check: AtMost(3), Note: note},
		Figure{Suite: suite, Name: fmt.Sprintf("p99 latency at half of peak (%.0f/s)", rate), Value: Ms(Percentile(lat, 99)), Unit: "ms",
			Baseline: Ms(Percentile(p.lat, 99)), BaseName: fmt.Sprintf("pgbench -R %.0f -c %d", rate, peakN), Target: "≤ 20 ms", Check: AtMost(20),
			Note: fmt.Sprintf("pgbench achieved %.0f tps", p.tps)})
	log("bookings half-peak", "rate", rate, "api_p99_ms", Ms(Percentile(lat, 99)), "pgbench_p99_ms", Ms(Percentile(p.lat, 99)))
	return figs, nil
}

type runStats struct {
	tps    float64
	lat    []time.Duration // sorted
	errors int
}

// apiClosedLoop runs n workers for d; worker i books lane i back to back.
func apiClosedLoop(ctx context.Context, c *loadgen.Client, fix Fixture, n int, d time.Duration, base time.Time) (runStats, error) {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		out  runStats
		lats []time.Duration
	)
	start := time.Now()
	end := start.Add(d)
	for i := range n {
		t := loadgen.Target{Branch: fix.Branch, Customer: fix.Customer, Vehicle: fix.Vehicle, Base: base,
			Lanes: []loadgen.Lane{{Bay: fix.Bays[i], Technician: fix.Techs[i]}}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs := 0
			for k := uint64(0); time.Now().Before(end) && ctx.Err() == nil; k++ {
				t0 := time.Now()
				st, _, err := c.Do(ctx, http.MethodPost, "/v1/bookings", t.BookingBody(k), nil)
				if err != nil || st != http.StatusCreated {
					errs++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			out.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.tps = float64(len(lats)) / time.Since(start).Seconds()
	out.lat = SortDurations(lats)
	return out, ctx.Err()
}

// pgbenchScript is the API's booking transaction (oltp.InTx +
// workshop.CreateBookingSQL) as a pgbench script: set_config of the role
// and request context, the one-statement CTE insert, COMMIT, then the WAL
// position the API returns in X-CCH-LSN. Client c books bay bay0+c and
// technician tech0+c; its k-th transaction starts at base + k×15 min, so
// nothing conflicts. Variables persist per client across transactions.
// Every bind parameter of the API's statement is a pgbench variable here
// (with -M prepared, a bind parameter too), never a literal the planner
// could fold into the plan: both run the same prepared statement.
var pgbenchScript = `\set k :k + 1
\set bay :bay0 + :client_id
\set tech :tech0 + :client_id
\set ts :base + 900 * :k
BEGIN;
SELECT set_config('role', 'cch_receptionist', true),
	set_config('app.staff_id', :staff::bigint::text, true),
	set_config('app.organisation_id', :org::bigint::text, true),
	set_config('app.branch_ids', :branch::bigint::text, true),
	set_config('app.request_id', 'pgbench', true),
	set_config('app.role', 'receptionist', true);
` + pgbenchParams.Replace(strings.TrimSpace(workshop.CreateBookingSQL)) + `;
COMMIT;
SELECT pg_current_wal_insert_lsn()::text;
`

// pgbenchParams turns the API's bind parameters into pgbench variables
// (longest names first, so $12 is not read as $1). The API binds
// starts_at as a timestamptz; pgbench computes it from an epoch.
var pgbenchParams = strings.NewReplacer(
	"$12", ":tech", "$11", ":bay", "$10", ":staff", "$9", ":notes", "$8", ":codes", "$7", ":channel",
	"$6", ":minutes", "$5::timestamptz", "to_timestamp(:ts)", "$4", ":vehicle", "$3", ":customer", "$2", ":branch", "$1", ":org")

// pgbenchValues are the values of the variables the API binds as they
// are (the load generator's body: no labour operation codes).
var pgbenchValues = []string{"-D", "notes=load", "-D", "codes={}", "-D", "channel=phone", "-D", "minutes=15"}

type pgbenchRun struct {
	clients  int
	duration time.Duration // run for this long (-T)…
	perConn  int           // …or, when positive, this many transactions per client (-t)
	rate     float64       // 0: as fast as possible
	base     time.Time
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// runPgbench runs the script as cch_app with the prepared protocol (as pgx
// does) and reads per-transaction latencies from its log.
func runPgbench(ctx context.Context, db *DB, fix Fixture, r pgbenchRun) (runStats, error) {
	for i := range fix.Bays {
		if fix.Bays[i] != fix.Bays[0]+int64(i) || fix.Techs[i] != fix.Techs[0]+int64(i) {
			return runStats{}, fmt.Errorf("pgbench: fixture bay and technician ids are not contiguous")
		}
	}
	dir, err := os.MkdirTemp("", "cch-pgbench-")
	if err != nil {
		return runStats{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "booking.sql")
	if err := os.WriteFile(script, []byte(pgbenchScript), 0o644); err != nil {
		return runStats{}, err
	}
	u, err := url.Parse(db.AppURL)
	if err != nil {
		return runStats{}, err
	}
	pw, _ := u.User.Password()
	args := []string{"-n", "-M", "prepared", "-f", script, "-c", strconv.Itoa(r.clients), "-j", strconv.Itoa(min(r.clients, 2)),
		"-l", "--log-prefix", filepath.Join(dir, "tx"),
		"-D", "k=0", "-D", fmt.Sprintf("base=%d", r.base.Unix()), "-D", fmt.Sprintf("bay0=%d", fix.Bays[0]), "-D", fmt.Sprintf("tech0=%d", fix.Techs[0]),
		"-D", fmt.Sprintf("staff=%d", fix.Receptionist), "-D", fmt.Sprintf("org=%d", fix.Org), "-D", fmt.Sprintf("branch=%d", fix.Branch),
		"-D", fmt.Sprintf("customer=%d", fix.Customer), "-D", fmt.Sprintf("vehicle=%d", fix.Vehicle)}
	args = append(args, pgbenchValues...)
	if r.perConn > 0 {
		args = append(args, "-t", strconv.Itoa(r.perConn))
	} else {
		args = append(args, "-T", strconv.Itoa(int(r.duration.Seconds())))
	}
	args = append(args, "-h", u.Hostname(), "-p", u.Port(), "-U", u.User.Username(), strings.TrimPrefix(u.Path, "/"))
	if r.rate > 0 {
		args = append(args, "-R", fmt.Sprintf("%.0f", r.rate))
	}
	cmd := exec.CommandContext(ctx, "pgbench", args...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+pw)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return runStats{}, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	if strings.Contains(string(out), "aborted") && !strings.Contains(string(out), "number of failed transactions: 0") {
		return runStats{}, fmt.Errorf("pgbench clients aborted:\n%s", out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return runStats{}, fmt.Errorf("pgbench: no tps in output:\n%s", out)
	}
	var st runStats
	st.tps, _ = strconv.ParseFloat(string(m[1]), 64)
	st.lat, err = readPgbenchLogs(dir)
	return st, err
}

// readPgbenchLogs reads "client tx time_us script epoch epoch_us
// [schedule_lag_us]" lines; with -R the latency counts from the scheduled
// start (time + lag), as loadgen measures.
func readPgbenchLogs(dir string) ([]time.Duration, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "tx.*"))
	var lat []time.Duration
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		s := bufio.NewScanner(f)
		for s.Scan() {
			fs := strings.Fields(s.Text())
			if len(fs) < 6 {
				continue
			}
			us, _ := strconv.ParseInt(fs[2], 10, 64)
			if len(fs) >= 7 {
				lag, _ := strconv.ParseInt(fs[6], 10, 64)
				us += lag
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
		f.Close()
	}
	return SortDurations(lat), nil
}

// settle vacuums and analyzes the database and checkpoints the cluster,
// so the run that follows does not pay for the previous one's writes.
func settle(ctx context.Context, db *DB) error {
	conn, err := pgx.Connect(ctx, db.AdminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, q := range []string{"VACUUM (ANALYZE)", "CHECKPOINT"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("settle: %s: %w", q, err)
		}
	}
	return nil
}
