package bench

import (
	"context"
	"flag"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/carcarehub/cch/bench/loadgen"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// TestMain starts the throwaway cluster only for benchmark runs, so
// `go test ./...` does not pay for it.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Exit(m.Run())
	}
	os.Exit(pgtest.Main(m))
}

// BenchmarkBookingCreate compares one booking creation through the HTTP
// API with the same transaction through oltp.InTx on the API's pool (no
// HTTP, no token lookup), serially, in one run.
func BenchmarkBookingCreate(b *testing.B) {
	ctx := context.Background()
	db, err := NewDB(ctx, pgtest.Cluster(b), "bench_go_booking")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = pgtest.Cluster(b).DropDatabase(context.Background(), db.Name) })
	fix, err := LoadFixture(ctx, db.AdminURL, 2)
	if err != nil {
		b.Fatal(err)
	}
	api, err := StartAPI(ctx, db.AppURL, 4)
	if err != nil {
		b.Fatal(err)
	}
	defer api.Close()
	client := &loadgen.Client{BaseURL: api.URL, Token: fix.Token, HTTP: &http.Client{Transport: loadgen.Transport(4)}}
	target := func(lane int, year int) loadgen.Target {
		return loadgen.Target{Branch: fix.Branch, Customer: fix.Customer, Vehicle: fix.Vehicle,
			Base: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), Lanes: []loadgen.Lane{{Bay: fix.Bays[lane], Technician: fix.Techs[lane]}}}
	}
	b.Run("api", func(b *testing.B) {
		t := target(0, 2030)
		op := loadgen.CreateBooking(client, t, nil)
		var seq uint64
		for b.Loop() {
			if st, err := op.Do(ctx, seq); err != nil || st != http.StatusCreated {
				b.Fatalf("booking %d: %d %v", seq, st, err)
			}
			seq++
		}
	})
	b.Run("tx", func(b *testing.B) {
		t := target(1, 2031)
		op := txBooking(api, fix, t, nil)
		var seq uint64
		for b.Loop() {
			if _, err := op.Do(ctx, seq); err != nil {
				b.Fatalf("booking %d: %v", seq, err)
			}
			seq++
		}
	})
}
