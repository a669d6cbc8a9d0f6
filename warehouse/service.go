package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse/export"
	"github.com/carcarehub/cch/warehouse/marts"
)

// Service is the CDC pipeline into one DuckDB file: an Applier plus a
// cdc.Stream. cch warehouse runs it; cch dev runs it in-process. Create it
// with NewService, call Run once; other methods are safe for concurrent use.
type Service struct {
	db      *DB
	applier *Applier
	stream  *cdc.Stream
	marts   *marts.Refresher
	log     *slog.Logger
	done    chan struct{}
}

// ServiceOptions tune a Service beyond its cdc.Config.
type ServiceOptions struct {
	// MartsInterval is the least time between two mart refreshes
	// (marts.RefresherConfig.MinInterval; default 1 s).
	MartsInterval time.Duration
}

// NewService wires a pipeline from cfg (see cdc.Config; URL must be a
// REPLICATION role such as cch_replicator) into db, with a mart Refresher
// behind it. It starts nothing.
func NewService(ctx context.Context, db *DB, cfg cdc.Config, opts ...ServiceOptions) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var o ServiceOptions
	for _, x := range opts {
		o = x
	}
	s := &Service{db: db, log: cfg.Logger, done: make(chan struct{})}
	var err error
	s.applier, err = NewApplier(ctx, db, cfg.Logger, WithCommitted(func(tables []string) { s.marts.Notify(tables) }))
	if err != nil {
		return nil, err
	}
	s.marts = marts.NewRefresher(marts.RefresherConfig{DB: db.DB, Hold: s.applier.Hold, MinInterval: o.MartsInterval,
		Logger: cfg.Logger.With("component", "marts")})
	if s.stream, err = cdc.NewStream(cfg, s.applier); err != nil {
		return nil, err
	}
	return s, nil
}

// Run replicates until ctx ends (see cdc.Stream.Run), refreshing the marts
// once the initial snapshot is complete.
func (s *Service) Run(ctx context.Context) error {
	defer close(s.done)
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.marts.Run(mctx, s.stream.Ready())
	}()
	exported := make(chan struct{})
	go func() { // exports beside the pipeline (see export.Serve)
		defer close(exported)
		scratch := func(ctx context.Context) (*sql.DB, error) {
			mem, err := Open(ctx, ":memory:", Options{MemoryLimit: "1GB", Threads: 2})
			if err != nil {
				return nil, err
			}
			return mem.DB, nil
		}
		if err := export.Serve(mctx, s.db.DB, export.SocketPath(s.db.Path()), s.db.Path(), scratch); err != nil {
			s.log.Warn("export socket stopped", "err", err)
		}
	}()
	err := s.stream.Run(ctx)
	cancel()
	<-done
	<-exported
	return err
}

// Done is closed when Run has returned: the stream and the mart refresher
// have stopped and no longer use the DB.
func (s *Service) Done() <-chan struct{} { return s.done }

// Marts is the mart Refresher: its LSN is the position the analytics
// reflect (what min_lsn waits for) and Ready closes once they are built.
func (s *Service) Marts() *marts.Refresher { return s.marts }

// Stream is the underlying stream (Ready, Done, Err, Applied, Lag).
func (s *Service) Stream() *cdc.Stream { return s.stream }

// DB is the warehouse database the pipeline writes.
func (s *Service) DB() *DB { return s.db }

// Check reports whether the pipeline is ready: streaming, the marts
// built, and behind by no more than maxLag (0: no bound).
func (s *Service) Check(maxLag time.Duration) error {
	select {
	case <-s.stream.Ready():
	default:
		return fmt.Errorf("cdc: initial snapshot not complete")
	}
	select {
	case <-s.marts.Ready():
	default:
		return fmt.Errorf("marts: first build not complete")
	}
	if lag := s.stream.Lag(); maxLag > 0 && lag > maxLag {
		return fmt.Errorf("cdc: lag %s exceeds %s", lag.Round(time.Millisecond), maxLag)
	}
	return nil
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
