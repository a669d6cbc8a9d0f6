package analyst

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
	"github.com/carcarehub/cch/warehouse/scope"
)

// Config wires the analyst endpoints. DB, Authenticate, Applied and Ready
// are required.
type Config struct {
	// DB is the warehouse's DuckDB (the CDC writer's instance).
	DB *sql.DB
	// Authenticate resolves the caller or writes a 401 and returns false
	// (oltp's (*API).Authenticate).
	Authenticate func(*gin.Context) (oltp.Principal, bool)
	// Applied is the position the mart tables reflect, what min_lsn
	// waits for (warehouse.Service.LSN).
	Applied func() cdc.LSN
	// Ready is closed once the marts are built (Marts().Ready()).
	Ready <-chan struct{}
	// Scope holds every role's views; analyst SQL reads nothing else.
	Scope *scope.Manager
	// MaxWait bounds a min_lsn wait. Default 5s.
	MaxWait time.Duration
	// Timeout bounds one query. Default 30s.
	Timeout time.Duration
	// RowLimit caps the rows of one answer. Default 100,000.
	RowLimit int
	// Logger; default discards.
	Logger *slog.Logger
	// MaxAnswerBytes bounds one /v1/sql or Flight SQL answer. Default 64 MiB.
	MaxAnswerBytes int64
	// MaxQueries bounds the analyst queries running at once in the
	// process; MaxQueriesPerCaller those of one staff member. Defaults 8
	// and 2. Past either, queries are refused (429), not queued.
	MaxQueries, MaxQueriesPerCaller int
	// Audit records every analyst query; nil records nothing.
	Audit *AuditLog
	// Paths are file system paths (the warehouse file, its directory)
	// never shown in error details.
	Paths []string
	// Metrics counts and times /v1/sql queries; nil records nothing.
	Metrics *Metrics
}

// Handler serves the analyst endpoints.
type Handler struct {
	cfg    Config
	adm    admission
	access *AnalyticAccess

	mu        sync.Mutex
	installed bool
}

// SQLRoles may use POST /v1/sql and Flight SQL: every business role, each
// over the views of what PostgreSQL lets it read.
func SQLRoles() []string {
	roles := make([]string, 0, len(oltp.Roles))
	for r := range oltp.Roles {
		roles = append(roles, r)
	}
	slices.Sort(roles)
	return roles
}

// New checks cfg and returns a Handler; nothing runs until a request.
func New(cfg Config) (*Handler, error) {
	if cfg.DB == nil || cfg.Authenticate == nil || cfg.Applied == nil || cfg.Ready == nil || cfg.Scope == nil {
		return nil, fmt.Errorf("analyst: DB, Authenticate, Applied, Ready and Scope are required")
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 5 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.RowLimit <= 0 {
		cfg.RowLimit = 100_000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.limitDefaults()
	return &Handler{cfg: cfg, access: NewAnalyticAccess(cfg.DB, cfg.Scope)}, nil
}

// Documenter records routes in the API's OpenAPI document
// (*oltp.API satisfies it).
type Documenter interface{ Document(oltp.Route) }

// Mount registers GET /v1/analytics, GET /v1/analytics/:name and
// POST /v1/sql on r and documents them in doc.
func (h *Handler) Mount(r gin.IRoutes, doc Documenter) {
	for _, rt := range h.Routes() {
		doc.Document(rt)
	}
	r.GET("/v1/analytics", h.authed(h.list))
	r.GET("/v1/analytics/:name", h.authed(h.analytic))
	r.POST("/v1/sql", h.authed(h.sql))
}

// Routes documents what Mount serves, for the API's OpenAPI document.
func (h *Handler) Routes() []oltp.Route {
	readers := []string{"manager", "finance", "technician", "receptionist", "dispatcher"}
	return []oltp.Route{
		{Method: http.MethodGet, Path: "/v1/analytics", Summary: "List the analytics your role may read",
			Roles: readers, Response: struct {
				Items []analyticInfo `json:"items"`
			}{}},
		{Method: http.MethodGet, Path: "/v1/analytics/:name", Summary: "Run an analytic (JSON or CSV)",
			Roles: readers, Response: marts.Table{}, Query: analyticParams, Formats: []string{"text/csv"},
			Errors: []int{http.StatusGatewayTimeout}},
		{Method: http.MethodPost, Path: "/v1/sql", Summary: "Run read-only analyst SQL on the warehouse (JSON, CSV or Arrow IPC)",
			Roles: SQLRoles(), Request: sqlRequest{}, Response: marts.Table{}, Formats: []string{"text/csv", MIMEArrowStream},
			Errors: []int{http.StatusNotAcceptable, http.StatusUnprocessableEntity, http.StatusGatewayTimeout}},
	}
}

func (h *Handler) authed(fn func(*gin.Context, oltp.Principal)) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := h.cfg.Authenticate(c)
		if !ok {
			return
		}
		fn(c, p)
	}
}

// prepare makes sure the marts and the roles' views exist and the
// instance is hardened before the first query: it waits for the marts
// (built after the initial snapshot), builds the views, then locks the
// configuration.
func (h *Handler) prepare(ctx context.Context) error {
	select {
	case <-h.cfg.Ready:
	default:
		return &oltp.Error{Kind: "warehouse-starting", Status: http.StatusServiceUnavailable, Title: "Warehouse starting",
			Detail: "the warehouse is still taking its initial snapshot; retry shortly"}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.installed {
		return nil
	}
	if err := h.cfg.Scope.Refresh(ctx); err != nil { // the first build, outside any query's timeout
		return fmt.Errorf("build warehouse views: %w", err)
	}
	if err := Harden(ctx, h.cfg.DB); err != nil {
		return err
	}
	h.installed = true
	h.cfg.Logger.Info("warehouse analyst access hardened")
	return nil
}
