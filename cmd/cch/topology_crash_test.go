package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// killUnderLoad books from four clients spread over both APIs, SIGKILLs
// the warehouse and the first API a second in, keeps booking on the
// survivor, then checks that every acknowledged (201) booking is in
// PostgreSQL, restarts both and waits for the warehouse mirror to equal
// PostgreSQL.
func (s *stack) killUnderLoad(t *testing.T) {
	t.Helper()
	var (
		slot  atomic.Int64
		mu    sync.Mutex
		acked []int64
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := slot.Add(1)
				start := s.fix.Day.AddDate(0, 0, 7*int(1+n/20)).Add(8*time.Hour + time.Duration(n%20)*30*time.Minute)
				r, err := s.c.do(s.api(w+i), "receptionist", "POST", "/v1/bookings", map[string]any{
					"branch_id": s.fix.Branch, "customer_id": s.fix.Customer, "vehicle_id": s.fix.Vehicle,
					"starts_at": start.Format(time.RFC3339), "duration_minutes": 30,
					"bay_id": s.fix.Bays[0], "technician_id": s.fix.Technicians[0], "labour_operation_codes": []string{}, "notes": ""})
				if err != nil || r.status != 201 {
					continue // refused or cut off: not acknowledged
				}
				var b struct{ ID int64 }
				if json.Unmarshal(r.body, &b) == nil {
					mu.Lock()
					acked = append(acked, b.ID)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(time.Second)
	s.wh.kill(t)
	s.apis[0].kill(t)
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d bookings acknowledged under load", len(acked))
	}
	var found int
	if err := s.super.QueryRow(context.Background(), `SELECT count(*) FROM workshop.booking WHERE id = ANY ($1)`, acked).Scan(&found); err != nil {
		t.Fatal(err)
	}
	if found != len(acked) {
		t.Fatalf("%d of %d acknowledged bookings are in PostgreSQL", found, len(acked))
	}
	s.startAPI(t, 0)
	s.startWarehouse(t)
	waitHTTPReady(t, s.apis[0], s.api(0), time.Minute)
	waitHTTPReady(t, s.wh, "http://"+s.whAddr, 2*time.Minute)
	s.mirrorConverges(t)
}

// mirrorConverges waits until the warehouse's mirror of the tables the
// test wrote holds the same count, id sum and version sum as PostgreSQL.
func (s *stack) mirrorConverges(t *testing.T) {
	t.Helper()
	for _, table := range []string{"workshop.booking", "workshop.repair_order", "finance.invoice", "finance.payment", "chauffeur.ride_booking"} {
		version := "version"
		if table == "finance.invoice" || table == "finance.payment" {
			version = "0" // not versioned
		}
		q := fmt.Sprintf("SELECT count(*)::bigint, coalesce(sum(id), 0)::bigint, coalesce(sum(%s), 0)::bigint FROM %s WHERE organisation_id = %d",
			version, table, s.fix.Org)
		var pgCount, pgIDs, pgVersions int64
		if err := s.super.QueryRow(context.Background(), q).Scan(&pgCount, &pgIDs, &pgVersions); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		want := fmt.Sprint([]int64{pgCount, pgIDs, pgVersions})
		eventually(t, time.Minute, table+" mirror equal to PostgreSQL "+want, func() error {
			var out struct{ Rows [][]json.Number }
			r, err := s.c.do("http://"+s.whAddr, "manager", "POST", "/v1/sql", map[string]any{"query": q})
			if err != nil || r.status != 200 {
				return fmt.Errorf("sql: %v %d %s", err, r.status, r.body)
			}
			dec := json.NewDecoder(bytes.NewReader(r.body))
			dec.UseNumber()
			if err := dec.Decode(&out); err != nil || len(out.Rows) != 1 {
				return fmt.Errorf("decode %s: %v", r.body, err)
			}
			if got := fmt.Sprint(out.Rows[0]); got != want {
				return fmt.Errorf("mirror %s", got)
			}
			return nil
		})
	}
}
