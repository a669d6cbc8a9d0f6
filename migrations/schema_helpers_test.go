package migrations_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// schemaDB is a freshly migrated database holding the fixture below, with a
// superuser connection and a per-test login (NOINHERIT, member of every
// business role: it acts like cch_app and switches with SET LOCAL ROLE).
type schemaDB struct {
	url   string    // superuser URL
	super *pgx.Conn // superuser connection
	login *pgx.Conn // the test's cch_app-like login
	name  string    // database name
}

// Fixture ids. Organisation 1 has branches 10 and 11; organisation 2 has 20.
const (
	orgA, orgB                             = 1, 2
	branchA1, branchA2, branchB1           = 10, 11, 20
	staffTech, staffTech2, staffReception  = 100, 101, 102
	staffFinance, staffManager, staffDisp  = 103, 104, 105
	staffChauffeur, staffAuditor           = 106, 107
	staffChauffeur2, staffManagerB         = 108, 200
	custAssigned, custOtherBranch, custPax = 1000, 1001, 1002
	custB                                  = 2000
	vehCar, vehFleet, vehFleet2, vehB      = 5000, 5001, 5002, 6000
	bay1, booking1, ro1, job1, labour1     = 300, 400, 500, 600, 700
	ride1, assignment1, invoice1, charge1  = 800, 900, 950, 960
)

const fixtureSQL = `
INSERT INTO core.organisation (id, name) OVERRIDING SYSTEM VALUE VALUES (1, 'Org A'), (2, 'Org B');
INSERT INTO core.branch (id, organisation_id, code, name) OVERRIDING SYSTEM VALUE
VALUES (10, 1, 'A1', 'A one'), (11, 1, 'A2', 'A two'), (20, 2, 'B1', 'B one');
INSERT INTO core.staff (id, organisation_id, home_branch_id, given_name, family_name, email, pay_rate, cost_rate) OVERRIDING SYSTEM VALUE
VALUES (100, 1, 10, 'Tess', 'Tech', 'tess@a', 20, 31), (101, 1, 10, 'Tom', 'Tech', 'tom@a', 20, 31),
       (102, 1, 10, 'Rita', 'Desk', 'rita@a', 15, 20), (103, 1, 10, 'Fin', 'Ance', 'fin@a', 30, 40),
       (104, 1, 10, 'Max', 'Boss', 'max@a', 40, 50), (105, 1, 10, 'Dee', 'Spatch', 'dee@a', 18, 22),
       (106, 1, 10, 'Carl', 'Driver', 'carl@a', 16, 21), (107, 1, 10, 'Aud', 'Itor', 'aud@a', 25, 30),
       (108, 1, 10, 'Cora', 'Driver', 'cora@a', 16, 21), (200, 2, 20, 'Bea', 'Boss', 'bea@b', 40, 50);
INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id)
VALUES (1, 100, 'technician', 10), (1, 102, 'receptionist', 10), (1, 104, 'manager', NULL);
INSERT INTO chauffeur.chauffeur (id, organisation_id, branch_id, licence_number, licence_expires_on)
VALUES (106, 1, 10, 'LIC106', '2030-01-01'), (108, 1, 10, 'LIC108', '2030-01-01');
INSERT INTO core.customer (id, organisation_id, home_branch_id, given_name, family_name, phone) OVERRIDING SYSTEM VALUE
VALUES (1000, 1, 10, 'Ada', 'Assigned', '0700'), (1001, 1, 11, 'Bob', 'Elsewhere', '0701'),
       (1002, 1, 10, 'Pat', 'Passenger', '0702'), (2000, 2, 20, 'Zed', 'Tenant', '0703');
INSERT INTO core.vehicle (id, organisation_id, vin, make, model) OVERRIDING SYSTEM VALUE
VALUES (5000, 1, 'WVWZZZ1JZXW000001', 'VW', 'Golf'), (5001, 1, 'WDB2110001A000002', 'Mercedes', 'E'),
       (5002, 1, 'WDB2110001A000003', 'Mercedes', 'S'), (6000, 2, 'WVWZZZ1JZXW000009', 'VW', 'Polo');
INSERT INTO chauffeur.fleet_vehicle (id, organisation_id, branch_id, vehicle_class, passenger_capacity, in_service)
VALUES (5001, 1, 10, 'executive', 3, '[2026-01-01,)'), (5002, 1, 10, 'luxury', 3, '[2026-01-01,)');
INSERT INTO workshop.service_bay (id, organisation_id, branch_id, code, name) OVERRIDING SYSTEM VALUE
VALUES (300, 1, 10, 'B1', 'Bay one'), (301, 1, 10, 'B2', 'Bay two');
INSERT INTO workshop.booking (id, organisation_id, branch_id, customer_id, vehicle_id, period) OVERRIDING SYSTEM VALUE
VALUES (400, 1, 10, 1000, 5000, '[2026-12-01 09:00Z,2026-12-01 10:00Z)');
INSERT INTO workshop.repair_order (id, organisation_id, branch_id, customer_id, vehicle_id, booking_id) OVERRIDING SYSTEM VALUE
VALUES (500, 1, 10, 1000, 5000, 400);
INSERT INTO workshop.repair_job (id, organisation_id, branch_id, repair_order_id, job_category, concern, assigned_technician_id) OVERRIDING SYSTEM VALUE
VALUES (600, 1, 10, 500, 'brakes', 'squeal', 100);
INSERT INTO workshop.labour_line (id, organisation_id, branch_id, repair_job_id, technician_id, sold_hours, labour_rate, sale_amount, cost_rate, cost_amount) OVERRIDING SYSTEM VALUE
VALUES (700, 1, 10, 600, 100, 1.5, 100, 150, 30, 45);
INSERT INTO chauffeur.ride_booking (id, organisation_id, branch_id, booker_customer_id, passenger_customer_id,
  service_type, pickup_at, estimated_duration_minutes, pickup_address, metadata) OVERRIDING SYSTEM VALUE
VALUES (800, 1, 10, 1002, 1002, 'airport_arrival', '2026-12-02 08:00Z', 60, 'LHR T5', '{"flight_number": "BA117"}');
INSERT INTO chauffeur.dispatch_assignment (id, organisation_id, branch_id, ride_booking_id, chauffeur_id, fleet_vehicle_id, period, status) OVERRIDING SYSTEM VALUE
VALUES (900, 1, 10, 800, 106, 5001, '[2026-12-02 07:00Z,2026-12-02 09:30Z)', 'accepted');
INSERT INTO chauffeur.ride_charge (id, organisation_id, ride_booking_id, component, unit_amount, amount, chauffeur_payable_amount) OVERRIDING SYSTEM VALUE
VALUES (960, 1, 800, 'ride_base', 90, 90, 40);
INSERT INTO finance.invoice (id, organisation_id, branch_id, customer_id, repair_order_id) OVERRIDING SYSTEM VALUE
VALUES (950, 1, 10, 1000, 500);
`

// newSchemaDB migrates a new database with the embedded migrations, loads
// the fixture and creates the test's login.
func newSchemaDB(t testing.TB) *schemaDB {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, url, testLogger(t)); err != nil {
		t.Fatalf("apply migrations: %v", err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	d := &schemaDB{url: url, name: cfg.Database, super: connect(t, url)}
	mustExec(t, d.super, fixtureSQL)

	buf := make([]byte, 8)
	if _, err := rand.Read(buf); err != nil {
		t.Fatal(err)
	}
	role, password := "t_login_"+hex.EncodeToString(buf), hex.EncodeToString(buf)+"Pw"
	mustExec(t, d.super, fmt.Sprintf(`CREATE ROLE %s LOGIN NOINHERIT PASSWORD '%s'`, role, password))
	mustExec(t, d.super, fmt.Sprintf(`GRANT cch_app, cch_technician, cch_receptionist, cch_finance, cch_manager,
		cch_dispatcher, cch_chauffeur, cch_auditor TO %s`, role))
	t.Cleanup(func() {
		// Runs before the database is dropped (cleanups are LIFO) and after
		// the login's connection is closed.
		if _, err := d.super.Exec(context.Background(), "DROP ROLE IF EXISTS "+role); err != nil {
			t.Logf("drop role %s: %v", role, err)
		}
	})
	d.login = connect(t, pgtest.Cluster(t).URL(role, password, cfg.Database))
	return d
}

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func mustExec(t testing.TB, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", firstLine(sql), err)
	}
}

// actor is the request context the API sets in every transaction.
type actor struct {
	role      string // database role, e.g. cch_technician
	appRole   string // app.role
	org       int64
	staff     int64
	branches  string // app.branch_ids
	requestID string
}

// inTx runs fn in a transaction of conn as a (SET LOCAL ROLE + app.*
// settings, as the API does) and commits when commit is true, else rolls
// back.
func inTx(t testing.TB, conn *pgx.Conn, a actor, commit bool, fn func(pgx.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	role, org := a.role, ""
	if role == "" {
		role = "none" // RESET ROLE: the login's own privileges
	}
	if a.org != 0 {
		org = fmt.Sprint(a.org)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('role', $1, true), set_config('app.organisation_id', $2, true),
		set_config('app.staff_id', $3, true), set_config('app.branch_ids', $4, true),
		set_config('app.role', $5, true), set_config('app.request_id', $6, true)`,
		role, org, fmt.Sprint(a.staff), a.branches, a.appRole, a.requestID); err != nil {
		t.Fatalf("set request context: %v", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	if commit {
		return tx.Commit(ctx)
	}
	return nil
}

// rowsAs runs query as a and returns how many rows it returned (or the
// statement's affected rows for writes without RETURNING). Rolled back.
func rowsAs(t testing.TB, conn *pgx.Conn, a actor, query string, args ...any) (int, error) {
	t.Helper()
	n := 0
	err := inTx(t, conn, a, false, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), query, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if fd := rows.FieldDescriptions(); len(fd) == 0 {
			n = int(rows.CommandTag().RowsAffected())
		}
		return nil
	})
	return n, err
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func queryInt(t testing.TB, conn *pgx.Conn, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", firstLine(sql), err)
	}
	return n
}
