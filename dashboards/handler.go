package dashboards

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config wires the dashboards. Warehouse, Authenticate and Access are
// required.
type Config struct {
	Warehouse Warehouse
	// Access names the analytics a business role may read, following
	// PostgreSQL's grants ((*analyst.AnalyticAccess).Open): a page's panel
	// or figure over any other analytic is left out, and its own page
	// does not exist for the viewer.
	Access func(ctx context.Context, role string) (map[string]bool, error)
	// Authenticate resolves the caller from Authorization: Bearer or writes
	// a 401 and returns false ((*oltp.API).Authenticate).
	Authenticate func(*gin.Context) (oltp.Principal, bool)
	// Poll is how often a live page's stream checks the applied LSN.
	// Default 500ms.
	Poll time.Duration
	// SessionTTL is how long a login lasts (the token must stay valid too).
	// Default 12h.
	SessionTTL time.Duration
	// Now is the clock (default time.Now); the period filter ends tomorrow.
	Now func() time.Time
	// CacheEntries bounds the results kept for the current applied LSN
	// (shared by every viewer). Default 512; negative disables the cache.
	CacheEntries int
	// MaxStreams and MaxStreamsPerToken cap the live streams open at once
	// in this process and per bearer token (429 beyond). Defaults 1024 and 8.
	MaxStreams, MaxStreamsPerToken int
	// Logger; default discards.
	Logger *slog.Logger
}

// Handler serves /dashboards.
type Handler struct {
	cfg      Config
	tmpl     *template.Template
	sessions *sessions
	cache    *cache
	streams  *streamLimits
	renders  *renders
}

// New checks cfg and parses the embedded templates; nothing runs until a
// request.
func New(cfg Config) (*Handler, error) {
	if cfg.Warehouse == nil || cfg.Authenticate == nil || cfg.Access == nil {
		return nil, errors.New("dashboards: Warehouse, Authenticate and Access are required")
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheEntries == 0 {
		cfg.CacheEntries = 512
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = 1024
	}
	if cfg.MaxStreamsPerToken <= 0 {
		cfg.MaxStreamsPerToken = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	tmpl, err := template.ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboards: parse templates: %w", err)
	}
	return &Handler{cfg: cfg, tmpl: tmpl, sessions: newSessions(cfg.SessionTTL), cache: newCache(cfg.CacheEntries),
		streams: newStreamLimits(cfg.MaxStreamsPerToken, cfg.MaxStreams), renders: newRenders()}, nil
}

func (h *Handler) now() time.Time { return h.cfg.Now() }

// Mount registers every /dashboards route on r.
func (h *Handler) Mount(r gin.IRoutes) {
	static, _ := fs.Sub(staticFiles, "static")
	fileServer := http.StripPrefix("/dashboards/static/", http.FileServer(http.FS(static)))
	r.GET("/dashboards/static/*file", secured, func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(c.Writer, c.Request)
	})
	r.GET("/dashboards/login", secured, h.loginForm)
	r.POST("/dashboards/login", secured, h.login)
	r.POST("/dashboards/logout", secured, h.logout)
	r.GET("/dashboards/events", secured, h.events)
	r.GET("/dashboards", secured, h.page("overview"))
	for _, p := range pages {
		r.GET("/dashboards/"+p.Slug, secured, h.page(p.Slug))
	}
	r.GET("/dashboards/"+analyticsSlug, secured, h.page(analyticsSlug))
	r.GET("/dashboards/"+analyticsSlug+"/:name", secured, func(c *gin.Context) {
		// An unknown analytic and one the viewer's role may not read look
		// the same: existence stays hidden.
		p, ok := h.viewer(c, true)
		if !ok {
			return
		}
		open, err := h.cfg.Access(c.Request.Context(), p.Role)
		if err != nil {
			h.fail(c, err)
			return
		}
		if _, found := marts.Lookup(c.Param("name")); !found || !open[c.Param("name")] {
			h.problem(c, http.StatusNotFound, "There is no analytic called "+c.Param("name")+" for you.")
			return
		}
		h.servePage(c, analyticsSlug+"/"+c.Param("name"), p)
	})
}

// secured sets the headers every dashboard response carries: nothing but
// this server may be loaded or contacted.
func secured(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	c.Next()
}

// navItem is one link of the navigation.
type navItem struct {
	Title, Href string
	Current     bool
}

// A page with nothing the viewer may read (open; nil: no viewer) is left
// out of the navigation, unless it is the current one.
func nav(current string, open map[string]bool) []navItem {
	var out []navItem
	for _, p := range pages {
		if open == nil || p.Slug == current || p.shows(open) {
			out = append(out, navItem{p.Title, "/dashboards/" + p.Slug, p.Slug == current})
		}
	}
	return append(out, navItem{"Analytics", "/dashboards/" + analyticsSlug,
		current == analyticsSlug || strings.HasPrefix(current, analyticsSlug+"/")})
}

// problem answers an error as a small HTML page.
func (h *Handler) problem(c *gin.Context, status int, msg string) {
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	if err := h.tmpl.ExecuteTemplate(c.Writer, "problem", map[string]any{"Status": status, "Message": msg, "Nav": nav("", nil)}); err != nil {
		_ = c.Error(err)
	}
}
