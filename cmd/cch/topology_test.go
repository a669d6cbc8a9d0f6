package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/internal/pglocal"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
	"github.com/carcarehub/cch/oltp/finance"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

// stack is a deployment on one machine: PostgreSQL with TLS, PgBouncer
// (transaction mode, TLS both ways) in front of it, and the processes of
// the cch binary, each its own OS process.
type stack struct {
	dir                    string
	cluster                *pglocal.Cluster
	standby                *pglocal.Cluster // hot standby: the APIs' list and report reads
	replicaURL             string
	bouncer                *pglocal.Bouncer
	super                  *pgx.Conn
	fix                    oltptest.Fixture
	chauffeurVehicle       int64
	c                      *client
	apiAddr                [2]string
	apis                   [2]*proc
	whAddr                 string
	wh                     *proc
	workers                [2]*proc
	appURL, workerURL, rep string
	hook                   *webhook
}

const topologyDB = "cch"

var topologyPasswords = map[string]string{"cch_owner": "owner-pw", "cch_app": "app-pw", "cch_replicator": "rep-pw", "cch_worker": "worker-pw"}

// TestTopology runs the platform as a deployment does and drives it: a
// workshop day and a chauffeur ride through two API processes behind
// PgBouncer, analytics read-your-writes and a dashboard page from the
// warehouse process, a reminder delivered once by two worker processes,
// then SIGKILL of the warehouse and one API under load: every
// acknowledged booking is in PostgreSQL and the restarted warehouse's
// mirror converges. A hot standby streams beside PostgreSQL and serves the
// APIs' lists. Every process stops on SIGTERM with status 0.
func TestTopology(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, PgBouncer and five processes")
	}
	s := newStack(t)
	s.startAll(t)
	ro, lsn := s.workshopDay(t)
	s.listsFromStandby(t, lsn)
	s.chauffeurRide(t)
	s.readAnalytics(t, lsn, ro)
	s.reminderOnce(t)
	s.partitionsAhead(t)
	s.killUnderLoad(t)
	for _, p := range append([]*proc{s.apis[0], s.apis[1], s.wh}, s.workers[:]...) {
		p.stop(t)
	}
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "cch-topology-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // PostgreSQL and PgBouncer run as the postgres user
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &stack{dir: dir, c: &client{tokens: map[string]string{}, http: &http.Client{Timeout: 30 * time.Second}}}
	if s.cluster, err = pglocal.Start(ctx, pglocal.Config{Dir: filepath.Join(dir, "pg"), Fast: true, TLS: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cluster.Stop(context.Background()) })
	if err := s.cluster.CreateDatabase(ctx, topologyDB); err != nil {
		t.Fatal(err)
	}
	s.migrate(t)
	if s.bouncer, err = pglocal.StartBouncer(ctx, pglocal.BouncerConfig{Dir: filepath.Join(dir, "bouncer"), Server: s.cluster, TLS: true,
		Users: map[string]string{"cch_app": topologyPasswords["cch_app"], "cch_worker": topologyPasswords["cch_worker"]}, PoolSize: 8}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.bouncer.Stop(context.Background()) })
	s.appURL = s.bouncer.URL("cch_app", topologyPasswords["cch_app"], topologyDB)
	s.workerURL = s.bouncer.URL("cch_worker", topologyPasswords["cch_worker"], topologyDB)
	s.rep = s.cluster.URL("cch_replicator", topologyPasswords["cch_replicator"], topologyDB)
	if s.super, err = pgx.Connect(ctx, s.cluster.SuperuserURL(topologyDB)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.super.Close(context.Background()) })
	s.loadBusiness(t)
	s.startStandby(t)
	s.hook = newWebhook(t)
	return s
}

// migrate runs the superuser bootstrap, then `cch migrate apply` as the
// owner, each as its own process over verify-full TLS.
func (s *stack) migrate(t *testing.T) {
	t.Helper()
	out := runProc(t, "migrate", "bootstrap", "--database-url", s.cluster.SuperuserURL(topologyDB),
		"--owner-password", topologyPasswords["cch_owner"], "--app-password", topologyPasswords["cch_app"],
		"--replicator-password", topologyPasswords["cch_replicator"], "--worker-password", topologyPasswords["cch_worker"])
	if !strings.Contains(out, "bootstrap done") {
		t.Fatalf("bootstrap said: %s", out)
	}
	owner := s.cluster.URL("cch_owner", topologyPasswords["cch_owner"], topologyDB)
	if !strings.Contains(owner, "sslmode=verify-full") {
		t.Fatalf("owner URL %s does not verify the server", owner)
	}
	if out := runProc(t, "migrate", "apply", "--database-url", owner); !strings.Contains(out, "now at version") {
		t.Fatalf("apply as owner said: %s", out)
	}
}

// loadBusiness loads the fixture business, a rostered chauffeur with a
// fleet vehicle, and one token per role.
func (s *stack) loadBusiness(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	s.fix = oltptest.LoadFixture(t, s.super)
	ch := s.fix.Staff["chauffeur"]
	for _, sql := range []string{
		fmt.Sprintf(`INSERT INTO chauffeur.chauffeur (id, organisation_id, branch_id, licence_number, licence_expires_on)
			VALUES (%d, %d, %d, 'LIC-1', current_date + 365)`, ch, s.fix.Org, s.fix.Branch),
		fmt.Sprintf(`INSERT INTO core.staff_shift (organisation_id, branch_id, staff_id, period)
			VALUES (%d, %d, %d, tstzrange(now() - interval '1 hour', now() + interval '30 days'))`, s.fix.Org, s.fix.Branch, ch),
	} {
		if _, err := s.super.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.super.QueryRow(ctx, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year)
		VALUES ($1, 'WDD2130421A000001', 'CH01 FLT', 'Mercedes-Benz', 'E-Class', 2024) RETURNING id`, s.fix.Org).Scan(&s.chauffeurVehicle); err != nil {
		t.Fatal(err)
	}
	if _, err := s.super.Exec(ctx, `INSERT INTO chauffeur.fleet_vehicle (id, organisation_id, branch_id, vehicle_class, passenger_capacity, in_service)
		VALUES ($1, $2, $3, 'executive', 4, tstzrange(now() - interval '1 year', NULL))`, s.chauffeurVehicle, s.fix.Org, s.fix.Branch); err != nil {
		t.Fatal(err)
	}
	for role, staff := range s.fix.Staff {
		tok, _, err := oltp.IssueToken(ctx, s.super, staff, role, time.Hour, "topology")
		if err != nil {
			t.Fatal(err)
		}
		s.c.tokens[role] = tok
	}
}

func (s *stack) startAPI(t *testing.T, i int) {
	t.Helper()
	if s.apiAddr[i] == "" {
		s.apiAddr[i] = freeAddr(t)
	}
	s.apis[i] = startProc(t, s.dir, fmt.Sprintf("api%d", i+1), "api", "--database-url", s.appURL, "--http", s.apiAddr[i], "--max-conns", "8",
		"--replica-url", s.replicaURL)
}

func (s *stack) startWarehouse(t *testing.T) {
	t.Helper()
	if s.whAddr == "" {
		s.whAddr = freeAddr(t)
	}
	s.wh = startProc(t, s.dir, "warehouse", "warehouse", "--database-url", s.rep, "--duckdb", filepath.Join(s.dir, "warehouse.duckdb"),
		"--slot", "cch_topology", "--http", s.whAddr, "--api-database-url", s.appURL, "--memory-limit", "512MB",
		"--marts-interval", "200ms", "--batch-interval", "20ms")
}

// startAll starts two APIs, the warehouse and two workers and waits until
// each is ready.
func (s *stack) startAll(t *testing.T) {
	t.Helper()
	s.startAPI(t, 0)
	s.startAPI(t, 1)
	s.startWarehouse(t)
	var workerAddr [2]string
	for i := range s.workers {
		workerAddr[i] = freeAddr(t)
		s.workers[i] = startProc(t, s.dir, fmt.Sprintf("worker%d", i+1), "worker", "--database-url", s.workerURL, "--http", workerAddr[i],
			"--webhook-url", s.hook.srv.URL, "--webhook-secret", "topology-secret", "--notify-interval", "300ms", "--dispatch-interval", "1s", "--partitions-ahead", "6")
	}
	for i, p := range s.apis {
		waitHTTPReady(t, p, "http://"+s.apiAddr[i], time.Minute)
	}
	for i, p := range s.workers {
		waitHTTPReady(t, p, "http://"+workerAddr[i], time.Minute)
	}
	waitHTTPReady(t, s.wh, "http://"+s.whAddr, 2*time.Minute)
}

func (s *stack) api(i int) string { return "http://" + s.apiAddr[i%2] }

// workshopDay books, checks in, works, invoices and takes payment,
// alternating between the two APIs. It returns the repair order and the
// payment's commit position.
func (s *stack) workshopDay(t *testing.T) (int64, string) {
	t.Helper()
	var b workshop.Booking
	res := s.c.must(t, s.api(0), "receptionist", "POST", "/v1/bookings", map[string]any{
		"branch_id": s.fix.Branch, "customer_id": s.fix.Customer, "vehicle_id": s.fix.Vehicle,
		"starts_at": s.fix.Day.Add(9 * time.Hour).Format(time.RFC3339), "duration_minutes": 90,
		"bay_id": s.fix.Bays[0], "technician_id": s.fix.Technicians[0], "labour_operation_codes": []string{"SRV-A"}, "notes": ""}, 201, &b)
	var ro workshop.RepairOrder
	s.c.must(t, s.api(1), "receptionist", "POST", fmt.Sprintf("/v1/bookings/%d/check-in", b.ID), map[string]any{"odometer_miles": 31000},
		201, &ro, "If-Match", res.header.Get("ETag"))
	var d workshop.RepairOrderDetail
	s.c.must(t, s.api(0), "receptionist", "GET", fmt.Sprintf("/v1/repair-orders/%d", ro.ID), nil, 200, &d)
	job := d.Jobs[0]
	s.c.must(t, s.api(1), "receptionist", "POST", fmt.Sprintf("/v1/repair-orders/%d/status", ro.ID), map[string]any{"status": "authorised"},
		200, nil, "If-Match", oltp.ETag(d.ID, d.Version))
	s.c.must(t, s.api(0), "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/approve", job.ID), map[string]any{}, 200, nil,
		"If-Match", oltp.ETag(job.ID, job.Version))
	s.c.must(t, s.api(1), "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/clock-on", job.ID), map[string]any{}, 201, nil)
	s.c.must(t, s.api(0), "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/clock-off", job.ID), map[string]any{}, 200, nil)
	s.c.must(t, s.api(1), "technician", "POST", fmt.Sprintf("/v1/repair-jobs/%d/complete", job.ID), map[string]any{"correction": "oil changed"}, 200, nil)
	s.c.must(t, s.api(0), "receptionist", "POST", fmt.Sprintf("/v1/repair-jobs/%d/labour-lines", job.ID), map[string]any{"sold_hours": 1.5}, 201, nil)
	var inv finance.Invoice
	s.c.must(t, s.api(1), "finance", "POST", "/v1/invoices", map[string]any{"repair_order_id": ro.ID}, 201, &inv)
	s.c.must(t, s.api(0), "finance", "POST", fmt.Sprintf("/v1/invoices/%d/issue", inv.ID), nil, 200, &inv)
	res = s.c.must(t, s.api(1), "finance", "POST", "/v1/payments", map[string]any{"branch_id": s.fix.Branch, "customer_id": s.fix.Customer,
		"method": "card", "amount": string(inv.GrossTotal), "allocations": []map[string]any{{"invoice_id": inv.ID, "amount": string(inv.GrossTotal)}}}, 201, nil)
	s.c.must(t, s.api(0), "finance", "GET", fmt.Sprintf("/v1/invoices/%d", inv.ID), nil, 200, &inv)
	if inv.Outstanding != "0.00" {
		t.Fatalf("outstanding %s after full payment", inv.Outstanding)
	}
	lsn := res.header.Get("X-CCH-LSN")
	if lsn == "" {
		t.Fatal("payment response has no X-CCH-LSN")
	}
	return ro.ID, lsn
}

// chauffeurRide books a ride on one API, confirms it on the other, lets
// the workers auto-dispatch it (once, though two run), and drives it to
// completion as the chauffeur.
func (s *stack) chauffeurRide(t *testing.T) {
	t.Helper()
	var r chauffeur.Ride
	s.c.must(t, s.api(0), "dispatcher", "POST", "/v1/rides", map[string]any{
		"branch_id": s.fix.Branch, "booker_customer_id": s.fix.Customer, "service_type": "airport_arrival",
		"pickup_at": time.Now().Add(3 * time.Hour).UTC().Truncate(time.Minute).Format(time.RFC3339), "estimated_duration_minutes": 60,
		"pickup_address": "Heathrow T5 arrivals", "dropoff_address": "1 Poultry, London",
		"requested_vehicle_class": "executive", "passenger_count": 2, "quoted_amount": 95.5}, 201, &r)
	s.c.must(t, s.api(1), "dispatcher", "POST", fmt.Sprintf("/v1/rides/%d/events", r.ID), map[string]any{"status": "confirmed"}, 201, nil)
	eventually(t, 30*time.Second, "auto-dispatch by a worker", func() error {
		s.c.must(t, s.api(0), "dispatcher", "GET", fmt.Sprintf("/v1/rides/%d", r.ID), nil, 200, &r)
		if r.Assignment == nil {
			return errNotYet
		}
		return nil
	})
	s.c.must(t, s.api(1), "chauffeur", "POST", fmt.Sprintf("/v1/dispatch/%d/accept", r.Assignment.ID), nil, 200, nil)
	for i, ev := range []struct {
		status   string
		odometer float64
	}{{"on_the_way", 1000}, {"on_location", 1012.5}, {"passenger_on_board", 1013}, {"completed", 1043}} {
		s.c.must(t, s.api(i), "chauffeur", "POST", fmt.Sprintf("/v1/rides/%d/events", r.ID),
			map[string]any{"status": ev.status, "odometer_miles": ev.odometer}, 201, &r)
	}
	if r.Status != "completed" {
		t.Fatalf("ride %d is %s", r.ID, r.Status)
	}
	var offers int
	if err := s.super.QueryRow(context.Background(), `SELECT count(*) FROM chauffeur.dispatch_assignment WHERE ride_booking_id = $1`, r.ID).Scan(&offers); err != nil || offers != 1 {
		t.Fatalf("%d offers of the ride (%v); want 1", offers, err)
	}
}

// readAnalytics reads an analytic as of the payment (min_lsn), the
// mirrored payment through /v1/sql, and the overview dashboard, all from
// the warehouse process.
func (s *stack) readAnalytics(t *testing.T, lsn string, ro int64) {
	t.Helper()
	wh := "http://" + s.whAddr
	s.c.must(t, wh, "manager", "GET", "/v1/analytics/car_count?min_lsn="+lsn, nil, 200, nil)
	var out struct{ Rows [][]any }
	s.c.must(t, wh, "manager", "POST", "/v1/sql", map[string]any{"query": fmt.Sprintf(
		"SELECT count(*) FROM finance.payment p JOIN finance.invoice i ON i.customer_id = p.customer_id WHERE i.repair_order_id = %d", ro)}, 200, &out)
	if len(out.Rows) != 1 || fmt.Sprint(out.Rows[0][0]) != "1" {
		t.Fatalf("mirrored payments of the repair order: %v; want 1", out.Rows)
	}
	res := s.c.must(t, wh, "manager", "GET", "/dashboards", nil, 200, nil)
	if !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || !strings.Contains(string(res.body), "Overview") {
		t.Fatalf("dashboard page: %s %.200s", res.header.Get("Content-Type"), res.body)
	}
}

// webhook receives the workers' deliveries.
type webhook struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string]int // X-CCH-Notification-Id → deliveries
	msg map[string]json.RawMessage
}

func newWebhook(t *testing.T) *webhook {
	h := &webhook{got: map[string]int{}, msg: map[string]json.RawMessage{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("X-CCH-Notification-Id")
		h.mu.Lock()
		h.got[id]++
		h.msg[id] = body
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// reminderOnce books an appointment, makes its reminder due, and checks
// that two workers queue and deliver it exactly once.
func (s *stack) reminderOnce(t *testing.T) {
	t.Helper()
	var b workshop.Booking
	s.c.must(t, s.api(1), "receptionist", "POST", "/v1/bookings", map[string]any{
		"branch_id": s.fix.Branch, "customer_id": s.fix.Customer, "vehicle_id": s.fix.Vehicle,
		"starts_at": s.fix.Day.Add(14 * time.Hour).Format(time.RFC3339), "duration_minutes": 60,
		"bay_id": s.fix.Bays[1], "technician_id": s.fix.Technicians[1], "labour_operation_codes": []string{}, "notes": ""}, 201, &b)
	// The reminder is due 24 h before the appointment; bring that moment to now.
	if _, err := s.super.Exec(context.Background(), `UPDATE workshop.booking SET reminder_due_at = now() WHERE id = $1`, b.ID); err != nil {
		t.Fatal(err)
	}
	var id string
	eventually(t, 30*time.Second, "reminder delivered", func() error {
		s.hook.mu.Lock()
		defer s.hook.mu.Unlock()
		for k, body := range s.hook.msg {
			if strings.Contains(string(body), fmt.Sprintf(`"booking_id": %d`, b.ID)) || strings.Contains(string(body), fmt.Sprintf(`"booking_id":%d`, b.ID)) {
				id = k
				return nil
			}
		}
		return errNotYet
	})
	time.Sleep(2 * time.Second) // several more rounds of both workers
	s.hook.mu.Lock()
	n := s.hook.got[id]
	s.hook.mu.Unlock()
	var queued int
	if err := s.super.QueryRow(context.Background(), `SELECT count(*) FROM core.notification WHERE kind = 'booking_reminder'
		AND payload->>'booking_id' = $1 AND status = 'sent' AND attempts = 1`, strconv.FormatInt(b.ID, 10)).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if n != 1 || queued != 1 {
		t.Fatalf("reminder of booking %d: delivered %d times, %d sent notification rows; want 1 and 1", b.ID, n, queued)
	}
}

// partitionsAhead: the workers keep six months of partitions ahead (the
// migrations created three).
func (s *stack) partitionsAhead(t *testing.T) {
	t.Helper()
	eventually(t, 30*time.Second, "partitions six months ahead", func() error {
		var missing []string
		rows, err := s.super.Query(context.Background(), `SELECT p.relname FROM pg_partitioned_table pt
			JOIN pg_class p ON p.oid = pt.partrelid JOIN pg_namespace n ON n.oid = p.relnamespace
			WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit') AND pt.partstrat = 'r' AND NOT p.relispartition
			  AND to_regclass(quote_ident(n.nspname) || '.' || quote_ident(p.relname || '_' || to_char(now() + interval '6 months', 'YYYYMM'))) IS NULL`)
		if err != nil {
			return err
		}
		if missing, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		if len(missing) > 0 {
			return fmt.Errorf("no partition six months ahead for %v", missing)
		}
		return nil
	})
}
