package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/workshop"
)

// AppPassword is the password the suite gives the cch_app login role on
// its own throwaway cluster.
const AppPassword = "cch-app-bench"

// DB is a migrated database of the benchmark cluster.
type DB struct {
	Name     string
	AdminURL string // superuser
	AppURL   string // cch_app, the API's login
}

// NewDB creates and migrates a database on c; cch_app may log in with
// AppPassword afterwards.
func NewDB(ctx context.Context, c *pglocal.Cluster, name string) (*DB, error) {
	if err := c.CreateDatabase(ctx, name); err != nil {
		return nil, err
	}
	db := &DB{Name: name, AdminURL: c.SuperuserURL(name)}
	if _, err := migrations.Apply(ctx, db.AdminURL, slog.New(slog.DiscardHandler)); err != nil {
		return nil, fmt.Errorf("migrate %s: %w", name, err)
	}
	conn, err := pgx.Connect(ctx, db.AdminURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ALTER ROLE cch_app LOGIN PASSWORD '"+AppPassword+"'"); err != nil {
		return nil, fmt.Errorf("cch_app login: %w", err)
	}
	u, _ := url.Parse(db.AdminURL)
	u.User = url.UserPassword("cch_app", AppPassword)
	db.AppURL = u.String()
	return db, nil
}

// Fixture is a business sized for conflict-free concurrent booking: one
// branch with Lanes bays and Lanes technicians, so writer i books only bay
// Bays[i] and technician Techs[i].
type Fixture struct {
	Org, Branch, Receptionist int64
	Customer, Vehicle         int64
	Bays, Techs               []int64
	Token                     string // receptionist bearer token
}

// LoadFixture inserts the fixture with lanes bay/technician pairs.
func LoadFixture(ctx context.Context, adminURL string, lanes int) (Fixture, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return Fixture{}, err
	}
	defer conn.Close(ctx)
	var f Fixture
	// Open around the clock: bookings are checked against the opening
	// hours, and the load books consecutive 15-minute slots day and night.
	hours := `{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],` +
		`"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}`
	steps := []struct {
		dst  *int64
		sql  string
		args func() []any
	}{
		{&f.Org, `INSERT INTO core.organisation (name) VALUES ('Bench Motors') RETURNING id`, func() []any { return nil }},
		{&f.Branch, `INSERT INTO core.branch (organisation_id, code, name, timezone, opening_hours) VALUES ($1, 'BEN', 'Bench', 'UTC', $2) RETURNING id`,
			func() []any { return []any{f.Org, hours} }},
		{&f.Receptionist, `INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email, pay_basis, cost_rate, pay_rate)
			VALUES ($1, $2, 'Rita', 'Reception', 'rita@bench.test', 'hourly', 25, 20) RETURNING id`, func() []any { return []any{f.Org, f.Branch} }},
		{nil, `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'receptionist', $3)`,
			func() []any { return []any{f.Org, f.Receptionist, f.Branch} }},
		{&f.Customer, `INSERT INTO core.customer (organisation_id, home_branch_id, kind, given_name, family_name, email, phone)
			VALUES ($1, $2, 'person', 'Ada', 'Lovelace', 'ada@bench.test', '+44 20 7946 0000') RETURNING id`, func() []any { return []any{f.Org, f.Branch} }},
		{&f.Vehicle, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year)
			VALUES ($1, 'WVWZZZ1JZXW000001', 'AB12 CDE', 'Volkswagen', 'Golf', 2019) RETURNING id`, func() []any { return []any{f.Org} }},
		{nil, `INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period)
			VALUES ($1, $2, $3, tstzrange(now() - interval '1 year', NULL))`, func() []any { return []any{f.Org, f.Vehicle, f.Customer} }},
	}
	for _, s := range steps {
		var err error
		if s.dst != nil {
			err = conn.QueryRow(ctx, s.sql, s.args()...).Scan(s.dst)
		} else {
			_, err = conn.Exec(ctx, s.sql, s.args()...)
		}
		if err != nil {
			return f, fmt.Errorf("fixture: %w", err)
		}
	}
	for i := range lanes {
		var bay, tech int64
		err := conn.QueryRow(ctx, `INSERT INTO workshop.service_bay (organisation_id, branch_id, code, name) VALUES ($1, $2, $3, $3) RETURNING id`,
			f.Org, f.Branch, fmt.Sprintf("B%03d", i)).Scan(&bay)
		if err == nil {
			err = conn.QueryRow(ctx, `INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email, pay_basis, cost_rate, pay_rate)
				VALUES ($1, $2, 'Tech', $3, $4, 'hourly', 25, 20) RETURNING id`, f.Org, f.Branch, fmt.Sprint(i), fmt.Sprintf("tech%d@bench.test", i)).Scan(&tech)
		}
		if err == nil {
			_, err = conn.Exec(ctx, `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'technician', $3)`, f.Org, tech, f.Branch)
		}
		if err != nil {
			return f, fmt.Errorf("fixture lane %d: %w", i, err)
		}
		f.Bays, f.Techs = append(f.Bays, bay), append(f.Techs, tech)
	}
	f.Token, _, err = oltp.IssueToken(ctx, conn, f.Receptionist, "receptionist", 24*time.Hour, "bench")
	if err != nil {
		return f, fmt.Errorf("fixture token: %w", err)
	}
	return f, nil
}

// API is the REST API served on a real 127.0.0.1 listener.
type API struct {
	URL     string
	Pool    *pgxpool.Pool
	Standby *pgxpool.Pool // the replica's pool (StartReplicaAPI), else nil
	cancel  context.CancelFunc
	done    chan error
}

// StartAPI serves the workshop and customer workflows over appURL with a
// pool of maxConns connections.
func StartAPI(ctx context.Context, appURL string, maxConns int) (*API, error) {
	return startAPI(ctx, appURL, "", maxConns)
}

// StartReplicaAPI is StartAPI with the list and report reads sent to the
// hot standby at replicaURL (as `cch api --replica-url`), whose lag it
// measures every 200 ms.
func StartReplicaAPI(ctx context.Context, appURL, replicaURL string, maxConns int) (*API, error) {
	return startAPI(ctx, appURL, replicaURL, maxConns)
}

func startAPI(ctx context.Context, appURL, replicaURL string, maxConns int) (*API, error) {
	pool, err := oltp.OpenPool(ctx, appURL, oltp.PoolConfig{ApplicationName: "cch-bench-api", MaxConns: int32(maxConns)})
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: prometheus.NewRegistry()})
	if err != nil {
		pool.Close()
		return nil, err
	}
	api := oltp.NewAPI(srv, pool, log)
	a := &API{Pool: pool, done: make(chan error, 1)}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	if replicaURL != "" {
		if a.Standby, err = oltp.OpenPool(ctx, replicaURL, oltp.PoolConfig{ApplicationName: "cch-bench-api", MaxConns: int32(maxConns)}); err != nil {
			cancel()
			pool.Close()
			return nil, fmt.Errorf("replica pool: %w", err)
		}
		r := oltp.NewReplica(a.Standby, nil)
		api.UseReplica(r)
		go r.Run(sctx, 200*time.Millisecond)
	}
	workshop.Register(api)
	customers.Register(api)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.closePools()
		cancel()
		return nil, err
	}
	a.URL = "http://" + ln.Addr().String()
	go func() { a.done <- srv.Serve(sctx, ln) }()
	return a, nil
}

// Close stops the server and the pool.
func (a *API) Close() error {
	a.cancel()
	err := <-a.done
	a.closePools()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

func (a *API) closePools() {
	a.Pool.Close()
	if a.Standby != nil {
		a.Standby.Close()
	}
}
