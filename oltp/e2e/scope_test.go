package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/finance"
	"github.com/carcarehub/cch/oltp/inventory"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

// world is one row of every kind a write route references, all at one
// branch of one organisation.
type world struct {
	Org, Branch                                  int64
	Customer, Vehicle, Bay, Technician, LabourOp int64
	Booking, RepairOrder, RepairJob, Invoice     int64
	Supplier, Part, PurchaseOrder                int64
	Chauffeur, Fleet, Ride, Dispatch, Settlement int64
}

// buildWorld inserts the rows of a world at branch (of org) as the
// database owner; tag keeps unique values apart.
func buildWorld(t *testing.T, e *oltptest.Env, org, branch int64, tag string) world {
	t.Helper()
	w := world{Org: org, Branch: branch}
	q := func(dst *int64, sql string, args ...any) {
		t.Helper()
		if err := e.Admin.QueryRow(t.Context(), sql, args...).Scan(dst); err != nil {
			t.Fatalf("world %s: %s: %v", tag, sql, err)
		}
	}
	day := e.Fix.Day.Add(10 * time.Hour)
	q(&w.Customer, `INSERT INTO core.customer (organisation_id, home_branch_id, kind, given_name, family_name, email)
		VALUES ($1, $2, 'person', 'World', $3, $3 || '@world.test') RETURNING id`, org, branch, tag)
	q(&w.Vehicle, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year)
		VALUES ($1, $2, $3, 'Ford', 'Transit', 2021) RETURNING id`, org, vin(tag, 1), "W"+tag)
	q(new(int64), `INSERT INTO core.vehicle_ownership (organisation_id, vehicle_id, customer_id, period)
		VALUES ($1, $2, $3, tstzrange(now() - interval '1 year', NULL)) RETURNING id`, org, w.Vehicle, w.Customer)
	q(&w.Bay, `INSERT INTO workshop.service_bay (organisation_id, branch_id, code, name) VALUES ($1, $2, $3, $3) RETURNING id`, org, branch, "B"+tag)
	q(&w.Technician, `INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email) VALUES ($1, $2, 'Tech', $3, 't' || $3 || '@world.test') RETURNING id`, org, branch, tag)
	q(new(int64), `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'technician', $3) RETURNING id`, org, w.Technician, branch)
	q(&w.LabourOp, `INSERT INTO workshop.labour_operation (organisation_id, code, name, job_category, book_hours, default_labour_rate)
		VALUES ($1, 'OP-' || $2, 'Op', 'service', 1, 100) RETURNING id`, org, tag)
	q(&w.Booking, `INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period)
		VALUES ($1, $2, $3, $4, tstzrange($5::timestamptz, $5::timestamptz + interval '1 hour')) RETURNING id`, org, branch, w.Customer, w.Vehicle, day)
	q(&w.RepairOrder, `INSERT INTO workshop.repair_order (organisation_id, branch_id, customer_id, vehicle_id, status)
		VALUES ($1, $2, $3, $4, 'in_progress') RETURNING id`, org, branch, w.Customer, w.Vehicle)
	q(&w.RepairJob, `INSERT INTO workshop.repair_job (organisation_id, branch_id, repair_order_id, job_category, concern, status, assigned_technician_id)
		VALUES ($1, $2, $3, 'service', 'noise', 'approved', $4) RETURNING id`, org, branch, w.RepairOrder, w.Technician)
	q(&w.Invoice, `INSERT INTO finance.invoice (organisation_id, branch_id, customer_id) VALUES ($1, $2, $3) RETURNING id`, org, branch, w.Customer)
	q(&w.Supplier, `INSERT INTO inventory.supplier (organisation_id, name) VALUES ($1, $2) RETURNING id`, org, "S"+tag)
	q(&w.Part, `INSERT INTO inventory.part (organisation_id, part_number, name) VALUES ($1, $2, 'Part') RETURNING id`, org, "P"+tag)
	q(new(int64), `INSERT INTO inventory.stock_level (organisation_id, branch_id, part_id, on_hand, average_cost) VALUES ($1, $2, $3, 10, 5) RETURNING id`, org, branch, w.Part)
	q(&w.PurchaseOrder, `INSERT INTO inventory.purchase_order (organisation_id, branch_id, supplier_id) VALUES ($1, $2, $3) RETURNING id`, org, branch, w.Supplier)
	q(&w.Chauffeur, `INSERT INTO core.staff (organisation_id, home_branch_id, given_name, family_name, email) VALUES ($1, $2, 'Drive', $3, 'c' || $3 || '@world.test') RETURNING id`, org, branch, tag)
	q(new(int64), `INSERT INTO core.staff_role (organisation_id, staff_id, role, branch_id) VALUES ($1, $2, 'chauffeur', $3) RETURNING id`, org, w.Chauffeur, branch)
	q(new(int64), `INSERT INTO chauffeur.chauffeur (id, organisation_id, branch_id, licence_number, licence_expires_on) VALUES ($1, $2, $3, $4, '2030-01-01') RETURNING id`, w.Chauffeur, org, branch, "L"+tag)
	q(&w.Fleet, `INSERT INTO core.vehicle (organisation_id, vin, registration_plate, make, model, model_year)
		VALUES ($1, $2, $3, 'Mercedes', 'S', 2023) RETURNING id`, org, vin(tag, 2), "F"+tag)
	q(new(int64), `INSERT INTO chauffeur.fleet_vehicle (id, organisation_id, branch_id, vehicle_class, passenger_capacity, in_service)
		VALUES ($1, $2, $3, 'executive', 3, tstzrange(now() - interval '1 year', NULL)) RETURNING id`, w.Fleet, org, branch)
	q(&w.Ride, `INSERT INTO chauffeur.ride_booking (organisation_id, branch_id, booker_customer_id, passenger_customer_id, service_type, pickup_at, estimated_duration_minutes, pickup_address, status)
		VALUES ($1, $2, $3, $3, 'point_to_point', $4, 60, '1 Road', 'confirmed') RETURNING id`, org, branch, w.Customer, day)
	q(&w.Dispatch, `INSERT INTO chauffeur.dispatch_assignment (organisation_id, branch_id, ride_booking_id, chauffeur_id, fleet_vehicle_id, period)
		VALUES ($1, $2, $3, $4, $5, tstzrange($6::timestamptz, $6::timestamptz + interval '1 hour')) RETURNING id`, org, branch, w.Ride, w.Chauffeur, w.Fleet, day)
	q(&w.Settlement, `INSERT INTO chauffeur.settlement (organisation_id, branch_id, chauffeur_id, period)
		VALUES ($1, $2, $3, tstzrange($4::timestamptz - interval '30 days', $4::timestamptz)) RETURNING id`, org, branch, w.Chauffeur, day)
	return w
}

// vin is a valid, unique vehicle identification number for a world.
func vin(tag string, n int) string {
	return fmt.Sprintf("WVWZZZ1JZXW%03d%03d", (int(tag[0])*7+int(tag[len(tag)-1]))%1000, n)
}

// pathRows maps a route's resource to the world row its :id names.
func (w world) pathRow(path string) int64 {
	for prefix, id := range map[string]int64{
		"/v1/bookings/": w.Booking, "/v1/repair-orders/": w.RepairOrder, "/v1/repair-jobs/": w.RepairJob,
		"/v1/invoices/": w.Invoice, "/v1/customers/": w.Customer, "/v1/vehicles/": w.Vehicle, "/v1/rides/": w.Ride,
		"/v1/dispatch/": w.Dispatch, "/v1/settlements/": w.Settlement, "/v1/purchase-orders/": w.PurchaseOrder,
	} {
		if strings.HasPrefix(path, prefix) {
			return id
		}
	}
	return 0
}

// idFor names the world row a body field refers to (0 when the field is
// not a reference).
func (w world) idFor(field string) int64 {
	switch {
	case field == "to_branch_id":
		return 0 // the caller's own branch: see fill
	case strings.HasSuffix(field, "branch_id"):
		return w.Branch
	case strings.HasSuffix(field, "customer_id"):
		return w.Customer
	}
	return map[string]int64{"vehicle_id": w.Vehicle, "bay_id": w.Bay, "technician_id": w.Technician,
		"repair_order_id": w.RepairOrder, "repair_job_id": w.RepairJob, "invoice_id": w.Invoice, "part_id": w.Part,
		"supplier_id": w.Supplier, "chauffeur_id": w.Chauffeur, "fleet_vehicle_id": w.Fleet, "ride_booking_id": w.Ride,
		"labour_operation_id": w.LabourOp, "booking_id": w.Booking, "purchase_order_id": w.PurchaseOrder}[field]
}

var decimalType = reflect.TypeOf(oltp.Decimal(""))

// fill builds a request body of type t whose every reference names a row
// of w (to_branch_id: the caller's own branch, so a transfer names one
// foreign and one own branch) and whose other fields hold plausible values.
func fill(route string, t reflect.Type, w world, own int64, day time.Time) any {
	switch {
	case t == reflect.TypeOf(time.Time{}):
		return day.Format(time.RFC3339)
	case t == decimalType, t == reflect.TypeOf(json.Number("")):
		return "1.00"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return fill(route, t.Elem(), w, own, day)
	case reflect.Struct:
		m := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			switch id := w.idFor(name); {
			case name == "to_branch_id":
				m[name] = own
			case id != 0:
				m[name] = id
			default:
				m[name] = fieldValue(route, name, f.Type, w, own, day)
			}
		}
		if _, ok := m["repair_order_id"]; ok {
			delete(m, "ride_booking_id") // feedback is about one or the other
		}
		return m
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return []any{fill(route, t.Elem(), w, own, day)}
		}
		return []any{}
	case reflect.Map:
		return map[string]any{}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return 60
	case reflect.Float64:
		return 1.5
	case reflect.Bool:
		return false
	case reflect.String:
		return "note"
	}
	return nil
}

// fieldValue is a plausible value of a non-reference field of route's
// body, so that validation passes and the references are what decide.
func fieldValue(route, name string, t reflect.Type, w world, own int64, day time.Time) any {
	byRoute := map[string]map[string]any{
		"/v1/repair-orders/:id/status": {"status": "authorised"},
		"/v1/rides/:id/events":         {"status": "on_the_way"},
		"/v1/invoices":                 {"kind": "fee"},
	}
	if v, ok := byRoute[route][name]; ok {
		return v
	}
	known := map[string]any{"method": "card", "channel": "phone", "service_type": "point_to_point", "status": "confirmed",
		"pay_type": "customer", "job_category": "service", "concern": "noise", "pickup_address": "1 Road", "vin": "WVWZZZ1JZXW999999",
		"make": "Ford", "model": "Focus", "model_year": 2020, "kind": "person", "family_name": "Doe", "given_name": "Jo",
		"email": "jo@example.test", "csat_score": 5, "nps_score": 9, "passenger_count": 1, "estimated_duration_minutes": 60,
		"duration_minutes": 60, "quantity": "1", "sold_hours": 1.5, "component": "toll", "unit_amount": "5.00",
		"requested_vehicle_class": "executive", "reason": "customer asked", "correction": "fixed",
		"period_start": day.AddDate(0, 0, -30).Format(time.RFC3339), "period_end": day.Format(time.RFC3339),
		"received_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}
	if v, ok := known[name]; ok {
		return v
	}
	return fill(route, t, w, own, day)
}

// writeRoutes are the routes that write: every method but GET, and the
// GDPR export (a GET that records the request).
func writeRoutes(api *oltp.API) []oltp.Route {
	var out []oltp.Route
	for _, r := range api.Routes() {
		if r.Method != http.MethodGet || strings.HasSuffix(r.Path, "/export") {
			out = append(out, r)
		}
	}
	return out
}

// fingerprint digests every row of every business table, as superuser.
func fingerprint(t *testing.T, e *oltptest.Env) string {
	t.Helper()
	ctx := context.Background()
	var query string
	err := e.Admin.QueryRow(ctx, `SELECT string_agg(format('SELECT %L AS t, md5(coalesce(string_agg(x::text, '','' ORDER BY x::text), '''')) AS h FROM %I.%I x',
		n.nspname || '.' || c.relname, n.nspname, c.relname), ' UNION ALL ')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('core', 'workshop', 'inventory', 'finance', 'chauffeur', 'audit') AND c.relkind IN ('r', 'p') AND NOT c.relispartition`).Scan(&query)
	if err != nil {
		t.Fatal(err)
	}
	var sum string
	if err := e.Admin.QueryRow(ctx, `SELECT md5(string_agg(t || ':' || h, ';' ORDER BY t)) FROM (`+query+`) s`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

type scope struct {
	name    string
	w       world
	refused []int // the statuses a write aimed at w may get
}

// scopeEnv is an API with every workflow, and the rows of a world in
// another organisation and in a second branch of the fixture's.
func scopeEnv(t *testing.T) (*oltptest.Env, []scope) {
	t.Helper()
	e := oltptest.New(t, customers.Register, workshop.Register, inventory.Register, finance.Register, chauffeur.Register)
	var second int64
	hours := `{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]]}`
	if err := e.Admin.QueryRow(t.Context(), `INSERT INTO core.branch (organisation_id, code, name, timezone, opening_hours)
		VALUES ($1, 'SEC', 'Second', 'UTC', $2) RETURNING id`, e.Fix.Org, hours).Scan(&second); err != nil {
		t.Fatal(err)
	}
	return e, []scope{
		{"other organisation", buildWorld(t, e, e.Fix.OtherOrg, e.Fix.OtherBranch, "oo"), []int{http.StatusNotFound}},
		{"other branch", buildWorld(t, e, e.Fix.Org, second, "ob"), []int{http.StatusForbidden, http.StatusNotFound}},
	}
}

// TestReadsStayInScope: every read of one row, as every role allowed to
// call it, of another organisation's row is a 404 (403 only for a role
// refused the same read of its own branch's row), and of a row at a
// branch outside the caller's branches a 404 (or 403), as the analytics refuse the
// branch; customers, whose visibility the customer policies decide, and
// vehicles (organisation-wide) are the exception for the other branch.
func TestReadsStayInScope(t *testing.T) {
	e, scopes := scopeEnv(t)
	mine := buildWorld(t, e, e.Fix.Org, e.Fix.Branch, "me")
	n := 0
	for _, sc := range scopes {
		for _, r := range e.API.Routes() {
			id := sc.w.pathRow(r.Path)
			if r.Method != http.MethodGet || id == 0 || strings.HasSuffix(r.Path, "/export") ||
				(sc.name == "other branch" && (strings.HasPrefix(r.Path, "/v1/customers/") || strings.HasPrefix(r.Path, "/v1/vehicles/"))) {
				continue
			}
			path := strings.Replace(r.Path, ":id", fmt.Sprint(id), 1)
			for _, role := range r.Roles {
				if e.Tokens[role] == "" {
					continue
				}
				n++
				res := e.Do(t, role, r.Method, path, nil)
				if res.Status == http.StatusForbidden && !slices.Contains(sc.refused, res.Status) {
					// Refused by role (403 on the caller's own rows too)?
					own := strings.Replace(r.Path, ":id", fmt.Sprint(mine.pathRow(r.Path)), 1)
					if e.Do(t, role, r.Method, own, nil).Status == http.StatusForbidden {
						continue
					}
				}
				if !slices.Contains(sc.refused, res.Status) {
					t.Errorf("%s: %s GET %s: %d %.200s", sc.name, role, path, res.Status, res.Body)
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d reads checked", n)
	}
	// Lists leave the other branch's rows out too.
	res := e.Do(t, "manager", "GET", fmt.Sprintf("/v1/invoices?branch_id=%d", scopes[1].w.Branch), nil)
	if res.Status == http.StatusOK && strings.Contains(string(res.Body), fmt.Sprintf(`"id":%d,`, scopes[1].w.Invoice)) {
		t.Errorf("a branch manager lists the other branch's invoices: %s", res.Body)
	}
}

// TestWritesStayInScope is the security matrix of writes: every write
// route, as every role allowed to call it, aimed at rows of another
// organisation and at rows of another branch of the caller's own
// organisation (the fixture's staff hold their roles at one branch), is
// refused and writes nothing. Another organisation's rows are invisible,
// so the answer is 404 problem+json, as for a row that does not exist
// (never 422, which would tell an existing row from a missing one); at
// another branch it is 403 (a branch the caller does not act for) or 404
// (a row the caller cannot see). A role that is refused the same request
// on rows of its own branch (403: the role may never do this) may get 403
// everywhere.
func TestWritesStayInScope(t *testing.T) {
	e, scopes := scopeEnv(t)
	routes := writeRoutes(e.API)
	if len(routes) < 40 {
		t.Fatalf("only %d write routes registered", len(routes))
	}
	roleRefused := roleRefusals(t, e, routes)
	tally := map[int]int{}
	for _, sc := range scopes {
		for _, r := range routes {
			for _, role := range r.Roles {
				if e.Tokens[role] == "" {
					continue
				}
				path := r.Path
				if strings.Contains(path, ":id") {
					path = strings.Replace(path, ":id", fmt.Sprint(sc.w.pathRow(path)), 1)
				}
				var body any = map[string]any{}
				if r.Request != nil {
					body = fill(r.Path, reflect.TypeOf(r.Request), sc.w, e.Fix.Branch, e.Fix.Day.Add(10*time.Hour))
				}
				t.Run(sc.name+"/"+role+" "+r.Method+" "+r.Path, func(t *testing.T) {
					before := fingerprint(t, e)
					res := e.Do(t, role, r.Method, path, body, "If-Match", oltp.ETag(sc.w.pathRow(r.Path), 1))
					tally[res.Status]++
					ok := slices.Contains(sc.refused, res.Status) || res.Status == http.StatusForbidden && roleRefused[role+" "+r.Method+" "+r.Path]
					if !ok || res.Header.Get("Content-Type") != "application/problem+json" {
						b, _ := json.Marshal(body)
						t.Errorf("%s %s %s: %d %s (body %s)", role, r.Method, path, res.Status, res.Body, b)
					}
					if after := fingerprint(t, e); after != before {
						t.Errorf("%s %s %s wrote rows (status %d)", role, r.Method, path, res.Status)
					}
				})
			}
		}
	}
	t.Logf("statuses: %v", tally)
}

// roleRefusals sends every write route's generated request, as every role
// allowed to call it, at rows of the caller's own branch and returns the
// route and role pairs refused with 403 there: refusals by role (a column
// or table the role may never write), which say nothing about the rows.
func roleRefusals(t *testing.T, e *oltptest.Env, routes []oltp.Route) map[string]bool {
	t.Helper()
	mine := buildWorld(t, e, e.Fix.Org, e.Fix.Branch, "me")
	out := map[string]bool{}
	for _, r := range routes {
		for _, role := range r.Roles {
			if e.Tokens[role] == "" {
				continue
			}
			path := strings.Replace(r.Path, ":id", fmt.Sprint(mine.pathRow(r.Path)), 1)
			var body any = map[string]any{}
			if r.Request != nil {
				body = fill(r.Path, reflect.TypeOf(r.Request), mine, e.Fix.Branch, e.Fix.Day.Add(10*time.Hour))
			}
			if res := e.Do(t, role, r.Method, path, body, "If-Match", oltp.ETag(mine.pathRow(r.Path), 1)); res.Status == http.StatusForbidden {
				out[role+" "+r.Method+" "+r.Path] = true
			}
		}
	}
	return out
}
