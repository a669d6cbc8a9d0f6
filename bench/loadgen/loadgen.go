// Package loadgen is an open-model HTTP load generator: requests are
// scheduled at a fixed rate whatever the responses do, and latency is
// measured from each request's scheduled start, so a slow server shows up
// as latency instead of silently lowering the offered load (no coordinated
// omission). `cch load` and the benchmark suite use it.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Op is one kind of request. Do sends request number seq and returns its
// HTTP status; an error means no response.
type Op struct {
	Name   string
	Weight int
	Do     func(ctx context.Context, seq uint64) (status int, err error)
}

// Config bounds a run. Zero fields take the documented defaults.
type Config struct {
	// Rate is the offered load in requests per second. Required.
	Rate float64
	// Duration of the schedule. Required.
	Duration time.Duration
	// MaxRequests caps the number of scheduled requests. Default
	// Rate×Duration.
	MaxRequests int
	// MaxInFlight bounds outstanding requests; a request that falls due
	// while that many are outstanding is not sent and counts as Dropped.
	// Default 1024.
	MaxInFlight int
	// Timeout per request. Default 10s.
	Timeout time.Duration
	// Ops are chosen by weight, deterministically from the sequence number.
	Ops []Op
}

func (c *Config) defaults() {
	if c.MaxRequests <= 0 {
		c.MaxRequests = int(c.Rate * c.Duration.Seconds())
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 1024
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
}

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Rate <= 0 || c.Rate > 100_000 {
		errs = append(errs, fmt.Errorf("rate %g: want 0 < rate ≤ 100000 requests/s", c.Rate))
	}
	if c.Duration <= 0 || c.Duration > time.Hour {
		errs = append(errs, fmt.Errorf("duration %s: want 0 < duration ≤ 1h", c.Duration))
	}
	total := 0
	for _, op := range c.Ops {
		if op.Weight < 0 || op.Do == nil {
			errs = append(errs, fmt.Errorf("op %q: needs a non-negative weight and a Do func", op.Name))
		}
		total += op.Weight
	}
	if total == 0 {
		errs = append(errs, errors.New("no operation has a positive weight"))
	}
	return errors.Join(errs...)
}

// OpStats are the outcomes of one Op.
type OpStats struct {
	Name      string
	Sent      int
	Errors    int         // no response, or a 5xx
	Status    map[int]int // responses by status
	Latencies []time.Duration
}

// OK is the number of 2xx responses.
func (s *OpStats) OK() int {
	n := 0
	for code, c := range s.Status {
		if code >= 200 && code < 300 {
			n += c
		}
	}
	return n
}

// Result is a finished run. Latencies are sorted.
type Result struct {
	Offered   float64 // requests/s asked for
	Elapsed   time.Duration
	Scheduled int // requests that fell due
	Dropped   int // not sent: MaxInFlight outstanding
	Ops       []*OpStats
}

// Achieved is the rate of responses received (any status) per second.
func (r Result) Achieved() float64 {
	n := 0
	for _, s := range r.Ops {
		n += len(s.Latencies)
	}
	return float64(n) / r.Elapsed.Seconds()
}

// All is every op's latencies, sorted.
func (r Result) All() []time.Duration {
	var all []time.Duration
	for _, s := range r.Ops {
		all = append(all, s.Latencies...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all
}

// Run offers the load until the schedule ends (or ctx does) and waits for
// outstanding requests.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	var wheel []int
	stats := make([]*OpStats, len(cfg.Ops))
	for i, op := range cfg.Ops {
		stats[i] = &OpStats{Name: op.Name, Status: map[int]int{}}
		for range op.Weight {
			wheel = append(wheel, i)
		}
	}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		inflight = make(chan struct{}, cfg.MaxInFlight)
		res      = Result{Offered: cfg.Rate, Ops: stats}
	)
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	start := time.Now()
	end := start.Add(cfg.Duration)
	for seq := uint64(0); int(seq) < cfg.MaxRequests; seq++ {
		due := start.Add(time.Duration(seq) * interval)
		if !due.Before(end) {
			break
		}
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			break
		}
		res.Scheduled++
		select {
		case inflight <- struct{}{}:
		default:
			res.Dropped++
			continue
		}
		i := wheel[int(seq)%len(wheel)]
		wg.Add(1)
		go func(seq uint64, due time.Time) {
			defer wg.Done()
			defer func() { <-inflight }()
			rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
			status, err := cfg.Ops[i].Do(rctx, seq)
			cancel()
			lat := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			s := stats[i]
			s.Sent++
			if err != nil || status >= 500 {
				s.Errors++
			}
			if err == nil {
				s.Status[status]++
				s.Latencies = append(s.Latencies, lat)
			}
		}(seq, due)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	for _, s := range stats {
		sort.Slice(s.Latencies, func(a, b int) bool { return s.Latencies[a] < s.Latencies[b] })
	}
	return res, ctx.Err()
}

// Percentile is the p-th percentile (0..100) of sorted latencies.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Transport is an HTTP transport that keeps up to conns connections to
// one host alive.
func Transport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns
	t.MaxIdleConnsPerHost = conns
	return t
}
