package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/warehouse"
	"github.com/carcarehub/cch/warehouse/analyst"
)

// boundsConfig bounds the warehouse's resources and analyst access, shared
// by `cch warehouse` and `cch dev`.
type boundsConfig struct {
	MaxAnswerBytes      int    // --max-answer-bytes: one /v1/sql or Flight SQL answer. Default 64 MiB.
	MaxQueries          int    // --max-queries: analyst queries running at once in the process. Default 8.
	MaxQueriesPerCaller int    // --max-queries-per-caller: of one staff member. Default 2.
	MaxTempSize         string // --max-temp-size: DuckDB spill (DuckDB file + ".tmp"). Default 8GB.
	MaxStreams          int    // --max-streams: live dashboard streams open at once in the process. Default 1024.
	MaxStreamsPerToken  int    // --max-streams-per-token: of one bearer token. Default 8.
}

func (b *boundsConfig) register(f *flags) {
	f.Int(&b.MaxAnswerBytes, "max-answer-bytes", analyst.DefaultMaxAnswerBytes, "largest analyst answer in bytes (/v1/sql, Flight SQL); larger answers are refused")
	f.Int(&b.MaxQueries, "max-queries", analyst.DefaultMaxQueries, "analyst queries running at once in this process; more are refused (429 / RESOURCE_EXHAUSTED)")
	f.Int(&b.MaxQueriesPerCaller, "max-queries-per-caller", analyst.DefaultMaxQueriesPerCaller, "analyst queries one staff member may run at once")
	f.String(&b.MaxTempSize, "max-temp-size", "8GB", "most DuckDB may spill to disk (beside the warehouse file)")
	f.Int(&b.MaxStreams, "max-streams", 1024, "live dashboard streams (/dashboards/events) open at once in this process; more are refused (429)")
	f.Int(&b.MaxStreamsPerToken, "max-streams-per-token", 8, "live dashboard streams one bearer token may hold open")
}

func (b *boundsConfig) validate() error {
	if b.MaxAnswerBytes < 1 || b.MaxQueries < 1 || b.MaxQueriesPerCaller < 1 || b.MaxStreams < 1 || b.MaxStreamsPerToken < 1 {
		return errors.New("--max-answer-bytes, --max-queries, --max-queries-per-caller, --max-streams and --max-streams-per-token must be positive")
	}
	return nil
}

// options are the DuckDB options the bounds set.
func (b *boundsConfig) options(opts warehouse.Options) warehouse.Options {
	opts.MaxTempSize = b.MaxTempSize
	return opts
}

// analystConfig completes cfg with the bounds, the audit log and the
// warehouse's paths (never shown in errors).
func (b *boundsConfig) analystConfig(cfg analyst.Config, db *warehouse.DB, audit *analyst.AuditLog) analyst.Config {
	cfg.MaxAnswerBytes = int64(b.MaxAnswerBytes)
	cfg.MaxQueries, cfg.MaxQueriesPerCaller = b.MaxQueries, b.MaxQueriesPerCaller
	cfg.Audit = audit
	cfg.Paths = []string{db.Path(), filepath.Dir(db.Path())}
	return cfg
}

// openAuditLog opens the analyst audit log as the API login at url, its
// entries made durable in the spool beside the warehouse file (duckdb +
// ".audit-spool") until they are in PostgreSQL.
func openAuditLog(ctx context.Context, url, duckdb string, log *slog.Logger) (*analyst.AuditLog, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("audit log database url: %w", err)
	}
	return analyst.OpenAuditLog(ctx, cfg, analyst.AuditOptions{Logger: log, Spool: auditSpoolPath(duckdb)})
}

// auditSpoolPath is where the analyst audit spool of a warehouse file lives.
func auditSpoolPath(duckdb string) string { return duckdb + ".audit-spool" }

// flightTLS loads the Flight SQL certificate and key ("" and "": no TLS).
func flightTLS(cert, key string) (*tls.Config, error) {
	if cert == "" && key == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("flight sql tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}
