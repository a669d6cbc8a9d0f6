package warehouse

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/carcarehub/cch/cdc"
)

// Service is the CDC pipeline into one DuckDB file: an Applier plus a
// cdc.Stream. cch warehouse runs it; cch dev runs it in-process. Create it
// with NewService, call Run once; other methods are safe for concurrent use.
type Service struct {
	db      *DB
	applier *Applier
	stream  *cdc.Stream
}

// NewService wires a pipeline from cfg (see cdc.Config; URL must be a
// REPLICATION role such as cch_replicator) into db. It starts nothing.
func NewService(ctx context.Context, db *DB, cfg cdc.Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := NewApplier(ctx, db, cfg.Logger)
	if err != nil {
		return nil, err
	}
	st, err := cdc.NewStream(cfg, a)
	if err != nil {
		return nil, err
	}
	return &Service{db: db, applier: a, stream: st}, nil
}

// Run replicates until ctx ends (see cdc.Stream.Run).
func (s *Service) Run(ctx context.Context) error { return s.stream.Run(ctx) }

// Stream is the underlying stream (Ready, Done, Err, Applied, Lag).
func (s *Service) Stream() *cdc.Stream { return s.stream }

// DB is the warehouse database the pipeline writes.
func (s *Service) DB() *DB { return s.db }

// Check reports whether the pipeline is ready: streaming, and behind by
// no more than maxLag (0: no bound).
func (s *Service) Check(maxLag time.Duration) error {
	select {
	case <-s.stream.Ready():
	default:
		return fmt.Errorf("cdc: initial snapshot not complete")
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
