package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse/export"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

// Service is the CDC pipeline into one DuckDB file: an Applier plus a
// cdc.Stream and the mart Refresher behind it. cch warehouse runs it; cch
// dev runs it in-process. Create it with NewService, call Run once; other
// methods are safe for concurrent use.
//
// Lost slot policy: when PostgreSQL invalidates the slot (it retained more
// than max_slot_wal_keep_size while the warehouse was stopped or behind),
// the stream stops — no retry can read the removed WAL — and Run rebuilds:
// a new DuckDB file next to the old one, a new slot of the same name and a
// new initial snapshot, with the marts built on it, while readers keep
// querying the old file (stale; /readyz fails meanwhile once the outage
// exceeds --max-lag). When the rebuild is ready, DB.Replace moves the
// readers to the new file (the *sql.DB they hold does not change) and the
// old file is deleted once its last query ends. A rebuild whose own slot
// is lost again before it is ready ends Run with cdc.ErrSlotLost. A slot
// missing after the snapshot completed is treated the same way (a
// failover to a standby, which PostgreSQL 15 gives no logical slots):
// the rebuild snapshots the new primary.
type Service struct {
	db   *DB // what readers hold; Replace moves it to a rebuilt file
	cfg  cdc.Config
	opts ServiceOptions
	gen  atomic.Pointer[generation]
	done chan struct{}

	metrics *serviceMetrics
	// views are the roles' warehouse views role exports read (ServeRoleExports).
	views atomic.Pointer[export.Views]
}

// ServeRoleExports lets `cch export parquet --role` ask this warehouse
// for what a business role sees, through views (scope.Manager.Acquire).
func (s *Service) ServeRoleExports(views export.Views) { s.views.Store(&views) }

func (s *Service) roleViews(ctx context.Context) (*scope.Set, func(), error) {
	v := s.views.Load()
	if v == nil {
		return nil, nil, export.ErrNoViews
	}
	return (*v)(ctx)
}

// ServiceOptions tune a Service beyond its cdc.Config.
type ServiceOptions struct {
	// MartsInterval is the least time between two mart refreshes
	// (marts.RefresherConfig.MinInterval; default 1 s).
	MartsInterval time.Duration
	// ArchiveDir holds the months `cch archive` moved to Parquet; every
	// new snapshot loads them (see WithArchive). Empty: none.
	ArchiveDir string
}

// generation is one DuckDB file with the pipeline writing it.
type generation struct {
	db      *DB
	applier *Applier
	stream  *cdc.Stream
	marts   *marts.Refresher
	owned   bool // db was opened for this generation: run closes it
	done    chan struct{}
	err     error
}

// NewService wires a pipeline from cfg (see cdc.Config; URL must be a
// REPLICATION role such as cch_replicator) into db, with a mart Refresher
// behind it. It starts nothing.
func NewService(ctx context.Context, db *DB, cfg cdc.Config, opts ...ServiceOptions) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.MissingSlotIsLost = true // a failover loses the slot: rebuild beside the old file, never in place
	s := &Service{db: db, cfg: cfg, done: make(chan struct{})}
	for _, x := range opts {
		s.opts = x
	}
	if err := s.registerMetrics(); err != nil {
		return nil, err
	}
	g, err := s.newGeneration(ctx, db)
	if err != nil {
		return nil, err
	}
	s.gen.Store(g)
	return s, nil
}

func (s *Service) newGeneration(ctx context.Context, db *DB) (*generation, error) {
	g := &generation{db: db, done: make(chan struct{})}
	var err error
	g.applier, err = NewApplier(ctx, db, s.cfg.Logger, WithCommitted(func(tables []string) { g.marts.Notify(tables) }),
		WithArchive(s.opts.ArchiveDir))
	if err != nil {
		return nil, err
	}
	g.marts = marts.NewRefresher(marts.RefresherConfig{DB: db.DB, Hold: g.applier.Hold, MinInterval: s.opts.MartsInterval,
		Logger: s.cfg.Logger.With("component", "marts"), Observe: s.metrics.observeRefresh})
	if g.stream, err = cdc.NewStream(s.cfg, g.applier); err != nil {
		return nil, err
	}
	return g, nil
}

// run replicates into g until ctx ends or the stream stops, refreshing
// the marts once the initial snapshot is complete; it closes g.done.
func (g *generation) run(ctx context.Context) {
	defer close(g.done)
	if g.owned {
		defer g.db.Close() // the readers' DB holds its own reference to the file
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = g.marts.Run(mctx, g.stream.Ready())
	}()
	g.err = g.stream.Run(ctx)
	cancel()
	<-done
}

// Run replicates until ctx ends (see cdc.Stream.Run), refreshing the
// marts once the initial snapshot is complete, and rebuilds after a lost
// slot (see Service).
func (s *Service) Run(ctx context.Context) error {
	defer close(s.done)
	ectx, cancel := context.WithCancel(ctx)
	exported := make(chan struct{})
	go s.serveExports(ectx, exported)
	defer func() {
		cancel()
		<-exported
	}()
	g := s.gen.Load()
	go g.run(ctx)
	for {
		<-g.done
		if ctx.Err() != nil || !errors.Is(g.err, cdc.ErrSlotLost) {
			return g.err
		}
		next, err := s.rebuild(ctx)
		if err != nil {
			return err
		}
		g = next
	}
}

// serveExports answers `cch export` beside the pipeline (see export.Serve)
// on the socket named after the warehouse's base path until ctx ends; it
// closes done.
func (s *Service) serveExports(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	scratch := func(ctx context.Context) (*sql.DB, error) {
		mem, err := Open(ctx, ":memory:", Options{MemoryLimit: "1GB", Threads: 2})
		if err != nil {
			return nil, err
		}
		return mem.DB, nil
	}
	if err := export.Serve(ctx, s.db.DB, export.SocketPath(s.db.base), s.db.Path(), scratch, s.roleViews); err != nil {
		s.cfg.Logger.Warn("export socket stopped", "err", err)
	}
}

// rebuild snapshots into a new file while s.db keeps serving the old one,
// then moves the readers over. The new generation keeps running.
func (s *Service) rebuild(ctx context.Context) (*generation, error) {
	log := s.cfg.Logger
	s.metrics.rebuilding.Set(1)
	defer s.metrics.rebuilding.Set(0)
	db, err := s.db.OpenSibling(ctx)
	if err != nil {
		return nil, fmt.Errorf("rebuild after lost slot: %w", err)
	}
	log.Warn("replication slot lost; rebuilding into a new file while the old one serves", "file", db.Path())
	g, err := s.newGeneration(ctx, db)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("rebuild after lost slot: %w", err), db.Close())
	}
	g.owned = true
	go g.run(ctx)
	select {
	case <-g.marts.Ready():
	case <-g.done:
		return nil, fmt.Errorf("rebuild after lost slot: %w", g.err)
	}
	if err := s.db.Replace(ctx, db); err != nil {
		return nil, fmt.Errorf("rebuild after lost slot: %w", err)
	}
	s.gen.Store(g)
	s.metrics.rebuilds.Inc()
	log.Info("warehouse rebuilt; readers moved to the new file", "file", db.Path())
	return g, nil
}

// Done is closed when Run has returned: the stream and the mart refresher
// have stopped and no longer use the DB.
func (s *Service) Done() <-chan struct{} { return s.done }

// Marts is the current mart Refresher (a rebuild replaces it): Ready
// closes once the first marts are built.
func (s *Service) Marts() *marts.Refresher { return s.gen.Load().marts }

// LSN is the position the analytics reflect (what min_lsn waits for):
// the current Refresher's, across rebuilds.
func (s *Service) LSN() cdc.LSN { return s.gen.Load().marts.LSN() }

// Stream is the current stream (Ready, Done, Err, Applied, Lag, Down).
func (s *Service) Stream() *cdc.Stream { return s.gen.Load().stream }

// DB is the warehouse database readers use; it stays the same across
// rebuilds.
func (s *Service) DB() *DB { return s.db }

// Check reports whether the pipeline is ready: streaming (or disconnected
// for no longer than maxLag), the marts built, and behind by no more than
// maxLag (0: no bound).
func (s *Service) Check(maxLag time.Duration) error {
	g := s.gen.Load()
	select {
	case <-g.stream.Ready():
	default:
		return fmt.Errorf("cdc: initial snapshot not complete")
	}
	select {
	case <-g.marts.Ready():
	default:
		return fmt.Errorf("marts: first build not complete")
	}
	if maxLag <= 0 {
		return nil
	}
	if down := g.stream.Down(); down > maxLag {
		if errors.Is(streamErr(g), cdc.ErrSlotLost) {
			return fmt.Errorf("cdc: replication slot lost %s ago; rebuilding into a new file", down.Round(time.Millisecond))
		}
		return fmt.Errorf("cdc: replication disconnected for %s (max %s)", down.Round(time.Millisecond), maxLag)
	}
	if lag := g.stream.Lag(); lag > maxLag {
		return fmt.Errorf("cdc: lag %s exceeds %s", lag.Round(time.Millisecond), maxLag)
	}
	return nil
}

// streamErr is the stream's result once it has stopped, else nil.
func streamErr(g *generation) error {
	select {
	case <-g.stream.Done():
		return g.stream.Err()
	default:
		return nil
	}
}

// Handler serves GET /healthz, GET /readyz (Check with maxLag) and, when
// metrics is not nil, GET /metrics.
func (s *Service) Handler(maxLag time.Duration, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Check(maxLag); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	return mux
}
