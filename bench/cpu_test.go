package bench

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/bench/loadgen"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// BenchmarkBookingCPU measures what one booking costs in CPU time, not
// wall time, through the API and through pgbench on the same transaction,
// 4 clients each: PostgreSQL's share (every process of the cluster, exited
// backends included), the API process's share (server and load
// generator) and pgbench's. On a machine whose cores are saturated (or
// shared with other work, which makes wall-clock rates noisy), the ratio
// of the totals is the throughput ratio the bookings suite measures at
// peak. Run with -benchtime 2000x (bookings per path).
func BenchmarkBookingCPU(b *testing.B) {
	ctx := context.Background()
	db, err := NewDB(ctx, pgtest.Cluster(b), "bench_go_booking_cpu")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = pgtest.Cluster(b).DropDatabase(context.Background(), db.Name) })
	const clients = 4
	fix, err := LoadFixture(ctx, db.AdminURL, clients)
	if err != nil {
		b.Fatal(err)
	}
	api, err := StartAPI(ctx, db.AppURL, clients+4)
	if err != nil {
		b.Fatal(err)
	}
	defer api.Close()
	admin, err := pgx.Connect(ctx, db.AdminURL)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	client := &loadgen.Client{BaseURL: api.URL, Token: fix.Token, HTTP: &http.Client{Transport: loadgen.Transport(clients * 2)}}
	per := max(b.N/clients, 1)
	// Warm both paths (connections, prepared statements, plans).
	apiBookings(b, ctx, client, fix, clients, 20, time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := runPgbench(ctx, db, fix, pgbenchRun{clients: clients, perConn: 20, base: time.Date(2041, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()

	pg0, self0 := clusterCPU(b, admin), processCPU(syscall.RUSAGE_SELF)
	apiBookings(b, ctx, client, fix, clients, per, time.Date(2042, 1, 1, 0, 0, 0, 0, time.UTC))
	pg1, self1 := clusterCPU(b, admin), processCPU(syscall.RUSAGE_SELF)
	kids0 := processCPU(syscall.RUSAGE_CHILDREN)
	if _, err := runPgbench(ctx, db, fix, pgbenchRun{clients: clients, perConn: per, base: time.Date(2043, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	pg2, kids1 := clusterCPU(b, admin), processCPU(syscall.RUSAGE_CHILDREN)

	n := float64(per * clients)
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / n }
	apiPG, apiGo, benchPG, benchClient := us(pg1-pg0), us(self1-self0), us(pg2-pg1), us(kids1-kids0)
	b.ReportMetric(apiPG, "api-postgres-µs/booking")
	b.ReportMetric(apiGo, "api-process-µs/booking")
	b.ReportMetric(benchPG, "pgbench-postgres-µs/booking")
	b.ReportMetric(benchClient, "pgbench-process-µs/booking")
	b.ReportMetric((benchPG+benchClient)/(apiPG+apiGo), "cpu-bound-throughput-ratio")
}

// apiBookings books per bookings on each of clients lanes through the API,
// the clients concurrently.
func apiBookings(b *testing.B, ctx context.Context, c *loadgen.Client, fix Fixture, clients, per int, base time.Time) {
	var wg sync.WaitGroup
	for i := range clients {
		t := loadgen.Target{Branch: fix.Branch, Customer: fix.Customer, Vehicle: fix.Vehicle, Base: base,
			Lanes: []loadgen.Lane{{Bay: fix.Bays[i], Technician: fix.Techs[i]}}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range per {
				if st, _, err := c.Do(ctx, http.MethodPost, "/v1/bookings", t.BookingBody(uint64(k)), nil); err != nil || st != http.StatusCreated {
					b.Errorf("booking: %d %v", st, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// processCPU is the user + system CPU time of this process (RUSAGE_SELF)
// or of its waited-for children (RUSAGE_CHILDREN).
func processCPU(who int) time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clusterCPU is the CPU time the PostgreSQL cluster behind conn has used:
// the postmaster, its live children (backends, WAL writer, checkpointer…)
// and its exited children (the postmaster waits for them, so their time
// is in its cutime and cstime). Read from /proc (Linux; 100 ticks/s).
func clusterCPU(b *testing.B, conn *pgx.Conn) time.Duration {
	b.Helper()
	var backend int
	if err := conn.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		b.Fatal(err)
	}
	fields := func(pid string) []string {
		raw, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		if err != nil {
			return nil
		}
		s := string(raw)
		return strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // state, ppid, …
	}
	tick := func(f []string, i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	self := fields(strconv.Itoa(backend))
	if self == nil {
		b.Fatal("no /proc entry for the backend")
	}
	postmaster := self[1]
	pm := fields(postmaster)
	// After ')': utime, stime, cutime, cstime are fields 11..14.
	ticks := tick(pm, 11) + tick(pm, 12) + tick(pm, 13) + tick(pm, 14)
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if f := fields(d.Name()); len(f) > 12 && f[1] == postmaster {
			ticks += tick(f, 11) + tick(f, 12)
		}
	}
	return time.Duration(ticks) * (time.Second / 100)
}
