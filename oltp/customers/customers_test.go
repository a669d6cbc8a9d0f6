package customers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/oltptest"
)

func newCustomer(t *testing.T, e *oltptest.Env) (customers.Customer, string) {
	t.Helper()
	res := e.Do(t, "receptionist", "POST", "/v1/customers", map[string]any{
		"kind": "person", "given_name": "Grace", "family_name": "Hopper", "email": "grace@example.test",
		"phone": "+1 555 0100", "home_branch_id": e.Fix.Branch})
	if res.Status != http.StatusCreated {
		t.Fatalf("create customer: %d %s", res.Status, res.Body)
	}
	var c customers.Customer
	res.JSON(t, &c)
	return c, res.Header.Get("ETag")
}

func TestCustomerCRUDAndSearch(t *testing.T) {
	e := oltptest.New(t, customers.Register)
	c, etag := newCustomer(t, e)
	upd := map[string]any{"kind": "person", "given_name": "Grace", "family_name": "Hopper", "email": "rear.admiral@example.test", "home_branch_id": e.Fix.Branch}
	res := e.Do(t, "receptionist", "PATCH", fmt.Sprintf("/v1/customers/%d", c.ID), upd, "If-Match", etag)
	if res.Status != 200 {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	var c2 customers.Customer
	res.JSON(t, &c2)
	if c2.Version <= c.Version || *c2.Email != "rear.admiral@example.test" {
		t.Errorf("after update: %+v", c2)
	}
	res = e.Do(t, "receptionist", "PATCH", fmt.Sprintf("/v1/customers/%d", c.ID), upd)
	if res.Status != http.StatusPreconditionRequired {
		t.Errorf("update without If-Match: %d", res.Status)
	}
	res = e.Do(t, "receptionist", "GET", "/v1/customers?q=hopp&limit=1", nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"Hopper"`) {
		t.Errorf("search: %d %s", res.Status, res.Body)
	}
	res = e.Do(t, "receptionist", "GET", "/v1/customers?limit=1", nil)
	var page struct {
		Items      []customers.Customer `json:"items"`
		NextCursor string               `json:"next_cursor"`
	}
	res.JSON(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %s", res.Body)
	}
	res = e.Do(t, "receptionist", "GET", "/v1/customers?limit=1&cursor="+page.NextCursor, nil)
	var page2 struct {
		Items []customers.Customer `json:"items"`
	}
	res.JSON(t, &page2)
	if len(page2.Items) != 1 || page2.Items[0].ID <= page.Items[0].ID {
		t.Errorf("second page: %s", res.Body)
	}
}

// TestConcurrentUpdatesWithOneETag: many writers holding the same ETag:
// exactly one wins, the rest get 412.
func TestConcurrentUpdatesWithOneETag(t *testing.T) {
	e := oltptest.New(t, customers.Register)
	c, etag := newCustomer(t, e)
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := map[string]any{"kind": "person", "family_name": fmt.Sprintf("Writer%d", i), "home_branch_id": e.Fix.Branch}
			statuses[i] = e.Do(t, "receptionist", "PATCH", fmt.Sprintf("/v1/customers/%d", c.ID), body, "If-Match", etag).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case http.StatusPreconditionFailed:
		default:
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d updates won, want exactly 1", ok)
	}
}

func TestCustomerVisibilityByRole(t *testing.T) {
	e := oltptest.New(t, customers.Register)
	path := fmt.Sprintf("/v1/customers/%d", e.Fix.Customer)
	tests := []struct {
		role   string
		status int
	}{
		{"manager", 200}, {"receptionist", 200}, {"finance", 200}, {"dispatcher", 200},
		{"technician", 404}, // no job assigned to them: existence stays hidden
		{"chauffeur", 404},
		{"auditor", 403},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			if res := e.Do(t, tt.role, "GET", path, nil); res.Status != tt.status {
				t.Errorf("GET as %s: %d, want %d: %s", tt.role, res.Status, tt.status, res.Body)
			}
		})
	}
	// Another tenant's customer is invisible even to a manager.
	if res := e.Do(t, "manager", "GET", fmt.Sprintf("/v1/customers/%d", e.Fix.OtherCustomer), nil); res.Status != 404 {
		t.Errorf("other tenant's customer: %d", res.Status)
	}
	if res := e.Do(t, "technician", "POST", "/v1/customers", map[string]any{"kind": "person", "family_name": "X"}); res.Status != 403 {
		t.Errorf("technician create: %d", res.Status)
	}
}

func TestGDPRExportAndErasure(t *testing.T) {
	e := oltptest.New(t, customers.Register)
	path := fmt.Sprintf("/v1/customers/%d", e.Fix.Customer)
	res := e.Do(t, "manager", "GET", path+"/export", nil)
	if res.Status != 200 {
		t.Fatalf("export: %d %s", res.Status, res.Body)
	}
	var ex customers.Export
	res.JSON(t, &ex)
	if ex.Customer.FamilyName == nil || *ex.Customer.FamilyName != "Lovelace" || len(ex.Vehicles) != 1 {
		t.Errorf("export: %s", res.Body)
	}
	if res := e.Do(t, "receptionist", "GET", path+"/export", nil); res.Status != 403 {
		t.Errorf("receptionist export: %d", res.Status)
	}
	res = e.Do(t, "manager", "POST", path+"/erasure", map[string]any{"reason": "customer request"})
	if res.Status != 200 {
		t.Fatalf("erasure: %d %s", res.Status, res.Body)
	}
	var pii int
	err := e.Admin.QueryRow(context.Background(), `SELECT num_nonnulls(given_name, family_name, email, phone, address, postcode)
		FROM core.customer WHERE id = $1 AND pseudonymised_at IS NOT NULL`, e.Fix.Customer).Scan(&pii)
	if err != nil || pii != 0 {
		t.Errorf("after erasure: %d PII columns left (%v)", pii, err)
	}
	var logged int
	e.Admin.QueryRow(context.Background(), `SELECT count(*) FROM audit.staff_audit_log WHERE action = 'gdpr_erasure'`).Scan(&logged)
	if logged != 1 {
		t.Errorf("erasure audit entries = %d, want 1", logged)
	}
}

func TestVehicleKeeperChange(t *testing.T) {
	e := oltptest.New(t, customers.Register)
	c, _ := newCustomer(t, e)
	res := e.Do(t, "receptionist", "POST", "/v1/vehicles", map[string]any{"vin": "1HGCM82633A004352", "make": "Honda", "model": "Accord", "owner_customer_id": e.Fix.Customer})
	if res.Status != 201 {
		t.Fatalf("create vehicle: %d %s", res.Status, res.Body)
	}
	var v customers.Vehicle
	res.JSON(t, &v)
	res = e.Do(t, "receptionist", "PATCH", fmt.Sprintf("/v1/vehicles/%d", v.ID),
		map[string]any{"vin": v.VIN, "make": "Honda", "model": "Accord", "owner_customer_id": c.ID}, "If-Match", res.Header.Get("ETag"))
	if res.Status != 200 {
		t.Fatalf("keeper change: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &v)
	if v.OwnerCustomerID == nil || *v.OwnerCustomerID != c.ID {
		t.Errorf("owner = %v, want %d", v.OwnerCustomerID, c.ID)
	}
	if n := e.Count(t, fmt.Sprintf("core.vehicle_ownership WHERE vehicle_id = %d", v.ID)); n != 2 {
		t.Errorf("ownership rows = %d, want 2", n)
	}
	dup := e.Do(t, "receptionist", "POST", "/v1/vehicles", map[string]any{"vin": "1HGCM82633A004352", "make": "Honda", "model": "Accord"})
	if dup.Status != 409 {
		t.Errorf("duplicate VIN: %d %s", dup.Status, dup.Body)
	}
	if bad := e.Do(t, "receptionist", "POST", "/v1/vehicles", map[string]any{"vin": "IOQ", "make": "", "model": ""}); bad.Status != 422 {
		t.Errorf("bad vehicle: %d", bad.Status)
	}
}
