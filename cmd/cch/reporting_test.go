package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/migrations"
	"github.com/carcarehub/cch/oltp"
)

// reportingPassword is the reporting logins' password in these tests.
const reportingPassword = "reporting-pw"

// reportingTables are the tables compared between a reporting login and
// the API.
var reportingTables = []string{"core.customer", "core.vehicle", "core.staff", "core.branch", "workshop.booking", "workshop.repair_order",
	"finance.invoice", "chauffeur.ride_booking", "core.time_clock_entry", "audit.staff_audit_log"}

// TestReportingLogin: a reporting login (cch reporting grant) on the
// standby sees exactly the rows the API's transaction for a token of the
// same staff member and role sees, table by table and role by role, in a
// read-only session; whatever the session then tries — app.* settings by
// SET, set_config (also in the middle of a query), SET ROLE to another
// business role, RESET ROLE, SET SESSION AUTHORIZATION, the former token
// function — it still sees exactly its own rows or is refused. A login
// whose staff member no longer holds the role sees nothing.
func TestReportingLogin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, a standby and an API process")
	}
	s := newReplicaStack(t, "2s")
	ctx := context.Background()
	second := reportingBookings(t, s)
	app, err := pgxpool.New(ctx, s.replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	logins := map[string]string{}
	for role, tok := range s.c.tokens {
		p, err := principalOf(ctx, s.super, tok)
		if err != nil {
			t.Fatal(err)
		}
		if role == "receptionist" { // through the command, as an operator grants one
			logins[role] = strings.TrimSpace(runProc(t, "reporting", "grant", "--database-url", s.cluster.SuperuserURL(topologyDB),
				"--staff", fmt.Sprint(p.StaffID), "--role", role, "--password", reportingPassword))
			if logins[role] != migrations.ReportingLogin(p.StaffID, role) {
				t.Fatalf("cch reporting grant printed %q", logins[role])
			}
		} else if logins[role], err = migrations.GrantReporting(ctx, s.cluster.SuperuserURL(topologyDB), p.StaffID, role, reportingPassword); err != nil {
			t.Fatal(err)
		}
	}
	standbySuper, err := pgx.Connect(ctx, s.standby.SuperuserURL(topologyDB))
	if err != nil {
		t.Fatal(err)
	}
	defer standbySuper.Close(ctx)
	eventually(t, 10*time.Second, "bookings and logins on the standby", func() error {
		var n, l int
		if err := standbySuper.QueryRow(ctx, `SELECT (SELECT count(*) FROM workshop.booking),
			(SELECT count(*) FROM pg_roles WHERE rolname LIKE 'cch\_reporting\_%')`).Scan(&n, &l); err != nil || n != 2 || l != len(logins) {
			return fmt.Errorf("%d bookings, %d logins (%v)", n, l, err)
		}
		return nil
	})
	for role, login := range logins {
		if err := compareVisible(ctx, s, app, s.standby.URL(login, reportingPassword, topologyDB), role, nil); err != nil {
			t.Error(err)
		}
	}
	rec := s.standby.URL(logins["receptionist"], reportingPassword, topologyDB)
	for _, attack := range reportingAttacks(s, second) {
		if err := compareVisible(ctx, s, app, rec, "receptionist", []string{attack}); err != nil {
			t.Errorf("after %q: %v", attack, err)
		}
	}
	reportingLosesRole(t, s, standbySuper, rec)
}

// reportingBookings adds a second branch and a booking at each branch of
// the organisation, and returns the second branch.
func reportingBookings(t *testing.T, s *stack) int64 {
	t.Helper()
	ctx := context.Background()
	var second int64
	if err := s.super.QueryRow(ctx, `INSERT INTO core.branch (organisation_id, code, name, timezone, opening_hours)
		SELECT organisation_id, 'LDS', 'Leeds', timezone, opening_hours FROM core.branch WHERE id = $1 RETURNING id`, s.fix.Branch).Scan(&second); err != nil {
		t.Fatal(err)
	}
	for i, br := range []int64{s.fix.Branch, second} {
		if _, err := s.super.Exec(ctx, `INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period, status)
			VALUES ($1, $2, $3, $4, tstzrange($5::timestamptz, $5::timestamptz + interval '1 hour'), 'booked')`, s.fix.Org, br, s.fix.Customer, s.fix.Vehicle,
			s.fix.Day.Add(time.Duration(10+i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return second
}

// reportingAttacks are statements a BI user could type to widen what the
// session reads; each runs in a fresh session before the comparison.
func reportingAttacks(s *stack, second int64) []string {
	return []string{
		fmt.Sprintf("SET app.organisation_id = '%d'", s.fix.OtherOrg),
		"SET app.branch_ids = ''",
		fmt.Sprintf("SET app.branch_ids = '%d,%d'", s.fix.Branch, second),
		fmt.Sprintf("SET app.staff_id = '%d'", s.fix.Staff["manager"]),
		"SET app.role = 'manager'",
		fmt.Sprintf("SELECT set_config('app.organisation_id', '%d', false), set_config('app.branch_ids', '', false)", s.fix.OtherOrg),
		"SET ROLE cch_manager",
		"SET ROLE cch_receptionist",
		"RESET ROLE",
		"SET ROLE cch_reporting",
		"SET SESSION AUTHORIZATION cch_app",
		"SET SESSION AUTHORIZATION DEFAULT",
		"SELECT core.reporting_session('cch_1_x')",
		"SET default_transaction_read_only = off",
	}
}

// reportingLosesRole: once the receptionist no longer holds the role,
// their reporting login reads nothing (the API refuses the token).
func reportingLosesRole(t *testing.T, s *stack, standbySuper *pgx.Conn, url string) {
	t.Helper()
	ctx := context.Background()
	staff := s.fix.Staff["receptionist"]
	if _, err := s.super.Exec(ctx, "DELETE FROM core.staff_role WHERE staff_id = $1 AND role = 'receptionist'", staff); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "role removed on the standby", func() error {
		var n int
		if err := standbySuper.QueryRow(ctx, "SELECT count(*) FROM core.staff_role WHERE staff_id = $1 AND role = 'receptionist'", staff).Scan(&n); err != nil || n != 0 {
			return fmt.Errorf("%d roles (%v)", n, err)
		}
		return nil
	})
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, tbl := range reportingTables {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+tbl).Scan(&n); err == nil && n != 0 {
			t.Errorf("a reporting login without its role reads %d rows of %s", n, tbl)
		}
	}
}

// compareVisible compares, per table, the ids the reporting login at url
// reads, after running attack (errors ignored), with those the API's
// transaction for role's token reads. A refused read passes only after an
// attack; different rows never do. The session must be read-only.
func compareVisible(ctx context.Context, s *stack, app *pgxpool.Pool, url, role string, attack []string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, a := range attack {
		_, _ = conn.Exec(ctx, a)
	}
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE x (id int)"); err == nil {
		return fmt.Errorf("%s: the reporting session could write", role)
	}
	p, err := principalOf(ctx, s.super, s.c.tokens[role])
	if err != nil {
		return err
	}
	for _, tbl := range reportingTables {
		q := "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM " + tbl
		if tbl == "audit.staff_audit_log" {
			q = "SELECT count(*)::text FROM " + tbl
		}
		var viaReporting, viaAPI, midQuery string
		repErr := conn.QueryRow(ctx, q).Scan(&viaReporting)
		// set_config in the middle of a query: the rows after the first
		// would be filtered with the forged context if the helpers read it.
		midErr := conn.QueryRow(ctx, strings.Replace(q, "FROM "+tbl, fmt.Sprintf("FROM (SELECT *, set_config('app.organisation_id', '%d', false), "+
			"set_config('app.branch_ids', '', false) FROM %s) t", s.fix.OtherOrg, tbl), 1)).Scan(&midQuery)
		_, apiErr := oltp.InTx(ctx, app, p, "compare", true, func(tx pgx.Tx) error { return tx.QueryRow(ctx, q).Scan(&viaAPI) })
		refused := attack != nil && repErr != nil
		if !refused && ((repErr == nil) != (apiErr == nil) || viaReporting != viaAPI) {
			return fmt.Errorf("%s on %s: reporting sees %q (%v), the API %q (%v)", role, tbl, viaReporting, repErr, viaAPI, apiErr)
		}
		if midErr == nil && midQuery != viaAPI {
			return fmt.Errorf("%s on %s: set_config mid-query: reporting sees %q, the API %q", role, tbl, midQuery, viaAPI)
		}
	}
	return nil
}

// principalOf resolves a bearer token as the API does.
func principalOf(ctx context.Context, super *pgx.Conn, token string) (oltp.Principal, error) {
	id, _, err := oltp.ParseToken(token)
	if err != nil {
		return oltp.Principal{}, err
	}
	p := oltp.Principal{TokenID: id}
	err = super.QueryRow(ctx, `SELECT staff_id, organisation_id, role::text, branch_ids FROM core.authenticate_token($1)`, id).
		Scan(&p.StaffID, &p.OrganisationID, &p.Role, &p.BranchIDs)
	return p, err
}
