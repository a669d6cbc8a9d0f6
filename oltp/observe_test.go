package oltp_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// Request logs name the caller (staff id, role) and carry the duration in
// milliseconds; event streams are counted, not put in the latency
// histogram.
func TestRequestLogsAndEventStreams(t *testing.T) {
	e := oltptest.New(t)
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	reg := prometheus.NewRegistry()
	srv, err := oltp.NewServer(oltp.Options{Logger: log, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	api := oltp.NewAPI(srv, e.Pool, log)
	srv.Router().GET("/whoami", func(c *gin.Context) {
		if _, ok := api.Authenticate(c); ok {
			c.String(http.StatusOK, "ok")
		}
	})
	srv.Router().GET("/stream", func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		c.String(http.StatusOK, "data: hello\n\n")
	})
	h := srv.Handler()
	req := httptest.NewRequest(http.MethodGet, "/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+e.Tokens["manager"])
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("/whoami = %d %s", rec.Code, rec.Body)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/stream", nil))

	var found bool
	for _, l := range logs.lines() {
		if l["msg"] != "request" || l["path"] != "/whoami" {
			continue
		}
		found = true
		if l["role"] != "manager" || l["staff_id"] != float64(e.Fix.Staff["manager"]) {
			t.Errorf("request log names %v/%v, want staff %d manager", l["staff_id"], l["role"], e.Fix.Staff["manager"])
		}
		if d, ok := l["duration_ms"].(float64); !ok || d <= 0 || d > 60_000 {
			t.Errorf("duration_ms = %v", l["duration_ms"])
		}
	}
	if !found {
		t.Fatal("no request log line for /whoami")
	}

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]map[string]bool{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" {
					if routes[mf.GetName()] == nil {
						routes[mf.GetName()] = map[string]bool{}
					}
					routes[mf.GetName()][l.GetValue()] = true
				}
			}
		}
	}
	if !routes["cch_http_request_duration_seconds"]["/whoami"] {
		t.Error("/whoami missing from the latency histogram")
	}
	if routes["cch_http_request_duration_seconds"]["/stream"] {
		t.Error("the event stream is in the latency histogram")
	}
	if !routes["cch_http_event_streams_total"]["/stream"] {
		t.Error("the event stream is not counted")
	}
}
