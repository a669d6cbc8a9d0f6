package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

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

// DB is an open DuckDB store. Safe for concurrent use. Its *sql.DB stays
// the same for the life of the DB; Replace moves it to another file (a
// warehouse rebuilt after its replication slot was lost).
type DB struct {
	*sql.DB
	r    *router
	base string  // the path given to Open
	opts Options // to open a replacement with the same limits

	closeOnce sync.Once
	closeErr  error
}

// idleConns is database/sql's default, set explicitly: Replace drops the
// idle connections and restores it.
const idleConns = 2

// Open opens (creating when missing) the DuckDB file at path with the given
// limits. When a rebuild has replaced the file (see OpenSibling and
// Replace), path.current names the file in use and Open opens that one
// (a writable open also deletes the generations it replaced). It is the
// only place the project opens DuckDB.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	opts.defaults()
	if path == "" {
		return nil, errors.New("warehouse: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("warehouse directory: %w", err)
	}
	file, err := currentFile(path, !opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	in, err := openInstance(ctx, file, opts)
	if err != nil {
		return nil, err
	}
	db := &DB{r: newRouter(in), base: path, opts: opts}
	db.DB = sqlOpen(db.r)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open duckdb %s: %w", file, err), db.Close())
	}
	return db, nil
}

func sqlOpen(r *router) *sql.DB {
	db := sql.OpenDB(r)
	db.SetMaxIdleConns(idleConns)
	return db
}

// openInstance opens the DuckDB file at path: owner-only (its WAL made
// so before DuckDB opens it, files of an older release restricted), its
// spill directory beside it and bounded.
func openInstance(ctx context.Context, path string, opts Options) (*instance, error) {
	if !opts.ReadOnly && path != ":memory:" {
		if err := privateWAL(path); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	q.Set("memory_limit", opts.MemoryLimit)
	q.Set("threads", strconv.Itoa(opts.Threads))
	temp := opts.TempDirectory
	if temp == "" {
		temp = path + ".tmp"
	}
	q.Set("temp_directory", temp)
	if opts.ReadOnly {
		q.Set("access_mode", "READ_ONLY")
	}
	connector, err := duckdb.NewConnector(path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	for _, f := range []string{path, path + ".wal"} { // files of an older release
		if err := os.Chmod(f, 0o600); err != nil && !os.IsNotExist(err) && !opts.ReadOnly {
			connector.Close()
			return nil, fmt.Errorf("restrict %s: %w", f, err)
		}
	}
	if err := boundTemp(ctx, connector, opts.MaxTempSize); err != nil {
		connector.Close()
		return nil, err
	}
	return &instance{connector: connector, path: path}, nil
}

// boundTemp sets max_temp_directory_size on the instance: after
// temp_directory has taken effect (as a connection option it is not
// enforced) and before analyst access locks the configuration.
func boundTemp(ctx context.Context, connector *duckdb.Connector, size string) error {
	c, err := connector.Connect(ctx)
	if err != nil {
		return fmt.Errorf("open duckdb: %w", err)
	}
	defer c.Close()
	_, err = c.(driver.ExecerContext).ExecContext(ctx, "SET GLOBAL max_temp_directory_size = '"+strings.ReplaceAll(size, "'", "''")+"'", nil)
	if err != nil {
		return fmt.Errorf("duckdb max_temp_directory_size %q: %w", size, err)
	}
	return nil
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

// Path is the DuckDB file in use.
func (db *DB) Path() string { return db.r.instance().path }

// Connector exposes the current instance's connector for Arrow and
// Appender access.
func (db *DB) Connector() *duckdb.Connector { return db.r.instance().connector }

// Close closes every connection of this DB and releases its file (closed
// once no other DB shares it).
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.closeErr = errors.Join(db.DB.Close(), db.r.instance().release()) })
	return db.closeErr
}
