package marts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carcarehub/cch/cdc"
)

// Materialised marts.
//
// The SQL files define every mart as a view in schema mart_view; the
// analytics, the dashboards and analysts read the table of the same name
// in schema mart, which Refresh rebuilds from the view. A refresh runs in
// one DuckDB transaction that also reads the warehouse's applied position
// (_cch.position), so every mart table is exactly the view's result at
// that position: Refresher.LSN is what min_lsn waits for. mart.freshness
// records, per mart, the position it was built at, when, how long it took,
// its row count and the hash of its definition (a changed definition is
// rebuilt at the next start).

// martSchemas are the schemas of the mirror tables marts read; a
// "schema.table" reference in a view with one of these schemas is a
// source of the mart (aliases like "ro.id" never use these names).
var martSchemas = []string{"core", "workshop", "finance", "inventory", "chauffeur", "notify", "audit"}

// martDef is one mart: the view mart_view.Name materialised as mart.Name.
type martDef struct {
	Name    string
	View    string   // the CREATE OR REPLACE VIEW statement
	Hash    string   // of View
	Sources []string // mirror tables it reads, "schema.table"
	Deps    []string // marts it reads (always defined earlier)
}

var (
	defsOnce   sync.Once
	defsErr    error
	statements []string  // every statement of the SQL files, in order
	defs       []martDef // the marts, in statement (dependency) order
)

var (
	viewRE = regexp.MustCompile(`(?m)^CREATE OR REPLACE VIEW mart_view\.([a-z_0-9]+) AS`)
	refRE  = regexp.MustCompile(`\b([a-z_]+)\.([a-z_0-9]+)\b(\s*\()?`)
)

// loadDefs splits the SQL files into statements and describes the marts.
func loadDefs() ([]string, []martDef, error) {
	defsOnce.Do(func() {
		names, err := fs.Glob(viewFiles, "*.sql")
		if err != nil {
			defsErr = err
			return
		}
		slices.Sort(names)
		for _, name := range names {
			b, err := viewFiles.ReadFile(name)
			if err != nil {
				defsErr = err
				return
			}
			statements = append(statements, splitStatements(string(b))...)
		}
		known := map[string]bool{}
		for _, st := range statements {
			m := viewRE.FindStringSubmatch(st)
			if m == nil {
				continue
			}
			d := martDef{Name: m[1], View: st}
			sum := sha256.Sum256([]byte(st))
			d.Hash = hex.EncodeToString(sum[:8])
			for _, r := range refRE.FindAllStringSubmatch(stripComments(st), -1) {
				if r[3] != "" { // a macro call
					continue
				}
				switch {
				case r[1] == "mart" && known[r[2]]:
					if !slices.Contains(d.Deps, r[2]) {
						d.Deps = append(d.Deps, r[2])
					}
				case r[1] == "mart":
					defsErr = fmt.Errorf("mart %s reads mart.%s, which is not defined before it", d.Name, r[2])
					return
				case slices.Contains(martSchemas, r[1]):
					if s := r[1] + "." + r[2]; !slices.Contains(d.Sources, s) {
						d.Sources = append(d.Sources, s)
					}
				}
			}
			known[d.Name] = true
			defs = append(defs, d)
		}
	})
	return statements, defs, defsErr
}

// splitStatements splits SQL text at lines ending in ";" (outside comment
// lines); the mart files keep one statement per such line end.
func splitStatements(text string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		cur.WriteString(line)
		t := strings.TrimSpace(line)
		if strings.HasSuffix(t, ";") && !strings.HasPrefix(t, "--") {
			if s := strings.TrimSpace(cur.String()); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" && strings.Trim(stripComments(s), " \n\t") != "" {
		out = append(out, s)
	}
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i] + "\n"
		}
		b.WriteString(line)
	}
	return b.String()
}

// Names lists the materialised marts as "mart.name", in refresh order.
func Names() []string {
	_, ds, _ := loadDefs()
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = "mart." + d.Name
	}
	return out
}

const freshnessDDL = `CREATE TABLE IF NOT EXISTS mart.freshness (
  mart VARCHAR, lsn UBIGINT, refreshed_at TIMESTAMPTZ, took_ms DOUBLE, row_count BIGINT, definition_hash VARCHAR)`

// installViews creates the macros and views, an empty mart table for
// every view that has none (later views bind to it) and mart.freshness.
// It returns the marts whose table is missing or whose definition changed.
func installViews(ctx context.Context, conn *sql.Conn) (map[string]bool, error) {
	sts, ds, err := loadDefs()
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			return nil, fmt.Errorf("install marts: %w\n%s", err, firstLine(st))
		}
		if strings.Contains(st, "CREATE SCHEMA IF NOT EXISTS mart;") {
			if _, err := conn.ExecContext(ctx, freshnessDDL); err != nil {
				return nil, fmt.Errorf("install marts: %w", err)
			}
		}
		m := viewRE.FindStringSubmatch(st)
		if m == nil {
			continue
		}
		i := slices.IndexFunc(ds, func(d martDef) bool { return d.Name == m[1] })
		var hash sql.NullString
		err := conn.QueryRowContext(ctx, `SELECT (SELECT definition_hash FROM mart.freshness WHERE mart = $1)
			WHERE EXISTS (SELECT 1 FROM duckdb_tables() WHERE schema_name = 'mart' AND table_name = $1)`, m[1]).Scan(&hash)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && hash.String != ds[i].Hash):
			// No table yet, or a changed definition: an empty table of
			// the new shape now, rows at the next refresh.
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE mart.%s AS FROM mart_view.%s LIMIT 0", m[1], m[1])); err != nil {
				return nil, fmt.Errorf("install mart %s: %w", m[1], err)
			}
			if _, err := conn.ExecContext(ctx, "DELETE FROM mart.freshness WHERE mart = $1", m[1]); err != nil {
				return nil, fmt.Errorf("install mart %s: %w", m[1], err)
			}
		case err != nil:
			return nil, fmt.Errorf("install mart %s: %w", m[1], err)
		}
	}
	stale := map[string]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT mart FROM mart.freshness")
	if err != nil {
		return nil, fmt.Errorf("read mart freshness: %w", err)
	}
	fresh := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		fresh[n] = true
	}
	rows.Close()
	for _, d := range ds {
		if !fresh[d.Name] {
			stale[d.Name] = true
		}
	}
	return stale, rows.Err()
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
			return t
		}
	}
	return ""
}

// readPosition is the warehouse's applied position (0 without a pipeline).
func readPosition(ctx context.Context, conn *sql.Conn) (uint64, error) {
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = '_cch' AND table_name = 'position'`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read warehouse position: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var lsn uint64
	if err := conn.QueryRowContext(ctx, "SELECT lsn FROM _cch.position WHERE id = 1").Scan(&lsn); err != nil {
		return 0, fmt.Errorf("read warehouse position: %w", err)
	}
	return lsn, nil
}

// closure returns the marts to rebuild: those in force, those reading a
// changed table, and every mart reading one of them.
func closure(ds []martDef, force map[string]bool, changed map[string]bool, all bool) []string {
	var out []string
	for _, d := range ds {
		hit := all || force[d.Name]
		for _, s := range d.Sources {
			hit = hit || changed[s]
		}
		for _, dep := range d.Deps {
			hit = hit || slices.Contains(out, dep)
		}
		if hit {
			out = append(out, d.Name)
		}
	}
	return out
}

// RefreshStats describes one refresh.
type RefreshStats struct {
	LSN   cdc.LSN
	Marts []string // rebuilt, in order
	Took  time.Duration
}

// rebuild rebuilds the named marts inside the transaction open on conn and
// records them in mart.freshness at lsn.
func rebuild(ctx context.Context, conn *sql.Conn, ds []martDef, names []string, lsn uint64) error {
	for _, n := range names {
		i := slices.IndexFunc(ds, func(d martDef) bool { return d.Name == n })
		t0 := time.Now()
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE mart.%s AS FROM mart_view.%s", n, n)); err != nil {
			return fmt.Errorf("refresh mart %s: %w", n, err)
		}
		var rows int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM mart."+n).Scan(&rows); err != nil {
			return fmt.Errorf("refresh mart %s: %w", n, err)
		}
		took := time.Since(t0)
		if _, err := conn.ExecContext(ctx, `DELETE FROM mart.freshness WHERE mart = $1`, n); err != nil {
			return fmt.Errorf("refresh mart %s: %w", n, err)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO mart.freshness VALUES ($1, $2, now(), $3, $4, $5)`,
			n, lsn, float64(took.Microseconds())/1000, rows, ds[i].Hash); err != nil {
			return fmt.Errorf("refresh mart %s: %w", n, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `UPDATE mart.freshness SET lsn = $1`, lsn); err != nil {
		return fmt.Errorf("refresh marts: %w", err)
	}
	return nil
}

// inTx runs f between BEGIN and COMMIT on conn, rolling back on error.
// A cancelled context can fail BEGIN or COMMIT after the engine acted on
// it, so either failure is followed by a ROLLBACK (an error when no
// transaction is open, ignored): the pooled connection is left clean.
func inTx(ctx context.Context, conn *sql.Conn, f func() error) error {
	rollback := func() error {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		_ = rollback()
		return err
	}
	if err := f(); err != nil {
		return errors.Join(err, rollback())
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_ = rollback()
		return err
	}
	return nil
}

// Install creates the mart macros and views and builds every mart table
// at the warehouse's current position, in one transaction. The mirror
// tables the views read must exist. A running pipeline keeps the marts
// fresh with a Refresher instead (warehouse.Service does); Install is for
// one-off use: tests, tools, a warehouse file opened without a pipeline.
func Install(ctx context.Context, db *sql.DB) error {
	_, err := Refresh(ctx, db, nil)
	return err
}

// Refresh installs the views when needed and rebuilds the named marts
// (nil: every mart, plus those reading them) at the current position.
func Refresh(ctx context.Context, db *sql.DB, names []string) (RefreshStats, error) {
	_, ds, err := loadDefs()
	if err != nil {
		return RefreshStats{}, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return RefreshStats{}, err
	}
	defer conn.Close()
	force := map[string]bool{}
	for _, n := range names {
		force[strings.TrimPrefix(n, "mart.")] = true
	}
	t0 := time.Now()
	var st RefreshStats
	err = inTx(ctx, conn, func() error {
		if _, err := installViews(ctx, conn); err != nil {
			return err
		}
		lsn, err := readPosition(ctx, conn)
		if err != nil {
			return err
		}
		st.LSN, st.Marts = cdc.LSN(lsn), closure(ds, force, nil, names == nil)
		return rebuild(ctx, conn, ds, st.Marts, lsn)
	})
	st.Took = time.Since(t0)
	if err != nil {
		return st, fmt.Errorf("refresh marts: %w", err)
	}
	return st, nil
}

// RefresherConfig configures a Refresher.
type RefresherConfig struct {
	DB *sql.DB
	// Hold runs f while no batch is being applied (warehouse.Applier.Hold);
	// the Refresher takes its set of changed tables and starts its
	// transaction inside it, so the set matches the snapshot exactly.
	Hold func(f func() error) error
	// MinInterval is the least time between the starts of two refreshes
	// (default 1 s): changes arriving meanwhile are refreshed together.
	MinInterval time.Duration
	Logger      *slog.Logger
	// Observe, when set, is told of every refresh that rebuilt marts (or
	// failed): how long it took, how many marts it rebuilt, its error.
	Observe func(took time.Duration, marts int, err error)
}

// Refresher keeps the mart tables fresh behind a CDC pipeline: Notify
// tells it which mirror tables a committed batch changed; Run rebuilds
// the marts that read them (and the marts reading those), at most once per
// MinInterval, in one DuckDB transaction with the position it read.
type Refresher struct {
	cfg RefresherConfig

	mu      sync.Mutex
	changed map[string]bool // tables changed since the last snapshot
	moved   bool            // a batch committed since the last snapshot
	wake    chan struct{}

	lsn       atomic.Uint64
	ready     chan struct{}
	readyOnce sync.Once
	// pendingSince: unix micros of the oldest change not yet refreshed
	// into the marts; 0 when none is pending.
	pendingSince atomic.Int64
}

// NewRefresher returns a Refresher; call Run once.
func NewRefresher(cfg RefresherConfig) *Refresher {
	if cfg.MinInterval <= 0 {
		cfg.MinInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Hold == nil {
		cfg.Hold = func(f func() error) error { return f() }
	}
	return &Refresher{cfg: cfg, changed: map[string]bool{}, wake: make(chan struct{}, 1), ready: make(chan struct{})}
}

// Notify records that a batch committed, changing tables ("schema.table").
// The applier calls it after each commit, before the next batch starts.
func (r *Refresher) Notify(tables []string) {
	r.mu.Lock()
	r.pendingSince.CompareAndSwap(0, time.Now().UnixMicro())
	r.moved = true
	for _, t := range tables {
		r.changed[t] = true
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// LSN is the position every mart table reflects: an analytic read after
// LSN() ≥ X sees every change committed at or before X.
func (r *Refresher) LSN() cdc.LSN { return cdc.LSN(r.lsn.Load()) }

// Staleness is how long the oldest change not yet in the marts has been
// waiting: zero when the marts reflect everything applied.
func (r *Refresher) Staleness() time.Duration {
	since := r.pendingSince.Load()
	if since == 0 {
		return 0
	}
	return time.Since(time.UnixMicro(since))
}

// Ready closes after the first refresh following the initial snapshot.
func (r *Refresher) Ready() <-chan struct{} { return r.ready }

// Run waits for snapshot (the pipeline's initial snapshot), installs the
// views, brings every mart up to date, then refreshes on Notify until ctx
// ends. A failed refresh is retried with backoff; its changes stay pending.
func (r *Refresher) Run(ctx context.Context, snapshot <-chan struct{}) error {
	defer residents.Delete(r.cfg.DB)
	select {
	case <-snapshot:
	case <-ctx.Done():
		return ctx.Err()
	}
	_, ds, err := loadDefs()
	if err != nil {
		return err
	}
	var force map[string]bool
	backoff := r.cfg.MinInterval
	for {
		if force == nil {
			force, err = r.install(ctx)
		}
		var next time.Time
		if err == nil {
			start := time.Now()
			next = start.Add(r.cfg.MinInterval)
			err = r.refreshOnce(ctx, ds, force)
			if err == nil {
				force = map[string]bool{}
				backoff = r.cfg.MinInterval
				r.readyOnce.Do(func() { close(r.ready) })
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.cfg.Logger.Warn("mart refresh failed; retrying", "err", err, "in", backoff)
			next = time.Now().Add(backoff)
			backoff = min(2*backoff, 30*time.Second)
			select { // retry even without news
			case r.wake <- struct{}{}:
			default:
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(next)):
		}
	}
}

// install installs the views and returns the marts that must be rebuilt
// whatever changed: missing, redefined, or older than the position.
func (r *Refresher) install(ctx context.Context) (map[string]bool, error) {
	conn, err := r.cfg.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var force map[string]bool
	err = inTx(ctx, conn, func() error {
		var err error
		if force, err = installViews(ctx, conn); err != nil {
			return err
		}
		pos, err := readPosition(ctx, conn)
		if err != nil {
			return err
		}
		rows, err := conn.QueryContext(ctx, "SELECT mart FROM mart.freshness WHERE lsn < $1", pos)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			force[n] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("install marts: %w", err)
	}
	r.mu.Lock()
	r.moved = true
	r.mu.Unlock()
	return force, nil
}

// refreshOnce takes the pending changes and rebuilds what they touch.
func (r *Refresher) refreshOnce(ctx context.Context, ds []martDef, force map[string]bool) error {
	conn, err := r.cfg.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var (
		changed map[string]bool
		moved   bool
		names   []string
		lsn     uint64
		inTx    bool
	)
	t0 := time.Now()
	var since int64
	err = r.cfg.Hold(func() error {
		r.mu.Lock()
		changed, moved = r.changed, r.moved
		r.changed, r.moved = map[string]bool{}, false
		since = r.pendingSince.Swap(0)
		r.mu.Unlock()
		names = closure(ds, force, changed, false)
		if !moved && len(names) == 0 {
			return nil
		}
		if len(names) > 0 {
			// A cancelled context can fail BEGIN after it took effect:
			// roll back either way (a ROLLBACK without a transaction is
			// a harmless error) so the pooled connection is clean.
			inTx = true
			if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
				return err
			}
		}
		var err error
		lsn, err = readPosition(ctx, conn)
		return err
	})
	// The resident visit histories are reloaded with customer_visits, in
	// its refresh transaction (see resident.go).
	var res *residentSet
	reload := r.residentDB() == nil || slices.Contains(names, residentMart)
	if err == nil && len(names) > 0 {
		err = rebuild(ctx, conn, ds, names, lsn)
		if err == nil && reload {
			res, err = loadResident(ctx, conn)
		}
		if err == nil {
			_, err = conn.ExecContext(ctx, "COMMIT")
			inTx = err != nil
		}
	} else if err == nil && reload {
		res, err = loadResident(ctx, conn)
	}
	if err != nil {
		if inTx {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		if r.cfg.Observe != nil {
			r.cfg.Observe(time.Since(t0), len(names), err)
		}
		if since != 0 { // the changes are still pending, since then
			r.pendingSince.Store(since)
		}
		r.mu.Lock()
		r.moved = r.moved || moved
		for t := range changed {
			r.changed[t] = true
		}
		r.mu.Unlock()
		return err
	}
	if res != nil {
		residents.Store(r.cfg.DB, res)
	}
	if lsn > r.lsn.Load() {
		r.lsn.Store(lsn)
	}
	if len(names) > 0 && r.cfg.Observe != nil {
		r.cfg.Observe(time.Since(t0), len(names), nil)
	}
	if len(names) > 0 {
		r.cfg.Logger.Debug("marts refreshed", "lsn", cdc.LSN(lsn), "marts", len(names), "took", time.Since(t0))
	}
	return nil
}

// Affected lists the marts ("mart.name") a change to the given mirror
// tables ("schema.table") rebuilds, in refresh order.
func Affected(tables []string) []string {
	_, ds, err := loadDefs()
	if err != nil {
		return nil
	}
	changed := map[string]bool{}
	for _, t := range tables {
		changed[t] = true
	}
	var out []string
	for _, n := range closure(ds, nil, changed, false) {
		out = append(out, "mart."+n)
	}
	return out
}
