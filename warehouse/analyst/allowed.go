package analyst

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

// AnalyticAccess decides which catalogue analytics a business role may
// read, from PostgreSQL's grants rather than a list: an analytic is open
// to a role only when its query binds over the role's warehouse views
// (every mart it reads computes from what the role may read, and every
// mirror table and column it names is one the role may SELECT), and the
// catalogue offers it to the role (marts.Analytic.Allows: which figures
// belong to which job). The views follow the catalogue of grants and
// policies (scope.Manager), so a GRANT or REVOKE changes the answer
// within the views' refresh interval.
type AnalyticAccess struct {
	db    *sql.DB
	views *scope.Manager
}

// NewAnalyticAccess decides over the views of db kept by views.
func NewAnalyticAccess(db *sql.DB, views *scope.Manager) *AnalyticAccess {
	return &AnalyticAccess{db: db, views: views}
}

// Allows reports whether role may read the analytic.
func (x *AnalyticAccess) Allows(ctx context.Context, role string, a marts.Analytic) (bool, error) {
	if !a.Allows(role) {
		return false, nil
	}
	set, release, err := x.views.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return x.binds(ctx, set, role, a)
}

// Open lists the names of the analytics role may read.
func (x *AnalyticAccess) Open(ctx context.Context, role string) (map[string]bool, error) {
	set, release, err := x.views.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	out := map[string]bool{}
	for _, a := range marts.Catalog() {
		if !a.Allows(role) {
			continue
		}
		ok, err := x.binds(ctx, set, role, a)
		if err != nil {
			return nil, err
		}
		if ok {
			out[a.Name] = true
		}
	}
	return out, nil
}

func (x *AnalyticAccess) binds(ctx context.Context, set *scope.Set, role string, a marts.Analytic) (bool, error) {
	q, args, err := a.Probe()
	if err != nil {
		return false, err
	}
	ok, err := set.Binds(ctx, x.db, role, q, args...)
	if err != nil {
		return false, fmt.Errorf("what %s reads: %w", a.Name, err)
	}
	return ok, nil
}
