package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/carcarehub/cch/bench/loadgen"
)

// SSEConfig sizes the dashboards-streams suite.
type SSEConfig struct {
	Bin      string        // the cch binary (BuildCch)
	Dir      string        // scratch directory (cch dev's data dir goes under it)
	Streams  int           // concurrent /dashboards/events clients
	Clients  int           // closed-loop /v1 clients in each measured phase
	Duration time.Duration // each measured phase
}

// SSEResult is what the streams phase proved beyond the figures.
type SSEResult struct {
	Streams       int   // streams that said hello
	Updates       int64 // update events received over all streams
	IdleSamples   int   // /v1 latencies measured without streams
	StreamSamples int   // and with them
	Writes        int   // customers created (one a second)
}

// BuildCch builds the cch binary into dir.
func BuildCch(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "cch")
	out, err := exec.CommandContext(ctx, "go", "build", "-tags", "duckdb_arrow", "-o", bin, "github.com/carcarehub/cch/cmd/cch").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build cch: %w: %s", err, out)
	}
	return bin, nil
}

// SSELoad starts `cch dev` (demo data; API and dashboards in one process,
// loopback only), measures /v1 latency (GET /v1/customers/{id} with a write,
// POST /v1/customers, every second) without streams, then with
// cfg.Streams dashboard streams open, and reports both p99s.
func SSELoad(ctx context.Context, cfg SSEConfig, log func(string, ...any)) ([]Figure, SSEResult, error) {
	const suite = "Dashboard streams beside the API"
	var res SSEResult
	dev, err := startDev(ctx, cfg)
	if err != nil {
		return nil, res, err
	}
	defer dev.stop()
	api := &loadgen.Client{BaseURL: dev.url, Token: dev.tokens["receptionist"], HTTP: &http.Client{Transport: loadgen.Transport(512)}}
	read, err := settleDev(ctx, api, dev.tokens["manager"])
	if err != nil {
		return nil, res, err
	}
	if _, _, err := v1Phase(ctx, api, read, cfg.Clients, 2*time.Second); err != nil { // warm-up
		return nil, res, err
	}
	idle, w1, err := v1Phase(ctx, api, read, cfg.Clients, cfg.Duration)
	if err != nil {
		return nil, res, err
	}
	sctx, cancel := context.WithCancel(ctx)
	st := &sseStreams{}
	if err := st.open(sctx, dev.url, dev.tokens["manager"], cfg.Streams); err != nil {
		cancel()
		st.wg.Wait()
		return nil, res, err
	}
	busy, w2, err := v1Phase(ctx, api, read, cfg.Clients, cfg.Duration)
	cancel()
	st.wg.Wait()
	if err != nil {
		return nil, res, err
	}
	res = SSEResult{Streams: int(st.hello.Load()), Updates: st.updates.Load(), IdleSamples: len(idle), StreamSamples: len(busy), Writes: w1 + w2}
	log("sse", "streams", res.Streams, "updates", res.Updates, "idle_p50_ms", Ms(Percentile(idle, 50)), "idle_p99_ms", Ms(Percentile(idle, 99)), "streams_p50_ms", Ms(Percentile(busy, 50)), "streams_p99_ms", Ms(Percentile(busy, 99)))
	note := fmt.Sprintf("%d streams open on /dashboards/events (%d update events received), %d /v1 clients (GET /v1/customers/{id}), one POST /v1/customers a second; p50 %.1f ms idle, %.1f ms with streams",
		res.Streams, res.Updates, cfg.Clients, Ms(Percentile(idle, 50)), Ms(Percentile(busy, 50)))
	return []Figure{{Suite: suite, Name: fmt.Sprintf("/v1 p99 with %d dashboard streams (%s)", cfg.Streams, cfg.Duration), Value: Ms(Percentile(busy, 99)), Unit: "ms",
		Baseline: Ms(Percentile(idle, 99)), BaseName: "/v1 p99 without streams, same run", Target: "≤ 2× idle",
		Check: func(f Figure) bool { return f.Value <= 2*f.Baseline }, Note: note}}, res, nil
}

// settleDev waits (up to 3 minutes) until the warehouse has applied a
// fresh write, so the measured phases do not overlap its initial catch-up.
// It returns the path of the customer it created, which the phases read.
func settleDev(ctx context.Context, api *loadgen.Client, managerToken string) (string, error) {
	var created struct {
		ID int64 `json:"id"`
	}
	st, h, err := api.Do(ctx, http.MethodPost, "/v1/customers", map[string]any{"kind": "person", "family_name": "SSE settle"}, &created)
	if err != nil || st != http.StatusCreated || created.ID == 0 {
		return "", fmt.Errorf("settle write: status %d, id %d: %v", st, created.ID, err)
	}
	mgr := *api
	mgr.Token = managerToken
	path := "/v1/analytics/revenue_trend?min_lsn=" + h.Get("X-CCH-LSN")
	deadline := time.Now().Add(3 * time.Minute)
	for {
		st, _, err := mgr.Do(ctx, http.MethodGet, path, nil, nil)
		if err == nil && st == http.StatusOK {
			return fmt.Sprintf("/v1/customers/%d", created.ID), nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return "", fmt.Errorf("the warehouse did not apply a write within 3 minutes: status %d: %v", st, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// v1Phase runs n closed-loop clients reading a customer (GET read) and one customer
// creation a second for d; it returns the sorted latencies of both kinds
// and the number of writes.
func v1Phase(ctx context.Context, c *loadgen.Client, read string, n int, d time.Duration) ([]time.Duration, int, error) {
	var (
		mu     sync.Mutex
		lats   []time.Duration
		wg     sync.WaitGroup
		failed atomic.Int64
		writes int
	)
	end := time.Now().Add(d)
	record := func(t0 time.Time, st int, err error, want int) {
		if err != nil || st != want {
			failed.Add(1)
			return
		}
		mu.Lock()
		lats = append(lats, time.Since(t0))
		mu.Unlock()
	}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) && ctx.Err() == nil {
				t0 := time.Now()
				st, _, err := c.Do(ctx, http.MethodGet, read, nil, nil)
				record(t0, st, err, http.StatusOK)
			}
		}()
	}
	for time.Now().Before(end) && ctx.Err() == nil {
		t0 := time.Now()
		st, _, err := c.Do(ctx, http.MethodPost, "/v1/customers", map[string]any{"kind": "person", "family_name": fmt.Sprintf("SSE %d", t0.UnixNano())}, nil)
		record(t0, st, err, http.StatusCreated)
		writes++
		time.Sleep(time.Until(t0.Add(time.Second)))
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return nil, 0, fmt.Errorf("%d /v1 requests failed", f)
	}
	return SortDurations(lats), writes, ctx.Err()
}

// sseStreams are the dashboard streams of one phase.
type sseStreams struct {
	wg             sync.WaitGroup
	hello, updates atomic.Int64
}

// open connects n streams to the overview page and waits (up to a
// minute) until each has said hello; they run until ctx ends.
func (s *sseStreams) open(ctx context.Context, base, token string, n int) error {
	hc := &http.Client{Transport: loadgen.Transport(n + 16)}
	errs := make(chan error, n)
	for range n {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.stream(ctx, hc, base, token); err != nil && ctx.Err() == nil {
				errs <- err
			}
		}()
	}
	deadline := time.Now().Add(time.Minute)
	for s.hello.Load() < int64(n) {
		select {
		case err := <-errs:
			return fmt.Errorf("dashboard stream: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d dashboard streams said hello within a minute", s.hello.Load(), n)
		}
	}
	return nil
}

func (s *sseStreams) stream(ctx context.Context, hc *http.Client, base, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/dashboards/events?page=overview", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		switch sc.Text() {
		case "event: hello":
			s.hello.Add(1)
		case "event: update":
			s.updates.Add(1)
		}
	}
	return sc.Err()
}

// devProc is a running `cch dev`.
type devProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	url    string
	tokens map[string]string
}

// startDev starts `cch dev` on a free loopback port with its data under
// cfg.Dir and waits (up to 5 minutes) until the demo data and tokens are in.
func startDev(ctx context.Context, cfg SSEConfig) (*devProc, error) {
	data := filepath.Join(cfg.Dir, "dev")
	logf, err := os.Create(filepath.Join(cfg.Dir, "dev.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	// One token holds every stream: the per-token cap (8 by default) is
	// raised to the stream count; the per-process cap stays above it.
	cmd := exec.Command(cfg.Bin, "dev", "--data-dir", data, "--http", "127.0.0.1:0", "--log-level", "warn",
		"--max-streams-per-token", strconv.Itoa(cfg.Streams), "--max-streams", strconv.Itoa(cfg.Streams+64))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start cch dev: %w", err)
	}
	d := &devProc{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(d.exited) }()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if err := d.ready(data); err == nil {
			return d, nil
		} else if time.Now().After(deadline) || ctx.Err() != nil {
			d.stop()
			return nil, fmt.Errorf("cch dev not ready (see %s): %w", logf.Name(), err)
		}
		select {
		case <-d.exited:
			return nil, fmt.Errorf("cch dev exited during start-up (see %s)", logf.Name())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// ready reads dev.json and tokens.json and checks /readyz.
func (d *devProc) ready(data string) error {
	var info struct {
		HTTPURL string `json:"http_url"`
	}
	if err := readJSONFile(filepath.Join(data, "dev.json"), &info); err != nil {
		return err
	}
	if err := readJSONFile(filepath.Join(data, "tokens.json"), &d.tokens); err != nil {
		return err
	}
	if d.tokens["manager"] == "" || d.tokens["receptionist"] == "" {
		return errors.New("tokens.json lacks the manager or receptionist token")
	}
	resp, err := http.Get(strings.TrimRight(info.HTTPURL, "/") + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: %d", resp.StatusCode)
	}
	d.url = strings.TrimRight(info.HTTPURL, "/")
	return nil
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// stop sends SIGTERM (cch dev stops its Postgres too) and waits up to 30 s
// before killing the process group.
func (d *devProc) stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.exited
	}
}
