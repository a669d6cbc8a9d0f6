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
// API once the demo data and tokens are in place and the warehouse shows
// them (--simulate RATE; 0, or
// no demo tokens, runs nothing).
func (d *devCmd) simulateBusiness(ctx context.Context, dataDir, baseURL string) error {
	if d.cfg.Simulate == 0 {
		return nil
	}
	for d.demoReady(ctx) != nil { // the business as the Overview shows it
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(500 * time.Millisecond):
		}
	}
	sim, err := d.newSimulator(ctx, dataDir, baseURL)
	if err != nil { // a dev convenience: the rest of the stack serves on
		if ctx.Err() != nil {
			return nil
		}
		d.log.Warn("business simulator not started", "err", err)
		return nil
	}
	d.sim.Store(sim)
	return sim.Run(ctx)
}

// newSimulator reads the demo tokens and, when the business roles have
// one, issues the technicians' and chauffeurs' simulator tokens.
func (d *devCmd) newSimulator(ctx context.Context, dataDir, baseURL string) (*simulate.Simulator, error) {
	tokens, err := readTokens(filepath.Join(dataDir, "tokens.json"))
	if err != nil {
		return nil, err
	}
	for _, role := range []string{"receptionist", "manager", "finance"} {
		if tokens[role] == "" {
			return nil, fmt.Errorf("no demo %s token in tokens.json", role)
		}
	}
	techs, err := d.staffTokens(ctx, "technician")
	if err != nil {
		return nil, err
	}
	drivers, err := d.staffTokens(ctx, "chauffeur")
	if err != nil {
		return nil, err
	}
	return simulate.New(simulate.Config{BaseURL: baseURL, Tokens: tokens, Technicians: techs, Chauffeurs: drivers, Rate: d.cfg.Simulate,
		Log: d.log.With("part", "simulator")})
}

// simulatorTokenLabel marks the tokens the simulator plays technicians and
// chauffeurs with; each start revokes the previous ones of the role and
// issues new ones.
const simulatorTokenLabel = "dev simulator"

// staffTokens issues a token of role to every active staff member of the
// first organisation holding it (staff id → token), so each job is
// clocked and completed by its own technician and each ride driven by its
// own chauffeur.
func (d *devCmd) staffTokens(ctx context.Context, role string) (map[int64]string, error) {
	conn, err := pgx.Connect(ctx, d.cluster.SuperuserURL(devDatabase))
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `UPDATE core.api_token SET revoked_at = now() WHERE label = $1 AND role = $2::core.business_role AND revoked_at IS NULL`,
		simulatorTokenLabel, role); err != nil {
		return nil, fmt.Errorf("revoke simulator tokens: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT DISTINCT r.staff_id FROM core.staff_role r JOIN core.staff s ON s.id = r.staff_id AND s.active
		WHERE r.role = $1::core.business_role AND r.organisation_id = (SELECT min(id) FROM core.organisation) ORDER BY 1`, role)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, id := range ids {
		if out[id], _, err = oltp.IssueToken(ctx, conn, id, role, 30*24*time.Hour, simulatorTokenLabel); err != nil {
			return nil, err
		}
	}
	return out, nil
}
