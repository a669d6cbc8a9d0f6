package analyst

import (
	"context"
	"errors"
	"net/http"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/scope"
)

// gate parses query with DuckDB's parser and admits it only when it reads
// nothing but role's views (scope.Set.Check).
func gate(ctx context.Context, c *duckdb.Conn, set *scope.Set, role, query string) error {
	stmt, err := scope.Parse(ctx, c, query)
	if err == nil {
		err = set.Check(role, stmt)
	}
	var r *scope.Refusal
	switch {
	case errors.As(err, &r) && r.Forbidden:
		return &oltp.Error{Kind: "out-of-scope", Status: http.StatusForbidden, Title: "Out of scope", Detail: r.Reason}
	case errors.As(err, &r):
		return &oltp.Error{Kind: "bad-sql", Status: http.StatusBadRequest, Title: "Invalid SQL", Detail: r.Reason}
	}
	return err
}

// caller is the request context of p's views.
func caller(p oltp.Principal) scope.Caller {
	return scope.Caller{Role: p.Role, StaffID: p.StaffID, OrganisationID: p.OrganisationID, BranchIDs: p.BranchIDs}
}
