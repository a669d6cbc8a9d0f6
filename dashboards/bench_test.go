package dashboards_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/carcarehub/cch/dashboards"
)

// BenchmarkRender is the server render time of each page for a manager
// (authentication, every analytic of the page on DuckDB, templates), as a
// browser asks for it, with the result cache off: every query runs. It
// reports p50 and p95 per page beside ns/op. The dataset is smallData
// unless CCH_BENCH_MONTHS and CCH_BENCH_BOOKINGS ask for more (the issue's
// target is p95 ≤ 150 ms on 24 months: CCH_BENCH_MONTHS=24
// CCH_BENCH_BOOKINGS=10000).
//
//	go test -tags duckdb_arrow -run '^$' -bench BenchmarkRender ./dashboards/
func BenchmarkRender(b *testing.B) {
	benchRender(b, func(c *dashboards.Config) { c.CacheEntries = -1 })
}

// BenchmarkRenderCached is the same with the result cache on (the
// warehouse does not move during the run): a page viewed again.
func BenchmarkRenderCached(b *testing.B) { benchRender(b) }

func benchRender(b *testing.B, opts ...func(*dashboards.Config)) {
	data := smallData()
	if n, err := strconv.Atoi(os.Getenv("CCH_BENCH_MONTHS")); err == nil && n > 0 {
		data.Months = n
	}
	if n, err := strconv.Atoi(os.Getenv("CCH_BENCH_BOOKINGS")); err == nil && n > 0 {
		data.BookingsPerMonth = n
	}
	s := newStack(b, data, opts...)
	client := &http.Client{}
	for _, slug := range slugs {
		b.Run(slug, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := s.fetch(client, "/dashboards/"+slug); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
			b.ReportMetric(ms(took[(len(took)*95+99)/100-1]), "p95-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fetch GETs path as the manager and reads the whole page.
func (s *stack) fetch(client *http.Client, path string) error {
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.tokens["manager"])
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d", path, resp.StatusCode)
	}
	return nil
}
