package scope

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
)

// contextVariable is the DuckDB variable holding the request context: a
// struct of the API's app.* settings (app.organisation_id is its field
// organisation_id), read by the translated helpers.
const contextVariable = "app"

// Caller is whom a query runs for: the request context PostgreSQL's
// policies read from app.* settings.
type Caller struct {
	Role           string // business role (a key of the roles given to Load)
	StaffID        int64
	OrganisationID int64
	BranchIDs      []int64 // empty = organisation-wide
}

// Execer runs statements on one DuckDB connection (*duckdb.Conn).
type Execer interface {
	ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error)
}

// ErrNoRole is returned by Enter for a role the set has no views for.
var ErrNoRole = fmt.Errorf("scope: the role has no warehouse views")

// Enter points connection c at the caller's views: it sets the request
// variables the translated policies read (as the API's set_config does in
// PostgreSQL) and makes the role's catalogue the default, so core.customer
// names the role's view. leave undoes both; a connection whose leave fails
// must be discarded (driver.ErrBadConn).
func (s *Set) Enter(ctx context.Context, c Execer, who Caller) (leave func(context.Context) error, err error) {
	r := s.roles[who.Role]
	if r == nil {
		return nil, ErrNoRole
	}
	return s.enter(ctx, c, who, r.catalog)
}

// EnterDerived is Enter into the catalogue the analytics are written
// against: the role's same views with enums and ranges as the mirror's
// text, and the marts computed from them (the catalogue Binds plans in).
// A set built without derived statements has only the role's catalogue.
func (s *Set) EnterDerived(ctx context.Context, c Execer, who Caller) (leave func(context.Context) error, err error) {
	r := s.roles[who.Role]
	if r == nil {
		return nil, ErrNoRole
	}
	catalog := r.catalog
	if r.derived != "" {
		catalog = r.derived
	}
	return s.enter(ctx, c, who, catalog)
}

func (s *Set) enter(ctx context.Context, c Execer, who Caller, catalog string) (leave func(context.Context) error, err error) {
	ids := make([]string, len(who.BranchIDs))
	for i, id := range who.BranchIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	// Every value is an integer or a validated role name: no quoting issue.
	q := fmt.Sprintf(`SET VARIABLE %s = {'organisation_id': '%d', 'staff_id': '%d', 'branch_ids': '%s', 'role': '%s'}; USE %s`,
		contextVariable, who.OrganisationID, who.StaffID, strings.Join(ids, ","), who.Role, quote(catalog))
	if _, err := c.ExecContext(ctx, q, nil); err != nil {
		return nil, fmt.Errorf("enter %s views: %w", who.Role, err)
	}
	return func(ctx context.Context) error {
		_, err := c.ExecContext(ctx, "RESET VARIABLE "+contextVariable+"; USE "+quote(s.main), nil)
		if err != nil {
			return fmt.Errorf("leave views: %w: %w", err, driver.ErrBadConn)
		}
		return nil
	}, nil
}
