package oltp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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
	// Pooler says what sits between the pool and PostgreSQL: PoolerNone,
	// PoolerTransaction or PoolerAuto (the default, see OpenPool).
	Pooler string
}

// Pooler settings of PoolConfig.
const (
	// PoolerAuto treats the server as behind a transaction pooler when the
	// port PostgreSQL reports (inet_server_port) is not the port dialled.
	// A pooler listening on the server's own port is not detected: say
	// PoolerTransaction.
	PoolerAuto = "auto"
	// PoolerNone: a direct connection; statements are prepared once per
	// connection and cached (pgx's default).
	PoolerNone = "none"
	// PoolerTransaction: a transaction-mode pooler such as PgBouncer
	// without prepared-statement support. Statements run as the unnamed
	// statement, with their parameter and result descriptions cached per
	// connection (pgx QueryExecModeCacheDescribe), except a request
	// transaction's first statement: it is prepared by name inside the
	// transaction, where the server connection is pinned, and re-prepared
	// when the server connection the pooler hands over lacks it (see
	// InTx), so it is planned once per server connection, not per request.
	PoolerTransaction = "transaction"
)

// ValidPooler reports whether s is a PoolConfig.Pooler value ("" is auto).
func ValidPooler(s string) bool {
	return s == "" || s == PoolerAuto || s == PoolerNone || s == PoolerTransaction
}

// OpenPool is the one constructor of the API's Postgres pool: it sets the
// application name and limits and proves the database is reachable.
// Behind a transaction pooler (pc.Pooler, detected by default) statements
// are not prepared by name; a default_query_exec_mode in the URL wins over
// both.
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
	if !strings.Contains(url, "default_query_exec_mode") {
		pooled, err := behindPooler(ctx, cfg.ConnConfig, pc.Pooler)
		if err != nil {
			return nil, err
		}
		if pooled {
			cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
		}
	}
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

// behindPooler decides PoolConfig.Pooler; for auto it dials once and
// compares the server's port with the one dialled.
func behindPooler(ctx context.Context, cc *pgx.ConnConfig, pooler string) (bool, error) {
	switch pooler {
	case PoolerNone:
		return false, nil
	case PoolerTransaction:
		return true, nil
	case "", PoolerAuto:
	default:
		return false, fmt.Errorf("pooler %q: want auto, none or transaction", pooler)
	}
	probe := cc.Copy()
	probe.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, probe)
	if err != nil {
		return false, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var port *int32
	if err := conn.QueryRow(ctx, "SELECT inet_server_port()").Scan(&port); err != nil {
		return false, fmt.Errorf("detect a pooler: %w", err)
	}
	return port != nil && uint16(*port) != cc.Port, nil
}
