package oltp_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/oltp"
)

func newServer(t *testing.T, checks ...oltp.Check) *oltp.Server {
	t.Helper()
	s, err := oltp.NewServer(oltp.Options{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Checks: checks})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func do(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealthAndMetrics(t *testing.T) {
	h := newServer(t).Handler()
	if rec := do(t, h, "GET", "/healthz", nil); rec.Code != 200 {
		t.Fatalf("/healthz = %d", rec.Code)
	}
	rec := do(t, h, "GET", "/metrics", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "cch_http_request_duration_seconds") {
		t.Fatalf("/metrics = %d, body lacks the request histogram", rec.Code)
	}
}

func TestReadyzReportsFailingCheck(t *testing.T) {
	h := newServer(t,
		oltp.Check{Name: "good", Fn: func(context.Context) error { return nil }},
		oltp.Check{Name: "bad", Fn: func(context.Context) error { return errors.New("not yet") }},
	).Handler()
	rec := do(t, h, "GET", "/readyz", nil)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d, want 503", rec.Code)
	}
	var body struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Ready || body.Checks["good"] != "ok" || body.Checks["bad"] != "not yet" {
		t.Errorf("body = %+v", body)
	}
}

func TestUnknownRouteIsProblemJSON(t *testing.T) {
	h := newServer(t).Handler()
	rec := do(t, h, "GET", "/v1/nothing", map[string]string{oltp.RequestIDHeader: "req-123"})
	if rec.Code != 404 {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q", ct)
	}
	var p oltp.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != oltp.ProblemBase+"not-found" || p.Status != 404 || p.RequestID != "req-123" {
		t.Errorf("problem = %+v", p)
	}
	if rec.Header().Get(oltp.RequestIDHeader) != "req-123" {
		t.Errorf("request id not echoed")
	}
	if rec := do(t, h, "DELETE", "/healthz", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /healthz = %d, want 405", rec.Code)
	}
}
