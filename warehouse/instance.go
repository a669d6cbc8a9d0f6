package warehouse

import (
	"context"
	"database/sql/driver"
	"errors"
	"os"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
)

// instance is one open DuckDB file. It is closed (and, once retired, its
// files removed) when the last reference goes: a router pointing at it or
// a connection opened on it.
type instance struct {
	connector *duckdb.Connector
	path      string

	mu      sync.Mutex
	refs    int
	remove  bool // delete the file and its WAL on the last release
	closeFn func() error
}

func (in *instance) acquire() {
	in.mu.Lock()
	in.refs++
	in.mu.Unlock()
}

// release drops one reference; the last closes the instance.
func (in *instance) release() error {
	in.mu.Lock()
	in.refs--
	last, remove := in.refs == 0, in.remove
	in.mu.Unlock()
	if !last {
		return nil
	}
	err := in.connector.Close()
	if remove {
		err = errors.Join(err, removeFiles(in.path))
	}
	return err
}

// removeFiles deletes a DuckDB file and its write-ahead log.
func removeFiles(path string) error {
	var errs []error
	for _, p := range []string{path, path + ".wal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// router is the driver.Connector behind a DB's *sql.DB: it opens each new
// connection on the current instance. Switching instances leaves the
// *sql.DB its readers hold unchanged; connections of the previous instance
// report themselves invalid and database/sql discards them.
type router struct {
	// gmu orders instance-wide settings against Replace: a SET GLOBAL
	// either runs before the switch (and is replayed on the new
	// instance) or on a connection of the new one.
	gmu     sync.Mutex
	mu      sync.Mutex
	current *instance
	// globals are the SET GLOBAL statements run through the DB, replayed
	// on a replacement instance before readers move to it.
	globals []string
	// switches counts the instances moved to (Replace).
	switches uint64
}

func newRouter(in *instance) *router {
	in.acquire()
	return &router{current: in}
}

func (r *router) instance() *instance {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current
}

// Connect opens a connection on the current instance.
func (r *router) Connect(ctx context.Context) (driver.Conn, error) {
	r.mu.Lock()
	in := r.current
	in.acquire()
	r.mu.Unlock()
	dc, err := in.connector.Connect(ctx)
	if err != nil {
		return nil, errors.Join(err, in.release())
	}
	return &conn{Conn: dc.(*duckdb.Conn), in: in, r: r}, nil
}

// Driver is required by driver.Connector.
func (r *router) Driver() driver.Driver { return r.instance().connector.Driver() }

// switchTo makes in the current instance and releases the previous one.
func (r *router) switchTo(in *instance) error {
	in.acquire()
	r.mu.Lock()
	old := r.current
	r.current = in
	r.switches++
	r.mu.Unlock()
	return old.release()
}

func (r *router) remember(stmt string) {
	r.mu.Lock()
	r.globals = append(r.globals, stmt)
	r.mu.Unlock()
}

func (r *router) globalStatements() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.globals...)
}

// conn is a DuckDB connection of one instance. It forwards everything to
// the embedded *duckdb.Conn; Unwrap hands that out for the Arrow and
// Appender interfaces.
type conn struct {
	*duckdb.Conn
	in     *instance
	r      *router
	closed bool
}

// Unwrap is the DuckDB connection (duckdb.NewArrowFromConn needs it).
func (c *conn) Unwrap() driver.Conn { return c.Conn }

// IsValid implements driver.Validator: a connection of a replaced instance
// is not reused.
func (c *conn) IsValid() bool { return c.r.instance() == c.in }

// ExecContext runs the statement and remembers instance-wide settings.
// A SET GLOBAL on a connection of a replaced instance is refused with
// driver.ErrBadConn before it runs (database/sql retries it on a new
// connection, of the current instance).
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !isGlobalSet(query) {
		return c.Conn.ExecContext(ctx, query, args)
	}
	c.r.gmu.Lock()
	defer c.r.gmu.Unlock()
	if !c.IsValid() {
		return nil, driver.ErrBadConn
	}
	res, err := c.Conn.ExecContext(ctx, query, args)
	if err == nil {
		c.r.remember(query)
	}
	return res, err
}

// Close closes the connection and releases its instance.
func (c *conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	return errors.Join(c.Conn.Close(), c.in.release())
}

func isGlobalSet(q string) bool {
	f := strings.Fields(q)
	return len(f) >= 2 && strings.EqualFold(f[0], "SET") && strings.EqualFold(f[1], "GLOBAL")
}

// DuckConn returns the *duckdb.Conn behind a driver connection handed out
// by (*sql.Conn).Raw on a DB.
func DuckConn(dc any) (*duckdb.Conn, bool) {
	if u, ok := dc.(interface{ Unwrap() driver.Conn }); ok {
		dc = u.Unwrap()
	}
	c, ok := dc.(*duckdb.Conn)
	return c, ok
}
