package oltp

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolConfig limits a pgx pool. Zero values take the documented defaults.
type PoolConfig struct {
	// ApplicationName shows in pg_stat_activity. Default "cch".
	ApplicationName string
	// MaxConns caps open connections. Default 20.
	MaxConns int32
	// ConnectTimeout bounds each dial. Default 5s.
	ConnectTimeout time.Duration
}

// OpenPool is the one constructor of the API's Postgres pool: it sets the
// application name and limits and proves the database is reachable.
// Statements run with the extended protocol's statement cache disabled
// when the URL asks for it (PgBouncer transaction mode: add
// default_query_exec_mode=exec to the URL).
func OpenPool(ctx context.Context, url string, pc PoolConfig) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if pc.ApplicationName == "" {
		pc.ApplicationName = "cch"
	}
	if pc.MaxConns == 0 {
		pc.MaxConns = 20
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = 5 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = pc.ApplicationName
	cfg.ConnConfig.ConnectTimeout = pc.ConnectTimeout
	cfg.MaxConns = pc.MaxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return pool, nil
}
