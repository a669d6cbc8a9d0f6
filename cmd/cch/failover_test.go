package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal"
)

// FailoverResult is what a failover drill measured; CCH_FAILOVER_REPORT
// names a file it is written to as JSON (the failover benchmark reads it).
type FailoverResult struct {
	RTOSeconds         float64 `json:"rto_seconds"`          // primary crash to the first write acknowledged on the new primary
	PromoteSeconds     float64 `json:"promote_seconds"`      // of which pg_promote
	RPOWrites          int     `json:"rpo_writes"`           // acknowledged writes missing on the new primary
	RPOSeconds         float64 `json:"rpo_seconds"`          // span of acknowledged writes lost (0 when none)
	Acknowledged       int     `json:"acknowledged"`         // writes acknowledged over the drill
	AckedBefore        int     `json:"acked_before"`         // of which before the crash
	WriteRate          float64 `json:"write_rate"`           // acknowledged writes per second before the crash
	WarehouseSeconds   float64 `json:"warehouse_seconds"`    // crash to the rebuilt warehouse serving the new primary's rows
	AnalystQueries     int     `json:"analyst_queries"`      // answered while the warehouse failed over
	AnalystMinBookings int64   `json:"analyst_min_bookings"` // fewest bookings any of them saw (never below the count before the crash)
}

// multiHostURL is role's URL naming both servers, for the one that
// accepts writes (target_session_attrs=read-write): after a failover the
// client finds the promoted standby by itself.
func multiHostURL(role, password string, servers ...*pglocal.Cluster) string {
	hosts := make([]string, len(servers))
	for i, c := range servers {
		hosts[i] = "127.0.0.1:" + strconv.Itoa(c.Port())
	}
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable&target_session_attrs=read-write",
		url.QueryEscape(role), url.QueryEscape(password), strings.Join(hosts, ","), topologyDB)
}

// newFailoverStack is a durable primary (fsync, synchronous_commit on)
// with a synchronous hot standby, migrated, with the fixture business,
// an API and a warehouse process that reach PostgreSQL by a multi-host
// URL.
func newFailoverStack(t *testing.T) *stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "cch-failover-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &stack{dir: dir, c: &client{tokens: map[string]string{}, http: &http.Client{Timeout: 10 * time.Second}}}
	if s.cluster, err = pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cluster.Stop(context.Background()) })
	if err := s.cluster.CreateDatabase(ctx, topologyDB); err != nil {
		t.Fatal(err)
	}
	runProc(t, "migrate", "bootstrap", "--database-url", s.cluster.SuperuserURL(topologyDB),
		"--owner-password", topologyPasswords["cch_owner"], "--app-password", topologyPasswords["cch_app"],
		"--replicator-password", topologyPasswords["cch_replicator"], "--worker-password", topologyPasswords["cch_worker"])
	runProc(t, "migrate", "apply", "--database-url", s.cluster.URL("cch_owner", topologyPasswords["cch_owner"], topologyDB))
	if s.super, err = pgx.Connect(ctx, s.cluster.SuperuserURL(topologyDB)); err != nil {
		t.Fatal(err)
	}
	s.loadBusiness(t)
	s.super.Close(ctx)
	if s.standby, err = pglocal.StartStandby(ctx, s.cluster, pglocal.Config{Dir: filepath.Join(dir, "standby")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.standby.Stop(context.Background()) })
	if err := s.cluster.RequireSyncStandby(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := s.cluster.WaitStreaming(ctx, true); err != nil {
		t.Fatal(err)
	}
	if s.super, err = pgx.Connect(ctx, s.standby.SuperuserURL(topologyDB)); err != nil { // the survivor
		t.Fatal(err)
	}
	t.Cleanup(func() { s.super.Close(context.Background()) })
	s.appURL = multiHostURL("cch_app", topologyPasswords["cch_app"], s.cluster, s.standby)
	s.rep = multiHostURL("cch_replicator", topologyPasswords["cch_replicator"], s.cluster, s.standby)
	s.apiAddr[0] = freeAddr(t)
	s.apis[0] = startProc(t, dir, "api1", "api", "--database-url", s.appURL, "--http", s.apiAddr[0], "--max-conns", "8")
	s.startWarehouse(t)
	waitHTTPReady(t, s.apis[0], s.api(0), time.Minute)
	waitHTTPReady(t, s.wh, "http://"+s.whAddr, 2*time.Minute)
	return s
}

// TestFailoverDrill crashes the primary while the API takes bookings
// (bounded: four clients, each at most one request every 20 ms) and
// promotes the synchronous standby. The API continues on the new primary
// by its multi-host URL; every acknowledged booking is there (RPO 0);
// RTO is measured. The warehouse, whose slot the promoted standby lacks,
// rebuilds from a snapshot of the new primary while analysts keep
// querying the old file (never fewer bookings than before the crash),
// then serves the new primary's rows.
func TestFailoverDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers and two processes")
	}
	s := newFailoverStack(t)
	var res FailoverResult
	load := startBookingLoad(s, 4, 20*time.Millisecond)
	analysts := startAnalystPolls(s, 200*time.Millisecond)
	time.Sleep(3 * time.Second)
	before := analysts.last()
	crash := time.Now()
	res.AckedBefore = load.ackedBy(crash)
	res.WriteRate = float64(res.AckedBefore) / crash.Sub(load.start).Seconds()
	s.cluster.Crash()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	res.PromoteSeconds = time.Since(crash).Seconds()
	first := load.firstSentAfter(t, crash, 30*time.Second)
	res.RTOSeconds = first.Sub(crash).Seconds()
	time.Sleep(2 * time.Second)
	acked := load.stop()
	res.Acknowledged = len(acked)
	res.RPOWrites, res.RPOSeconds = lostWrites(t, s, acked)
	if res.AckedBefore < 20 || res.RPOWrites != 0 {
		t.Fatalf("%d acknowledged before the crash, %d of %d acknowledged bookings lost", res.AckedBefore, res.RPOWrites, len(acked))
	}
	s.warehouseFailsOver(t, before, analysts)
	res.WarehouseSeconds = time.Since(crash).Seconds()
	res.AnalystQueries, res.AnalystMinBookings = analysts.stop(crash)
	if res.AnalystMinBookings < before {
		t.Fatalf("an analyst saw %d bookings during the failover; %d were mirrored before it", res.AnalystMinBookings, before)
	}
	if res.AnalystQueries == 0 {
		t.Fatal("no analyst query was answered while the warehouse failed over")
	}
	t.Logf("failover: RTO %.2fs (promote %.2fs), RPO %d writes / %.3fs of %d acknowledged (%.0f/s before the crash); warehouse rebuilt in %.1fs, %d analyst queries answered meanwhile",
		res.RTOSeconds, res.PromoteSeconds, res.RPOWrites, res.RPOSeconds, res.Acknowledged, res.WriteRate, res.WarehouseSeconds, res.AnalystQueries)
	if path := os.Getenv("CCH_FAILOVER_REPORT"); path != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.apis[0].stop(t)
	s.wh.stop(t)
}

// bookingLoad is the drill's write load: its acknowledged bookings with
// when each request was sent and acknowledged.
type bookingLoad struct {
	start time.Time
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	acks  []ack
}

type ack struct {
	id         int64
	sent, done time.Time
}

// startBookingLoad books from clients goroutines, each waiting pause
// between requests; each booking has its own half-hour slot.
func startBookingLoad(s *stack, clients int, pause time.Duration) *bookingLoad {
	l := &bookingLoad{start: time.Now(), stopc: make(chan struct{})}
	var slot atomic.Int64
	for range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.stopc:
					return
				case <-time.After(pause):
				}
				n := slot.Add(1)
				start := s.fix.Day.AddDate(0, 0, 7*int(1+n/20)).Add(8*time.Hour + time.Duration(n%20)*30*time.Minute)
				sent := time.Now()
				r, err := s.c.do(s.api(0), "receptionist", "POST", "/v1/bookings", map[string]any{
					"branch_id": s.fix.Branch, "customer_id": s.fix.Customer, "vehicle_id": s.fix.Vehicle,
					"starts_at": start.Format(time.RFC3339), "duration_minutes": 30,
					"bay_id": s.fix.Bays[0], "technician_id": s.fix.Technicians[0], "labour_operation_codes": []string{}, "notes": ""})
				var b struct{ ID int64 }
				if err != nil || r.status != 201 || json.Unmarshal(r.body, &b) != nil {
					continue // refused or cut off: not acknowledged
				}
				l.mu.Lock()
				l.acks = append(l.acks, ack{id: b.ID, sent: sent, done: time.Now()})
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *bookingLoad) ackedBy(t time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, a := range l.acks {
		if a.done.Before(t) {
			n++
		}
	}
	return n
}

// firstSentAfter waits for the first acknowledgement of a request sent
// after t (so served by the new primary) and returns when it arrived.
func (l *bookingLoad) firstSentAfter(tb testing.TB, t time.Time, within time.Duration) time.Time {
	tb.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for _, a := range l.acks {
			if a.sent.After(t) {
				l.mu.Unlock()
				return a.done
			}
		}
		l.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("no write acknowledged within %s of the crash", within)
	return time.Time{}
}

func (l *bookingLoad) stop() []ack {
	close(l.stopc)
	l.wg.Wait()
	return l.acks
}

// lostWrites counts the acknowledged bookings missing on the new primary
// and the time span of their acknowledgements.
func lostWrites(t *testing.T, s *stack, acked []ack) (int, float64) {
	t.Helper()
	ids := make([]int64, len(acked))
	for i, a := range acked {
		ids[i] = a.id
	}
	rows, err := s.super.Query(context.Background(), `SELECT u.id FROM unnest($1::bigint[]) AS u(id)
		WHERE NOT EXISTS (SELECT 1 FROM workshop.booking b WHERE b.id = u.id)`, ids)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	var first, last time.Time
	for _, a := range acked {
		for _, m := range missing {
			if a.id == m && (first.IsZero() || a.done.Before(first)) {
				first = a.done
			}
			if a.id == m && a.done.After(last) {
				last = a.done
			}
		}
	}
	return len(missing), last.Sub(first).Seconds()
}

// analystPolls count the warehouse's bookings as an analyst would, over
// and over.
type analystPolls struct {
	stopc chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	seen  []poll
}

type poll struct {
	at    time.Time
	count int64
}

func startAnalystPolls(s *stack, every time.Duration) *analystPolls {
	p := &analystPolls{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-p.stopc:
				return
			case <-time.After(every):
			}
			if n, err := s.warehouseBookings(); err == nil {
				p.mu.Lock()
				p.seen = append(p.seen, poll{at: time.Now(), count: n})
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// last is the latest count seen, waiting for a first one.
func (p *analystPolls) last() int64 {
	for range 100 {
		p.mu.Lock()
		n := len(p.seen)
		p.mu.Unlock()
		if n > 0 {
			p.mu.Lock()
			defer p.mu.Unlock()
			return p.seen[n-1].count
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0
}

// stop returns how many polls after t were answered and the fewest
// bookings any of them saw.
func (p *analystPolls) stop(t time.Time) (int, int64) {
	close(p.stopc)
	<-p.done
	n, least := 0, int64(-1)
	for _, q := range p.seen {
		if q.at.After(t) {
			n++
			if least < 0 || q.count < least {
				least = q.count
			}
		}
	}
	return n, least
}

// warehouseBookings is the organisation's booking count in the warehouse.
func (s *stack) warehouseBookings() (int64, error) {
	r, err := s.c.do("http://"+s.whAddr, "manager", "POST", "/v1/sql", map[string]any{
		"query": fmt.Sprintf("SELECT count(*)::bigint FROM workshop.booking WHERE organisation_id = %d", s.fix.Org)})
	if err != nil || r.status != 200 {
		return 0, fmt.Errorf("sql: %v %d %s", err, r.status, r.body)
	}
	var out struct{ Rows [][]json.Number }
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || len(out.Rows) != 1 || len(out.Rows[0]) != 1 {
		return 0, fmt.Errorf("decode %s: %v", r.body, err)
	}
	return out.Rows[0][0].Int64()
}

// warehouseFailsOver waits until the warehouse has rebuilt from the new
// primary (cch_warehouse_rebuilds_total 1) and mirrors its bookings.
func (s *stack) warehouseFailsOver(t *testing.T, before int64, analysts *analystPolls) {
	t.Helper()
	var want int64
	if err := s.super.QueryRow(context.Background(), "SELECT count(*) FROM workshop.booking WHERE organisation_id = $1", s.fix.Org).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want <= before {
		t.Fatalf("the new primary has %d bookings, the warehouse had %d before the crash", want, before)
	}
	eventually(t, 2*time.Minute, "warehouse rebuilt from the new primary", func() error {
		r, err := s.c.do("http://"+s.whAddr, "", "GET", "/metrics", nil)
		if err != nil {
			return err
		}
		if !strings.Contains(string(r.body), "cch_warehouse_rebuilds_total 1") {
			return fmt.Errorf("no rebuild yet")
		}
		n, err := s.warehouseBookings()
		if err != nil || n != want {
			return fmt.Errorf("warehouse has %d bookings (%v), the new primary %d", n, err, want)
		}
		return nil
	})
}
