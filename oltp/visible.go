package oltp

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Ref is a row a write refers to by id: What names it for the client
// ("customer"), Table is the table holding it (a constant of the caller,
// never client input) and ID its id.
type Ref struct {
	What  string
	Table string
	ID    int64
}

// Visible refuses with 404 problem+json the first of refs the caller
// cannot see: row-level security decides, in the request's transaction,
// so another organisation's row and a row outside the caller's branches
// read exactly as a row that does not exist (foreign keys, checked without
// row-level security, would tell them apart). Refs with ID 0 (an optional
// reference left out) are skipped. One round trip for all of them.
func Visible(ctx context.Context, tx pgx.Tx, refs ...Ref) error {
	var q strings.Builder
	args := make([]any, 0, len(refs))
	idx := make([]int, 0, len(refs))
	for i, r := range refs {
		if r.ID == 0 {
			continue
		}
		args = append(args, r.ID)
		idx = append(idx, i)
		if len(args) > 1 {
			q.WriteString(", ")
		}
		q.WriteString("EXISTS (SELECT 1 FROM " + r.Table + " WHERE id = $" + strconv.Itoa(len(args)) + ")")
	}
	if len(args) == 0 {
		return nil
	}
	var seen []bool
	if err := tx.QueryRow(ctx, "SELECT ARRAY["+q.String()+"]", args...).Scan(&seen); err != nil {
		return fmt.Errorf("check references: %w", err)
	}
	for k, ok := range seen {
		if !ok {
			r := refs[idx[k]]
			return NotFound(fmt.Sprintf("%s %d does not exist", r.What, r.ID))
		}
	}
	return nil
}

// CheckBranch refuses an action at branch id (named field for the client)
// that p may not act at: 404 when p cannot see the branch (another
// organisation's, or none), 403 when it is a branch of p's organisation
// outside p's branch scope (a role held at some branches acts only there).
// A branch in p's scope is p's organisation's, so only out-of-scope
// branches and organisation-wide callers cost a query. (Row-level security
// enforces the same scope on every write; this check answers before any
// work is done, with the right status.)
func CheckBranch(ctx context.Context, tx pgx.Tx, p Principal, field string, id int64) error {
	if len(p.BranchIDs) > 0 && slices.Contains(p.BranchIDs, id) {
		return nil
	}
	if err := Visible(ctx, tx, Ref{What: field, Table: "core.branch", ID: id}); err != nil {
		return err
	}
	if len(p.BranchIDs) > 0 {
		return Forbidden(fmt.Sprintf("%s %d is not one of your branches", field, id))
	}
	return nil
}
