package oltp

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

const requestIDKey = "request_id"

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-ID"

func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !validRequestID(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(requestIDKey, id)
		c.Header(RequestIDHeader, id)
		c.Next()
	}
}

// validRequestID accepts client request ids of 1–128 characters of
// [A-Za-z0-9._-]; anything else is replaced by a generated one.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

type httpMetrics struct {
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	streams  *prometheus.CounterVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "cch", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "cch", Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		streams: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "cch", Subsystem: "http", Name: "event_streams_total",
			Help: "Server-sent event streams served, by route (kept out of the latency histogram: they last as long as the page is open).",
		}, []string{"route"}),
	}
	reg.MustRegister(m.duration, m.inFlight, m.streams)
	return m
}

// observe logs and measures every request.
func observe(log *slog.Logger, m *httpMetrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		m.inFlight.Inc()
		c.Next()
		m.inFlight.Dec()
		elapsed := time.Since(start)
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		if isEventStream(c.Writer.Header()) {
			m.streams.WithLabelValues(route).Inc()
		} else {
			m.duration.WithLabelValues(route, methodLabel(c.Request.Method), strconv.Itoa(status)).Observe(elapsed.Seconds())
		}
		level := slog.LevelInfo
		if status >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		if !log.Enabled(c.Request.Context(), level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("request_id", c.GetString(requestIDKey)),
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		}
		if v, ok := c.Get(principalKey); ok {
			p := v.(Principal)
			attrs = append(attrs, slog.Int64("staff_id", p.StaffID), slog.String("role", p.Role))
		}
		if len(c.Errors) > 0 {
			attrs = append(attrs, slog.String("error", c.Errors.String()))
		}
		log.LogAttrs(c.Request.Context(), level, "request", attrs...)
	}
}

// isEventStream reports a server-sent event response.
func isEventStream(h http.Header) bool {
	return strings.HasPrefix(h.Get("Content-Type"), "text/event-stream")
}

// recoverer turns a handler panic into a problem+json 500 (and a log line)
// instead of a dropped connection.
func recoverer(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in handler", "request_id", c.GetString(requestIDKey), "panic", r)
				WriteError(c, &Error{Kind: "internal", Status: http.StatusInternalServerError, Title: "Internal error",
					Detail: "the server could not complete the request"})
			}
		}()
		c.Next()
	}
}
