package migrations

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// server is a PostgreSQL server on which Diff, Drift and Lint create
// throwaway databases: a given one (dev URL, or the database being checked
// for drift), or a private pglocal cluster started for the call.
type server struct {
	url     string // any database on the server, with CREATEDB rights
	cluster *pglocal.Cluster
	tmp     string
}

// openServer uses the server of serverURL, or starts a private cluster in a
// temporary directory when serverURL is empty.
func openServer(ctx context.Context, serverURL string, log *slog.Logger) (*server, error) {
	if serverURL != "" {
		return &server{url: serverURL}, nil
	}
	tmp, err := os.MkdirTemp("", "cch-migrate-")
	if err != nil {
		return nil, fmt.Errorf("scratch cluster: %w", err)
	}
	// The server may run as another OS user (root → postgres): let it in.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, errors.Join(fmt.Errorf("scratch cluster: %w", err), os.RemoveAll(tmp))
	}
	log.Info("starting scratch postgres", "dir", tmp)
	c, err := pglocal.Start(ctx, pglocal.Config{Dir: tmp, Fast: true, Logger: log})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("scratch cluster: %w", err), os.RemoveAll(tmp))
	}
	return &server{url: c.SuperuserURL("postgres"), cluster: c, tmp: tmp}, nil
}

// close stops a private cluster and removes its files.
func (s *server) close(ctx context.Context) error {
	if s.cluster == nil {
		return nil
	}
	return errors.Join(s.cluster.Stop(ctx), os.RemoveAll(s.tmp))
}

// scratchDB is a throwaway database and an Atlas driver on it.
type scratchDB struct {
	url string
	db  *sql.DB
	drv migrate.Driver
}

// newDatabase creates an empty database on the server; drop removes it.
func (s *server) newDatabase(ctx context.Context, prefix string) (*scratchDB, func(context.Context) error, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := prefix + "_" + hex.EncodeToString(b[:])
	if err := adminExec(ctx, s.url, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, nil, fmt.Errorf("create scratch database: %w", err)
	}
	drop := func(ctx context.Context) error {
		return adminExec(ctx, s.url, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	u, err := url.Parse(s.url)
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("parse server url: %w", err), drop(ctx))
	}
	u.Path = "/" + name
	sdb, err := openAtlas(ctx, u.String())
	if err != nil {
		return nil, nil, errors.Join(err, drop(ctx))
	}
	return sdb, func(ctx context.Context) error { return errors.Join(sdb.db.Close(), drop(ctx)) }, nil
}

// openAtlas opens databaseURL through pgx's database/sql driver and wraps
// it in Atlas's Postgres driver.
func openAtlas(ctx context.Context, databaseURL string) (*scratchDB, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	// One connection: Atlas sets search_path per session while inspecting.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("connect to database: %w", err), db.Close())
	}
	drv, err := postgres.Open(db)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open atlas driver: %w", err), db.Close())
	}
	return &scratchDB{url: databaseURL, db: db, drv: drv}, nil
}

func adminExec(ctx context.Context, serverURL, stmt string) error {
	conn, err := connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, stmt)
	return err
}
