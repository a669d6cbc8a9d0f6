package oltp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one readiness condition (Postgres reachable, migrations current,
// CDC caught up, …). It returns nil when ready.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Options wire a Server. Logger and Registry are required.
type Options struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Checks run, in order, on GET /readyz.
	Checks []Check
	// ShutdownTimeout bounds graceful shutdown. Default 5s.
	ShutdownTimeout time.Duration
	// Timeouts of the HTTP server (zero fields take their defaults).
	Timeouts Timeouts
	// TrustedProxies are the addresses or CIDRs (a load balancer) whose
	// X-Forwarded-For names the client, for failed-login throttling and
	// logs. Default none: the client is the peer address.
	TrustedProxies []string
}

// Server is the HTTP front of the platform. Routes of other parts
// (warehouse SQL, dashboards) mount on Router before Serve.
type Server struct {
	opts   Options
	router *gin.Engine
}

// NewServer builds the router with the cross-cutting middleware and the
// health and metrics endpoints.
func NewServer(opts Options) (*Server, error) {
	if opts.Logger == nil || opts.Registry == nil {
		return nil, errors.New("oltp: Logger and Registry are required")
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 5 * time.Second
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// The client address (failed-login throttling, logs) is the peer's
	// unless the peer is a trusted proxy: X-Forwarded-For from anyone else
	// is ignored, so it cannot be forged.
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("oltp: trusted proxies: %w", err)
	}
	m := newHTTPMetrics(opts.Registry)
	r.Use(requestID(), observe(opts.Logger, m), recoverer(opts.Logger), textInput())
	r.NoRoute(func(c *gin.Context) {
		WriteError(c, NotFound("no route "+c.Request.Method+" "+c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		WriteError(c, &Error{Kind: "method-not-allowed", Status: http.StatusMethodNotAllowed,
			Title: "Method not allowed", Detail: c.Request.Method + " is not allowed on " + c.Request.URL.Path})
	})
	s := &Server{opts: opts, router: r}
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{Registry: opts.Registry})))
	return s, nil
}

// Router is the Gin engine, for mounting more routes before Serve.
func (s *Server) Router() *gin.Engine { return s.router }

// Handler is the server's http.Handler (tests use it with httptest).
func (s *Server) Handler() http.Handler { return s.router }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	results := map[string]string{}
	ready := true
	for _, chk := range s.opts.Checks {
		if err := chk.Fn(ctx); err != nil {
			results[chk.Name] = err.Error()
			ready = false
		} else {
			results[chk.Name] = "ok"
		}
	}
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	c.JSON(status, gin.H{"ready": ready, "checks": results})
}

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully
// within ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := NewHTTPServer(s.router, s.opts.Logger, s.opts.Timeouts)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}
