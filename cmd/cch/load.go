package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carcarehub/cch/bench/loadgen"
)

func init() {
	register(command{name: "load", summary: "open-model load generator against a local API (loopback only)",
		new: func(stdout, stderr io.Writer) runner { return &loadCmd{stdout: stdout, stderr: stderr} }})
}

// loadConfig is the configuration of `cch load`.
type loadConfig struct {
	URL         string        // --url: API base URL; loopback hosts only. Default http://127.0.0.1:8080.
	Token       string        // --token: bearer token (receptionist or manager to book). Required.
	Rate        int           // --rate: requests per second, scheduled whatever the responses. Default 50.
	Duration    time.Duration // --duration: length of the schedule. Default 30s.
	MaxRequests int           // --max-requests: cap on scheduled requests. Default 100,000.
	MaxInFlight int           // --max-in-flight: outstanding requests; more are dropped and counted. Default 256.
	Branch      int           // --branch: branch to query and book at. Default 1.
	Mix         string        // --mix: weights of availability, booking and search. Default "availability=4,booking=2,search=4".
}

func (c *loadConfig) validate() error {
	var errs []error
	if err := loopbackOnly(c.URL); err != nil {
		errs = append(errs, err)
	}
	if c.Token == "" {
		errs = append(errs, errors.New("--token (CCH_TOKEN) is required"))
	}
	if c.Rate < 1 || c.Rate > 5000 {
		errs = append(errs, fmt.Errorf("--rate %d: want 1..5000 requests/s", c.Rate))
	}
	if c.Duration <= 0 || c.Duration > 30*time.Minute {
		errs = append(errs, fmt.Errorf("--duration %s: want 0 < duration ≤ 30m", c.Duration))
	}
	if c.MaxRequests < 1 || c.MaxRequests > 1_000_000 {
		errs = append(errs, fmt.Errorf("--max-requests %d: want 1..1000000", c.MaxRequests))
	}
	if c.MaxInFlight < 1 || c.MaxInFlight > 4096 {
		errs = append(errs, fmt.Errorf("--max-in-flight %d: want 1..4096", c.MaxInFlight))
	}
	if c.Branch < 1 {
		errs = append(errs, fmt.Errorf("--branch %d: must be positive", c.Branch))
	}
	if _, err := parseMix(c.Mix); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// loopbackOnly refuses anything but http(s) to a loopback host: a load
// generator must not be pointed at someone else's server by accident.
func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want http://host:port", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--url %q: only loopback hosts (127.0.0.0/8, ::1, localhost) may be loaded", raw)
	}
	return nil
}

var mixNames = []string{"availability", "booking", "search"}

func parseMix(s string) (map[string]int, error) {
	m := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 || !slices.Contains(mixNames, name) {
			return nil, fmt.Errorf("--mix %q: want name=weight pairs of %v", s, mixNames)
		}
		m[name] = n
	}
	return m, nil
}

type loadCmd struct {
	stdout, stderr io.Writer
	cfg            loadConfig
}

func (l *loadCmd) Parse(args []string) error {
	f := newFlags("load", l.stderr)
	c := &l.cfg
	f.String(&c.URL, "url", "http://127.0.0.1:8080", "API base URL (loopback only)")
	f.String(&c.Token, "token", "", "bearer token (receptionist or manager, to book)")
	f.Int(&c.Rate, "rate", 50, "requests per second, scheduled regardless of responses (open model)")
	f.Duration(&c.Duration, "duration", 30*time.Second, "how long to offer load")
	f.Int(&c.MaxRequests, "max-requests", 100_000, "upper bound on scheduled requests")
	f.Int(&c.MaxInFlight, "max-in-flight", 256, "outstanding requests; requests due beyond it are dropped and counted")
	f.Int(&c.Branch, "branch", 1, "branch to query and book at")
	f.String(&c.Mix, "mix", "availability=4,booking=2,search=4", "workflow weights")
	return f.Parse(args, c.validate)
}

// Run discovers what it can book, offers the load and prints the report.
func (l *loadCmd) Run(ctx context.Context) error {
	mix, _ := parseMix(l.cfg.Mix)
	client := &loadgen.Client{BaseURL: strings.TrimRight(l.cfg.URL, "/"), Token: l.cfg.Token,
		HTTP: &http.Client{Transport: loadgen.Transport(l.cfg.MaxInFlight)}}
	t, err := loadgen.Discover(ctx, client, int64(l.cfg.Branch))
	if err != nil {
		return fmt.Errorf("discover bookable resources: %w", err)
	}
	t.Day = time.Now().UTC().AddDate(0, 0, 7)
	// Bookings go far ahead, at a start chosen from the clock, so runs
	// rarely overlap; a 409 is counted, not an error.
	t.Base = time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(time.Now().Unix()%(30*365*24*4)) * 15 * time.Minute)
	ops := []loadgen.Op{}
	if w := mix["availability"]; w > 0 {
		op := loadgen.Availability(client, t)
		op.Weight = w
		ops = append(ops, op)
	}
	if w := mix["booking"]; w > 0 && len(t.Lanes) > 0 {
		op := loadgen.CreateBooking(client, t, nil)
		op.Weight = w
		ops = append(ops, op)
	} else if w > 0 {
		fmt.Fprintf(l.stderr, "cch load: branch %d has no bookings to learn bays and technicians from; booking workflow disabled\n", l.cfg.Branch)
	}
	if w := mix["search"]; w > 0 {
		op := loadgen.SearchCustomers(client)
		op.Weight = w
		ops = append(ops, op)
	}
	fmt.Fprintf(l.stdout, "cch load: %d req/s for %s against %s (%d lanes)\n", l.cfg.Rate, l.cfg.Duration, l.cfg.URL, len(t.Lanes))
	res, err := loadgen.Run(ctx, loadgen.Config{Rate: float64(l.cfg.Rate), Duration: l.cfg.Duration,
		MaxRequests: l.cfg.MaxRequests, MaxInFlight: l.cfg.MaxInFlight, Ops: ops})
	printLoad(l.stdout, res)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func printLoad(w io.Writer, r loadgen.Result) {
	fmt.Fprintf(w, "offered %.0f/s, achieved %.1f/s over %s; scheduled %d, dropped %d (max in flight)\n",
		r.Offered, r.Achieved(), r.Elapsed.Round(time.Millisecond), r.Scheduled, r.Dropped)
	fmt.Fprintf(w, "%-16s %7s %7s %7s %9s %9s %9s %9s  %s\n", "workflow", "sent", "ok", "errors", "p50", "p90", "p99", "max", "statuses")
	row := func(name string, sent, ok, errs int, lat []time.Duration, statuses string) {
		fmt.Fprintf(w, "%-16s %7d %7d %7d %9s %9s %9s %9s  %s\n", name, sent, ok, errs,
			loadMs(loadgen.Percentile(lat, 50)), loadMs(loadgen.Percentile(lat, 90)), loadMs(loadgen.Percentile(lat, 99)), loadMs(loadgen.Percentile(lat, 100)), statuses)
	}
	var sent, ok, errs int
	for _, s := range r.Ops {
		var st []string
		for code, n := range s.Status {
			st = append(st, fmt.Sprintf("%d×%d", code, n))
		}
		row(s.Name, s.Sent, s.OK(), s.Errors, s.Latencies, strings.Join(st, " "))
		sent, ok, errs = sent+s.Sent, ok+s.OK(), errs+s.Errors
	}
	row("all", sent, ok, errs, r.All(), "")
}

func loadMs(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func (l *loadCmd) Close() error { return nil }
