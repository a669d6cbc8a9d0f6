package oltp

import (
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
)

// Timeouts bound how long one connection may hold the server. Streams
// (server-sent events) extend their own write deadline per event with
// ExtendStream; everything else must finish within them.
type Timeouts struct {
	// ReadHeader bounds reading the request line and headers. Default 10s.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included. Default 30s.
	Read time.Duration
	// Write bounds writing the response, from the end of the headers read.
	// Default 60s.
	Write time.Duration
	// Idle bounds how long a keep-alive connection waits for its next
	// request. Default 120s.
	Idle time.Duration
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.ReadHeader, 10*time.Second)
	def(&t.Read, 30*time.Second)
	def(&t.Write, 60*time.Second)
	def(&t.Idle, 120*time.Second)
	return t
}

// NewHTTPServer returns an http.Server for h with every timeout set (zero
// fields of t take their defaults), so a slow or stalled client cannot hold
// a connection indefinitely.
func NewHTTPServer(h http.Handler, log *slog.Logger, t Timeouts) *http.Server {
	t = t.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// ExtendStream prepares a long-lived response (server-sent events) for its
// next write: the connection's read deadline is lifted (a stream has no
// body to read, and an expired read deadline would end the request) and
// the write deadline moves to now+d, so a client that stops reading is
// dropped within d while a live one is never cut off. Call it before each
// event.
func ExtendStream(w http.ResponseWriter, d time.Duration) error {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		return err
	}
	return rc.SetWriteDeadline(time.Now().Add(d))
}

// metricMethods are the method label values; any other method string is
// counted as OTHER, so clients cannot mint label values.
var metricMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodOptions: true, http.MethodConnect: true, http.MethodTrace: true,
}

// methodLabel bounds the method label of the request metrics.
func methodLabel(m string) string {
	if metricMethods[m] {
		return m
	}
	return "OTHER"
}

// textInput refuses (400) a request whose path or query string, once
// decoded, is not valid UTF-8 or holds a NUL character: such text cannot
// reach PostgreSQL and must not reach a handler.
func textInput() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !ValidText(c.Request.URL.Path) {
			WriteError(c, BadRequest("the path is not valid UTF-8 text"))
			return
		}
		if c.Request.URL.RawQuery == "" {
			c.Next()
			return
		}
		q, err := url.ParseQuery(c.Request.URL.RawQuery)
		if err != nil {
			WriteError(c, BadRequest("the query string is malformed"))
			return
		}
		for k, vs := range q {
			if !ValidText(k) {
				WriteError(c, BadRequest("a query parameter name is not valid UTF-8 text"))
				return
			}
			for _, v := range vs {
				if !ValidText(v) {
					WriteError(c, BadRequest("query parameter "+k+" holds a NUL character or invalid UTF-8"))
					return
				}
			}
		}
		c.Next()
	}
}
