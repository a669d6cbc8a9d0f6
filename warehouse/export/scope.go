package export

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Selector is the seam that decides what an export holds: given a
// relation ("schema.name") and its columns, it returns the SELECT that
// exports it (its visible rows and columns), or false to leave the
// relation out. OrganisationScope and AllOrganisations are the selectors
// of today; per-role views (what a business role sees in PostgreSQL) plug
// in as another Selector through Options.Select, typically wrapping
// OrganisationScope.
type Selector func(relation string, columns []string) (query string, ok bool)

// Options choose what Parquet exports.
type Options struct {
	// Organisation exports that organisation only. Required unless
	// AllOrganisations.
	Organisation int64 `json:"organisation_id,omitempty"`
	// AllOrganisations exports every organisation: an operator's explicit
	// choice.
	AllOrganisations bool `json:"all_organisations,omitempty"`
	// Role and StaffID ask for an export of what that business role (and
	// staff member, for roles that see their own rows) sees of
	// Organisation; a running warehouse resolves them to Select and Enter
	// (see AsRole).
	Role    string `json:"role,omitempty"`
	StaffID int64  `json:"staff_id,omitempty"`
	// Select, when set, replaces the organisation scope (see Selector).
	Select Selector `json:"-"`
	// Enter, when set, prepares the reading connection once the relations
	// are listed and before any is read (the role's request context), and
	// returns what undoes it.
	Enter func(ctx context.Context, c *sql.Conn) (leave func(context.Context) error, err error) `json:"-"`
}

// enter runs o.Enter on c, if any.
func (o Options) enter(ctx context.Context, c *sql.Conn) (func(), error) {
	if o.Enter == nil {
		return func() {}, nil
	}
	leave, err := o.Enter(ctx, c)
	if err != nil {
		return nil, err
	}
	return func() {
		if err := leave(context.WithoutCancel(ctx)); err != nil {
			_ = c.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

func (o Options) selector() (Selector, error) {
	switch {
	case o.Organisation > 0 && o.AllOrganisations:
		return nil, errors.New("export: an organisation or all organisations, not both")
	case o.Select != nil:
		return o.Select, nil
	case o.Organisation > 0:
		return OrganisationScope(o.Organisation), nil
	case o.AllOrganisations:
		return AllOrganisations, nil
	}
	return nil, errors.New("export: name an organisation (or all organisations explicitly)")
}

// AllOrganisations exports every relation whole.
func AllOrganisations(relation string, _ []string) (string, bool) {
	return "SELECT * FROM " + quoteRelation(relation), true
}

// OrganisationScope exports the rows of one organisation: its own row of
// core.organisation and the rows of every relation with an
// organisation_id column. A relation without one cannot be scoped and is
// left out.
func OrganisationScope(org int64) Selector {
	return func(relation string, columns []string) (string, bool) {
		switch {
		case relation == "core.organisation":
			return fmt.Sprintf("SELECT * FROM %s WHERE id = %d", quoteRelation(relation), org), true
		case slices.Contains(columns, "organisation_id"):
			return fmt.Sprintf("SELECT * FROM %s WHERE organisation_id = %d", quoteRelation(relation), org), true
		}
		return "", false
	}
}

// subjectColumns are the columns of a relation that name a customer.
func subjectColumns(relation string, columns []string) []string {
	var out []string
	for _, c := range columns {
		own := relation == "core.customer"
		if (own && c == "id") || (!own && (c == "customer_id" || strings.HasSuffix(c, "_customer_id"))) {
			out = append(out, c)
		}
	}
	return out
}

func quoteRelation(relation string) string {
	schema, name, _ := strings.Cut(relation, ".")
	return ident(schema) + "." + ident(name)
}
