package scope

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// RefreshInterval is how often the servers re-read the rules and the
// mirror's tables (Manager.Run).
const RefreshInterval = 5 * time.Second

// Config wires a Manager. DB, PG and Roles are required.
type Config struct {
	// DB is the warehouse (the CDC writer's DuckDB instance).
	DB *sql.DB
	// PG reads the PostgreSQL catalogue (any login: the catalogue and the
	// privilege functions are readable by everyone).
	PG Querier
	// Publication whose tables the warehouse mirrors. Default "cch_pub".
	Publication string
	// Roles maps business roles to database roles (oltp.Roles).
	Roles map[string]string
	// Derived statements run in every role's catalogue after its views
	// (marts.Definitions); see Build.
	Derived []string
	// Instance, when set, names the DuckDB instance DB's new connections
	// open on (warehouse.DB.Instance). The role catalogues live in that
	// instance's memory: when it changes (the warehouse moved its readers
	// to a rebuilt file), Acquire builds them again there.
	Instance func() uint64
	// Logger; default discards.
	Logger *slog.Logger
}

// Manager keeps the current Set of views. Safe for concurrent use.
type Manager struct {
	cfg     Config
	refresh sync.Mutex // one Refresh at a time

	mu   sync.Mutex
	cur  *Set
	sig  string
	gen  int64
	inst uint64 // cfg.Instance() when cur was built
}

// NewManager checks cfg; nothing is built until Refresh or Acquire.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.DB == nil || cfg.PG == nil || len(cfg.Roles) == 0 {
		return nil, errors.New("scope: DB, PG and Roles are required")
	}
	if cfg.Publication == "" {
		cfg.Publication = "cch_pub"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{cfg: cfg}, nil
}

// Refresh re-reads the rules and the mirror's tables and, when either
// changed, builds a new Set and retires the old one.
func (m *Manager) Refresh(ctx context.Context) error {
	m.refresh.Lock()
	defer m.refresh.Unlock()
	rules, err := Load(ctx, m.cfg.PG, m.cfg.Publication, m.cfg.Roles)
	if err != nil {
		return err
	}
	mir, mirSig, err := loadMirror(ctx, m.cfg.DB)
	if err != nil {
		return err
	}
	sig := rules.Signature() + mirSig
	inst := m.instance()
	m.mu.Lock()
	same, gen := sig == m.sig && m.cur != nil && inst == m.inst, m.gen+1
	m.mu.Unlock()
	if same {
		return nil
	}
	start := time.Now()
	set, err := Build(ctx, m.cfg.DB, rules, mir, gen, m.cfg.Derived)
	if err != nil {
		return err
	}
	m.mu.Lock()
	old := m.cur
	m.cur, m.sig, m.gen, m.inst = set, sig, gen, inst
	dropOld := old != nil && old.users == 0
	if old != nil {
		old.gone = true
	}
	m.mu.Unlock()
	m.cfg.Logger.Info("warehouse views built", "generation", gen, "hidden", len(set.hidden), "took", time.Since(start))
	for _, h := range set.hidden {
		m.cfg.Logger.Debug("hidden from analysts", "what", h)
	}
	if dropOld {
		return old.drop(ctx, m.cfg.DB)
	}
	return nil
}

func (m *Manager) instance() uint64 {
	if m.cfg.Instance == nil {
		return 0
	}
	return m.cfg.Instance()
}

// Acquire returns the current Set (building the first, or building them
// again on a new instance) and a release function the caller must call
// once its query is over.
func (m *Manager) Acquire(ctx context.Context) (*Set, func(), error) {
	m.mu.Lock()
	s, moved := m.cur, m.inst != m.instance()
	m.mu.Unlock()
	if s == nil || moved {
		if err := m.Refresh(ctx); err != nil {
			return nil, nil, fmt.Errorf("build warehouse views: %w", err)
		}
	}
	m.mu.Lock()
	s = m.cur
	s.users++
	m.mu.Unlock()
	return s, func() { m.release(s) }, nil
}

func (m *Manager) release(s *Set) {
	m.mu.Lock()
	s.users--
	drop := s.gone && s.users == 0
	m.mu.Unlock()
	if drop {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.drop(ctx, m.cfg.DB); err != nil {
			m.cfg.Logger.Warn("detach retired warehouse views", "err", err)
		}
	}
}

// Run refreshes every interval until ctx ends, so that a new table,
// column, grant or policy reaches the views within the interval.
func (m *Manager) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := m.Refresh(ctx); err != nil && ctx.Err() == nil {
				m.cfg.Logger.Warn("refresh warehouse views", "err", err)
			}
		}
	}
}
