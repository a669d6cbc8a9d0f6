package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/simulate"
	"github.com/carcarehub/cch/oltp"
)

// simulateBusiness runs the business simulator against this process's own
// API once the demo data and tokens are in place (--simulate RATE; 0, or
// no demo tokens, runs nothing).
func (d *devCmd) simulateBusiness(ctx context.Context, dataDir, baseURL string) error {
	if d.cfg.Simulate == 0 {
		return nil
	}
	for !d.seeded.Load() {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(500 * time.Millisecond):
		}
	}
	tokens, err := readTokens(filepath.Join(dataDir, "tokens.json"))
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	techs, err := d.technicianTokens(ctx)
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	sim, err := simulate.New(simulate.Config{BaseURL: baseURL, Tokens: tokens, Technicians: techs, Rate: d.cfg.Simulate,
		Log: d.log.With("part", "simulator")})
	if err != nil {
		d.log.Warn("business simulator not started", "err", err)
		return nil
	}
	d.sim.Store(sim)
	return sim.Run(ctx)
}

// simulatorTokenLabel marks the technicians' tokens the simulator plays
// them with; each start revokes the previous ones and issues new ones.
const simulatorTokenLabel = "dev simulator"

// technicianTokens issues a token to every active technician of the first
// organisation (staff id → token), so each job is clocked and completed
// by the technician it is assigned to.
func (d *devCmd) technicianTokens(ctx context.Context) (map[int64]string, error) {
	conn, err := pgx.Connect(ctx, d.cluster.SuperuserURL(devDatabase))
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `UPDATE core.api_token SET revoked_at = now() WHERE label = $1 AND revoked_at IS NULL`, simulatorTokenLabel); err != nil {
		return nil, fmt.Errorf("revoke simulator tokens: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT DISTINCT r.staff_id FROM core.staff_role r JOIN core.staff s ON s.id = r.staff_id AND s.active
		WHERE r.role = 'technician' AND r.organisation_id = (SELECT min(id) FROM core.organisation) ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, id := range ids {
		if out[id], _, err = oltp.IssueToken(ctx, conn, id, "technician", 30*24*time.Hour, simulatorTokenLabel); err != nil {
			return nil, err
		}
	}
	return out, nil
}
