package inventory_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/carcarehub/cch/oltp/inventory"
	"github.com/carcarehub/cch/oltp/oltptest"
)

// stockEnv is the API with the inventory workflows and a few parts.
type stockEnv struct {
	*oltptest.Env
	parts map[string]int64 // part number → id
}

func newStockEnv(t *testing.T) *stockEnv {
	t.Helper()
	e := &stockEnv{Env: oltptest.New(t, inventory.Register), parts: map[string]int64{}}
	for _, pn := range []string{"OIL-5W30", "PAD-FRONT", "FILTER-AIR"} {
		e.parts[pn] = e.scalar(t, `INSERT INTO inventory.part (organisation_id, part_number, name) VALUES ($1, $2, $2 || ' part') RETURNING id`,
			e.Fix.Org, pn)
	}
	return e
}

// scalar runs a query as superuser and returns its one bigint.
func (e *stockEnv) scalar(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var v int64
	if err := e.Admin.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// text runs a query as superuser and returns its one value as text.
func (e *stockEnv) text(t testing.TB, sql string, args ...any) string {
	t.Helper()
	var v string
	if err := e.Admin.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func (e *stockEnv) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := e.Admin.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// secondBranch adds a branch to the fixture organisation and makes the
// manager organisation-wide (so their token covers both branches).
func (e *stockEnv) secondBranch(t testing.TB) int64 {
	t.Helper()
	b := e.scalar(t, `INSERT INTO core.branch (organisation_id, code, name, timezone) VALUES ($1, 'BRS', 'Bristol', 'UTC') RETURNING id`, e.Fix.Org)
	e.exec(t, `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'manager', NULL)`,
		e.Fix.Org, e.Fix.Staff["manager"])
	return b
}

// receipt receives stock through the API (so the ledger holds it).
func (e *stockEnv) receipt(t testing.TB, branch, part int64, qty, cost string) inventory.Movement {
	t.Helper()
	res := e.Do(t, "manager", "POST", "/v1/stock/receipts", map[string]any{
		"branch_id": branch, "part_id": part, "quantity": qty, "unit_cost": cost, "reference": "GRN-1"})
	if res.Status != http.StatusCreated {
		t.Fatalf("receipt: %d %s", res.Status, res.Body)
	}
	var m inventory.Movement
	res.JSON(t, &m)
	return m
}

// ledgerConsistent checks that the ledger sums to on_hand for a part.
func (e *stockEnv) ledgerConsistent(t testing.TB, branch, part int64) string {
	t.Helper()
	onHand := e.text(t, `SELECT on_hand::text FROM inventory.stock_level WHERE branch_id = $1 AND part_id = $2`, branch, part)
	sum := e.text(t, `SELECT coalesce(sum(quantity), 0)::numeric(10,3)::text FROM inventory.inventory_transaction WHERE branch_id = $1 AND part_id = $2`,
		branch, part)
	if onHand != sum {
		t.Errorf("branch %d part %d: on_hand %s but ledger sums to %s", branch, part, onHand, sum)
	}
	return onHand
}

func wantProblem(t testing.TB, res oltptest.Response, status int, kind string) {
	t.Helper()
	if res.Status != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") ||
		(kind != "" && !strings.Contains(string(res.Body), `/problems/`+kind+`"`)) {
		t.Errorf("want %d %s problem, got %d %s %s", status, kind, res.Status, res.Header.Get("Content-Type"), res.Body)
	}
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }
