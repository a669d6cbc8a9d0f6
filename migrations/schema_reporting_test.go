package migrations_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

// refused stands for a read the role is not granted.
const refused = "(refused)"

// reportingTables are compared between a reporting login and the API.
var reportingTables = []string{"core.customer", "core.vehicle", "core.branch", "core.staff", "workshop.booking",
	"workshop.repair_order", "chauffeur.ride_booking", "core.time_clock_entry"}

// idsOf lists the ids query q reads on conn ("" when none).
func idsOf(ctx context.Context, conn interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, tbl string) (string, error) {
	var ids string
	err := conn.QueryRow(ctx, "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM "+tbl).Scan(&ids)
	return ids, err
}

// TestReportingLoginContext: a reporting login of the receptionist reads
// exactly what the API's transaction for her reads, and after each attempt
// to change who it is (app.* settings, set_config, SET ROLE, RESET ROLE,
// SET SESSION AUTHORIZATION) still exactly that or nothing (refused). It is
// a member of cch_receptionist and cch_reporting only; a staff member
// without the role gets no login, and one who loses it reads nothing.
func TestReportingLoginContext(t *testing.T) {
	d := newSchemaDB(t)
	ctx := context.Background()
	login, err := migrations.GrantReporting(ctx, d.url, staffReception, "receptionist", "rep-pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = migrations.RevokeReporting(context.Background(), d.url, staffReception, "receptionist") })
	// Every role it may SET ROLE to, directly or through another.
	if got := queryString(t, d.url, fmt.Sprintf(`SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles
		WHERE pg_has_role('%s', oid, 'MEMBER') AND rolname <> '%[1]s'`, login)); got != "cch_receptionist,cch_reporting" {
		t.Fatalf("%s is a member of %s", login, got)
	}
	if got := queryString(t, d.url, `SELECT rolcanlogin::text || coalesce((SELECT string_agg(roleid::regrole::text, ',') FROM pg_auth_members
		WHERE member = 'cch_reporting'::regrole), '') FROM pg_roles WHERE rolname = 'cch_reporting'`); got != "false" {
		t.Fatalf("cch_reporting: login and memberships %q, want none", got)
	}
	api := actor{role: "cch_receptionist", appRole: "receptionist", org: orgA, staff: staffReception, branches: fmt.Sprint(branchA1)}
	want := map[string]string{}
	for _, tbl := range reportingTables {
		if err := inTx(t, d.login, api, false, func(tx pgx.Tx) (err error) { want[tbl], err = idsOf(ctx, tx, tbl); return err }); err != nil {
			want[tbl] = refused
		}
	}
	if want["core.customer"] == "" || strings.Contains(want["core.branch"], fmt.Sprint(branchB1)) {
		t.Fatalf("fixture: the receptionist sees customers %q, branches %q", want["core.customer"], want["core.branch"])
	}
	url := pgtest.Cluster(t).URL(login, "rep-pw", d.name)
	attacks := []string{"", fmt.Sprintf("SET app.organisation_id = '%d'", orgB), "SET app.branch_ids = ''",
		fmt.Sprintf("SET app.staff_id = '%d'", staffManager), "SET app.role = 'manager'",
		fmt.Sprintf("SELECT set_config('app.organisation_id', '%d', false), set_config('app.branch_ids', '', false)", orgB),
		"SET ROLE cch_manager", "SET ROLE cch_receptionist", "RESET ROLE", "SET ROLE cch_reporting",
		"SET SESSION AUTHORIZATION cch_app", "SELECT core.reporting_session('cch_1_x')",
		fmt.Sprintf("BEGIN; SET LOCAL app.organisation_id = '%d'", orgB)}
	for _, attack := range attacks {
		reportingSeesOnly(t, url, attack, want)
	}
	reportingNeverWrites(t, url)
	if _, err := migrations.GrantReporting(ctx, d.url, staffTech2, "technician", ""); !errors.Is(err, migrations.ErrNotReportable) {
		t.Errorf("a staff member without the role got a reporting login: %v", err)
	}
	mustExec(t, d.super, "DELETE FROM core.staff_role WHERE staff_id = $1", staffReception)
	conn := connect(t, url)
	defer conn.Close(ctx)
	for _, tbl := range reportingTables {
		if ids, err := idsOf(ctx, conn, tbl); err == nil && ids != "" {
			t.Errorf("after losing the role the login reads %s of %s", ids, tbl)
		}
	}
}

// reportingSeesOnly runs attack in a new session of the reporting login at
// url and checks every table reads want (or is refused, after an attack),
// also with set_config called in the middle of the query.
func reportingSeesOnly(t *testing.T, url, attack string, want map[string]string) {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, url)
	defer conn.Close(ctx)
	if attack != "" {
		_, _ = conn.Exec(ctx, attack)
	}
	for _, tbl := range reportingTables {
		got, err := idsOf(ctx, conn, tbl)
		if err != nil {
			got = refused
		}
		if (err != nil && attack == "" && want[tbl] != refused) || (err == nil && got != want[tbl]) {
			t.Errorf("after %q: %s reads %q (%v), the API %q", attack, tbl, got, err, want[tbl])
		}
		mid := fmt.Sprintf("(SELECT *, set_config('app.organisation_id', '%d', false), set_config('app.branch_ids', '', false) FROM %s)", orgB, tbl)
		if got, err := idsOf(ctx, conn, mid+" t"); err == nil && got != want[tbl] {
			t.Errorf("after %q: %s with set_config mid-query reads %q, the API %q", attack, tbl, got, want[tbl])
		}
	}
}

// reportingNeverWrites: on the primary, with read-only turned off, the
// reporting login's INSERT is refused and its UPDATE and DELETE change
// nothing, though its business role may insert and update customers.
func reportingNeverWrites(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, url)
	defer conn.Close(ctx)
	mustExec(t, conn, "SET default_transaction_read_only = off")
	if _, err := conn.Exec(ctx, `INSERT INTO core.customer (organisation_id, home_branch_id, given_name, family_name)
		VALUES ($1, $2, 'Eve', 'Report')`, orgA, branchA1); sqlState(err) != "42501" {
		t.Errorf("a reporting login inserted a customer: %v", err)
	}
	if tag, err := conn.Exec(ctx, "UPDATE core.customer SET phone = '0799' WHERE id = $1", custAssigned); err == nil && tag.RowsAffected() != 0 {
		t.Errorf("a reporting login updated %d customers", tag.RowsAffected())
	}
}
