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
// belong to which job), and only when the role's row policies on those
// tables admit no more than the analytic filters on itself (rowpolicy.go).
// The views follow the catalogue of grants and
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
	why, err := x.Refusal(ctx, role, a)
	return why == "", err
}

// Refusal is why role may not read the analytic ("" when it may): not
// offered to the role, not bound by its grants, or a row policy of the
// role the marts cannot apply (rowPolicyGap).
func (x *AnalyticAccess) Refusal(ctx context.Context, role string, a marts.Analytic) (string, error) {
	if !a.Allows(role) {
		return "it is not offered to the role", nil
	}
	set, release, err := x.views.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return x.refusal(ctx, set, role, a)
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
		why, err := x.refusal(ctx, set, role, a)
		if err != nil {
			return nil, err
		}
		if why == "" {
			out[a.Name] = true
		}
	}
	return out, nil
}

func (x *AnalyticAccess) refusal(ctx context.Context, set *scope.Set, role string, a marts.Analytic) (string, error) {
	q, args, err := a.Probe()
	if err != nil {
		return "", err
	}
	ok, err := set.Binds(ctx, x.db, role, q, args...)
	if err != nil {
		return "", fmt.Errorf("what %s reads: %w", a.Name, err)
	}
	if !ok {
		return "PostgreSQL does not grant the role everything it reads", nil
	}
	return rowPolicyGap(set, role, a)
}
