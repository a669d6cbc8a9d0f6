package oltp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/oltp"
)

// serve runs s on a free port until the test ends and returns its URL.
func serve(t *testing.T, s *oltp.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

// TestServerTimeouts: a client that sends its body too slowly is cut off
// by the read timeout, while a stream that extends its deadline per event
// outlives both the read and the write timeout.
func TestServerTimeouts(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := oltp.NewServer(oltp.Options{Logger: slog.New(slog.DiscardHandler), Registry: reg,
		Timeouts: oltp.Timeouts{ReadHeader: 300 * time.Millisecond, Read: 300 * time.Millisecond, Write: 300 * time.Millisecond, Idle: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	s.Router().POST("/slow", func(c *gin.Context) {
		if _, err := io.ReadAll(c.Request.Body); err != nil {
			c.Status(http.StatusRequestTimeout)
			return
		}
		c.Status(http.StatusOK)
	})
	s.Router().GET("/stream", func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		c.Status(http.StatusOK)
		for i := range 8 { // 8 × 150 ms: well past both timeouts
			if err := oltp.ExtendStream(c.Writer, time.Second); err != nil {
				return
			}
			fmt.Fprintf(c.Writer, "event: tick\ndata: %d\n\n", i)
			c.Writer.Flush()
			time.Sleep(150 * time.Millisecond)
		}
	})
	url := serve(t, s)

	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.ReadAll(conn) // the server answers or closes once the read timeout passes
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a stalled body held the connection for %s", d)
	}

	resp, err := http.Get(url + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ticks := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == "event: tick" {
			ticks++
		}
	}
	if ticks != 8 {
		t.Errorf("the stream delivered %d of 8 events (%v)", ticks, sc.Err())
	}
}

// TestMetricLabelsAreBounded: arbitrary method strings and unmatched
// paths do not mint metric label values.
func TestMetricLabelsAreBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := oltp.NewServer(oltp.Options{Logger: slog.New(slog.DiscardHandler), Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	for i := range 50 {
		do(t, h, fmt.Sprintf("M%03dX", i), fmt.Sprintf("/random/%d", i), nil)
		do(t, h, "GET", fmt.Sprintf("/nothing/%d", i), nil)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]bool{"method": {}, "route": {}}
	for _, f := range families {
		if f.GetName() != "cch_http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != nil {
					labels[l.GetName()][l.GetValue()] = true
				}
			}
		}
	}
	if len(labels["method"]) != 2 || !labels["method"]["OTHER"] || !labels["method"]["GET"] {
		t.Errorf("method labels %v, want GET and OTHER", labels["method"])
	}
	if len(labels["route"]) != 1 || !labels["route"]["unmatched"] {
		t.Errorf("route labels %v, want only unmatched", labels["route"])
	}
}
