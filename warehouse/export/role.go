package export

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/carcarehub/cch/warehouse/scope"
)

// AsRole exports what one business role sees in PostgreSQL: the relations
// of set visible to who.Role (its views: granted columns only, rows its
// policies admit), read with who's request context — who.OrganisationID,
// who.BranchIDs (empty: every branch of the organisation), and who.StaffID
// for roles whose rows are the staff member's own (see NeedsStaff). Mart tables, computed over every row, are exported from the
// role's mart views instead (computed from what the role sees), and left
// out where those do not bind. Anything else is left out: no view, no
// export.
func AsRole(set *scope.Set, who scope.Caller) (Options, error) {
	cat := set.Catalog(who.Role)
	if cat == "" || who.OrganisationID <= 0 {
		return Options{}, fmt.Errorf("export: no warehouse views for role %q (organisation %d)", who.Role, who.OrganisationID)
	}
	if NeedsStaff(set, who.Role) && who.StaffID <= 0 {
		return Options{}, fmt.Errorf("export: the %s role sees rows by staff member: name one (staff id)", who.Role)
	}
	views := map[string]bool{}
	for _, v := range set.Views(who.Role) {
		views[v.Key()] = true
	}
	sel := func(relation string, _ []string) (string, bool) {
		key := strings.ToLower(relation)
		if s, n, _ := strings.Cut(key, "."); s == "mart" {
			key = "mart_view." + n
		}
		if !views[key] {
			return "", false
		}
		return "SELECT * FROM " + ident(cat) + "." + quoteRelation(key), true
	}
	enter := func(ctx context.Context, c *sql.Conn) (func(context.Context) error, error) {
		if len(who.BranchIDs) == 0 {
			var err error
			if who.BranchIDs, err = branches(ctx, c, who.OrganisationID); err != nil {
				return nil, err
			}
		}
		return set.Enter(ctx, connExecer{c}, who)
	}
	return Options{Organisation: who.OrganisationID, Role: who.Role, StaffID: who.StaffID, Select: sel, Enter: enter}, nil
}

// branches are the organisation's branch ids in the mirror: an export is
// organisation-wide, so a branch-scoped role sees every branch (an empty
// list would admit none of the branch rows).
func branches(ctx context.Context, c *sql.Conn, org int64) ([]int64, error) {
	rows, err := c.QueryContext(ctx, "SELECT id FROM core.branch WHERE organisation_id = ? ORDER BY id", org)
	if err != nil {
		return nil, fmt.Errorf("export: branches of organisation %d: %w", org, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NeedsStaff reports whether what role sees depends on who the staff
// member is (a policy of one of its views reads the request's staff id,
// as a technician's assigned jobs do): an export as that role must name
// the staff member.
func NeedsStaff(set *scope.Set, role string) bool {
	for _, v := range set.Views(role) {
		if strings.Contains(v.Filter, "current_staff_id") || strings.Contains(v.Filter, "'staff_id'") {
			return true
		}
	}
	return false
}

// connExecer runs scope's statements on a database/sql connection.
type connExecer struct{ c *sql.Conn }

func (e connExecer) ExecContext(ctx context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	return e.c.ExecContext(ctx, q)
}
