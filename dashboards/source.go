package dashboards

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse/marts"
)

// Warehouse is what the dashboards read: named analytics, the branches of
// an organisation (for the filter), and a position that moves whenever
// the warehouse applies changes (for live updates).
type Warehouse interface {
	Run(ctx context.Context, name string, p marts.Params) (*marts.Table, error)
	Branches(ctx context.Context, organisationID int64) ([]Branch, error)
	Applied() cdc.LSN
}

// Branch is one entry of the branch filter.
type Branch struct {
	ID   int64
	Code string
	Name string
}

// ErrNotReady is returned while the warehouse is still taking its initial
// snapshot.
var ErrNotReady = errors.New("dashboards: warehouse starting")

// DuckDB is the warehouse's database as Marts needs it.
type DuckDB interface {
	marts.Querier
	marts.Execer
}

// Marts adapts a DuckDB warehouse to Warehouse: it runs catalogue
// analytics on the mart tables a marts.Refresher keeps fresh.
type Marts struct {
	db      DuckDB
	applied func() cdc.LSN
	ready   <-chan struct{}
	// RowLimit caps one analytic's rows. Default 100,000.
	RowLimit int
	// Timeout bounds one query. Default 30s.
	Timeout time.Duration
}

var _ Warehouse = (*Marts)(nil)

// NewMarts returns the adapter; applied is the position the marts reflect
// (marts.Refresher.LSN, warehouse.Service.Marts) and ready closes when
// they are built (marts.Refresher.Ready).
func NewMarts(db DuckDB, applied func() cdc.LSN, ready <-chan struct{}) *Marts {
	return &Marts{db: db, applied: applied, ready: ready, RowLimit: 100_000, Timeout: 30 * time.Second}
}

// Applied is the position the marts reflect.
func (m *Marts) Applied() cdc.LSN { return m.applied() }

func (m *Marts) prepare(context.Context) error {
	select {
	case <-m.ready:
		return nil
	default:
		return ErrNotReady
	}
}

// Run runs the catalogue analytic name with p.
func (m *Marts) Run(ctx context.Context, name string, p marts.Params) (*marts.Table, error) {
	a, ok := marts.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("dashboards: no analytic %s", name)
	}
	if err := m.prepare(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	return marts.Run(ctx, m.db, a, p, m.RowLimit)
}

// Branches lists the organisation's branches by id.
func (m *Marts) Branches(ctx context.Context, organisationID int64) ([]Branch, error) {
	if err := m.prepare(ctx); err != nil {
		return nil, err
	}
	rows, err := m.db.QueryContext(ctx, `SELECT id, code, name FROM core.branch WHERE organisation_id = $1 ORDER BY id`, organisationID)
	if err != nil {
		return nil, fmt.Errorf("dashboards: list branches: %w", err)
	}
	defer rows.Close()
	var out []Branch
	for rows.Next() {
		var b Branch
		var code, name sql.NullString
		if err := rows.Scan(&b.ID, &code, &name); err != nil {
			return nil, fmt.Errorf("dashboards: scan branch: %w", err)
		}
		b.Code, b.Name = code.String, name.String
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboards: list branches: %w", err)
	}
	return out, nil
}
