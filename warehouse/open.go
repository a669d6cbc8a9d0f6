package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Options configure a DuckDB store. The zero value is usable.
type Options struct {
	// MemoryLimit caps DuckDB's buffer manager, e.g. "2GB". Default "2GB".
	MemoryLimit string
	// Threads DuckDB may use. Default runtime.NumCPU().
	Threads int
	// ReadOnly opens the file without write access (another process may
	// not write it at the same time: DuckDB holds one writer per file).
	ReadOnly bool
	// TempDirectory is where DuckDB spills what does not fit in memory.
	// Default: the file's path + ".tmp", beside it in the data directory.
	TempDirectory string
	// MaxTempSize bounds the spill (max_temp_directory_size), e.g. "8GB";
	// a query needing more fails. Default "8GB".
	MaxTempSize string
}

func (o *Options) defaults() {
	if o.MemoryLimit == "" {
		o.MemoryLimit = "2GB"
	}
	if o.Threads <= 0 {
		o.Threads = runtime.NumCPU()
	}
	if o.MaxTempSize == "" {
		o.MaxTempSize = "8GB"
	}
}

// DB is an open DuckDB store. Safe for concurrent use.
type DB struct {
	*sql.DB
	connector *duckdb.Connector
	path      string
}

// Open opens (creating when missing) the DuckDB file at path with the given
// limits. It is the only place the project opens DuckDB.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	opts.defaults()
	if path == "" {
		return nil, errors.New("warehouse: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("warehouse directory: %w", err)
	}
	if !opts.ReadOnly && path != ":memory:" {
		if err := privateWAL(path); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	q.Set("memory_limit", opts.MemoryLimit)
	q.Set("threads", strconv.Itoa(opts.Threads))
	if opts.TempDirectory == "" {
		opts.TempDirectory = path + ".tmp"
	}
	q.Set("temp_directory", opts.TempDirectory)
	if opts.ReadOnly {
		q.Set("access_mode", "READ_ONLY")
	}
	connector, err := duckdb.NewConnector(path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		connector.Close()
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	for _, f := range []string{path, path + ".wal"} { // files of an older release
		if err := os.Chmod(f, 0o600); err != nil && !os.IsNotExist(err) && !opts.ReadOnly {
			db.Close()
			connector.Close()
			return nil, fmt.Errorf("restrict %s: %w", f, err)
		}
	}
	// Set after temp_directory has taken effect (as a connection option
	// it is not enforced) and before analyst access locks the configuration.
	if _, err := db.ExecContext(ctx, "SET GLOBAL max_temp_directory_size = '"+strings.ReplaceAll(opts.MaxTempSize, "'", "''")+"'"); err != nil {
		db.Close()
		connector.Close()
		return nil, fmt.Errorf("duckdb max_temp_directory_size %q: %w", opts.MaxTempSize, err)
	}
	return &DB{DB: db, connector: connector, path: path}, nil
}

// privateWAL creates the WAL, when missing, owner-only before DuckDB
// opens it: DuckDB creates it world-readable and keeps the file (it
// truncates it at a checkpoint), so a file made by us keeps our mode. The
// database file itself is restricted right after opening, before any
// data is written to it.
func privateWAL(path string) error {
	f, err := os.OpenFile(path+".wal", os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("warehouse WAL: %w", err)
	}
	return f.Close()
}

// Path is the DuckDB file.
func (db *DB) Path() string { return db.path }

// Connector exposes the underlying connector for Arrow and Appender access.
func (db *DB) Connector() *duckdb.Connector { return db.connector }

// Close closes every connection and the database file.
func (db *DB) Close() error {
	return errors.Join(db.DB.Close(), db.connector.Close())
}
