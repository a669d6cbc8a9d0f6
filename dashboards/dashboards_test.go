package dashboards_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carcarehub/cch/warehouse/marts"
)

// TestDashboards runs every check against one generated business.
func TestDashboards(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a generated business and a CDC pipeline")
	}
	w := &countingWarehouse{}
	s := newStack(t, smallData(), counting(w))
	t.Run("login", func(t *testing.T) { testLogin(t, s) })
	t.Run("login csrf", func(t *testing.T) { testLoginCSRF(t, s) })
	t.Run("pages", func(t *testing.T) { testPages(t, s) })
	t.Run("technician", func(t *testing.T) { testTechnician(t, s) })
	t.Run("catalog", func(t *testing.T) { testCatalog(t, s) })
	t.Run("browser", func(t *testing.T) { testBrowser(t, s) })
	t.Run("live", func(t *testing.T) { testLive(t, s) })
	t.Run("streams", func(t *testing.T) { testStreams(t, s, w) })
}

func testLogin(t *testing.T, s *stack) {
	if r := s.get(t, "", "/dashboards/branches?period=3m"); r.status != http.StatusSeeOther ||
		r.header.Get("Location") != "/dashboards/login?next="+url.QueryEscape("/dashboards/branches?period=3m") {
		t.Errorf("no credentials: %d %q", r.status, r.header.Get("Location"))
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf, csrfCookie := s.loginForm(t)
	resp := s.postLogin(t, url.Values{"token": {"cch_1_nope"}, "csrf": {csrf}}, csrfCookie)
	if resp.StatusCode != http.StatusUnauthorized || sessionCookie(resp) != nil {
		t.Errorf("bad token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	resp = s.postLogin(t, url.Values{"token": {s.tokens["manager"]}, "next": {"/dashboards/services"}, "csrf": {csrf}}, csrfCookie)
	c := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboards/services" || c == nil {
		t.Fatalf("login: %d %q %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
	var err error
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/dashboards" ||
		strings.Contains(c.Value, s.tokens["manager"]) {
		t.Errorf("session cookie %+v", c)
	}
	req, _ := http.NewRequest(http.MethodGet, s.url+"/dashboards/services", nil)
	req.AddCookie(c)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with the session cookie: %d", resp.StatusCode)
	}
	testLogout(t, s, client, c)
}

// testLogout signs out and expects the session cookie to stop working.
func testLogout(t *testing.T, s *stack, client *http.Client, c *http.Cookie) {
	for _, step := range []struct{ method, path string }{{http.MethodPost, "/dashboards/logout"}, {http.MethodGet, "/dashboards/services"}} {
		req, _ := http.NewRequest(step.method, s.url+step.path, nil)
		req.AddCookie(c)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s %s after logout: %d", step.method, step.path, resp.StatusCode)
		}
	}
	if r := s.get(t, "", "/dashboards/overview?format=csv&table=revenue"); r.status != http.StatusSeeOther {
		t.Errorf("csv without credentials: %d", r.status)
	}
	if r := s.get(t, "", "/dashboards/events?page=overview"); r.status != http.StatusUnauthorized {
		t.Errorf("events without credentials: %d", r.status)
	}
}

func testPages(t *testing.T, s *stack) {
	for _, slug := range slugs {
		r := s.get(t, "manager", "/dashboards/"+slug)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d %s", slug, r.status, r.body)
			continue
		}
		if n := strings.Count(r.body, `<svg class="chart"`); n == 0 {
			t.Errorf("%s: no chart", slug)
		}
		for _, want := range []string{`role="img"`, "<title id=", "<desc id=", `class="skip"`, "Download CSV"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s: no %s", slug, want)
			}
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", slug, csp)
		}
	}
	r := s.get(t, "manager", "/dashboards/branches?format=csv&table=benchmark&period=3m")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(r.body, "branch_id,branch_code,branch_name,revenue,") || strings.Count(r.body, "\n") < 2 {
		t.Errorf("benchmark csv: %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
	for path, want := range map[string]int{
		"/dashboards/branches?format=csv&table=nope": http.StatusNotFound,
		"/dashboards/overview?period=fortnight":      http.StatusBadRequest,
		"/dashboards/overview?branch=x":              http.StatusBadRequest,
		"/dashboards/overview?format=xml":            http.StatusBadRequest,
		"/dashboards/overview?to=0001-01-01":         http.StatusBadRequest,
		"/dashboards/overview?to=9999-12-31":         http.StatusBadRequest,
		"/dashboards/overview?period=3m%00":          http.StatusBadRequest,
	} {
		if r := s.get(t, "manager", path); r.status != want {
			t.Errorf("%s: %d, want %d", path, r.status, want)
		}
	}
	if r := s.get(t, "manager", "/dashboards/static/app.js"); r.status != http.StatusOK || !strings.Contains(r.body, "EventSource") {
		t.Errorf("app.js: %d", r.status)
	}
}

// financialWords appear in any revenue, cost, margin or pay figure.
var financialWords = []string{"£", "revenue", "Revenue", "margin", "Margin", "cost", "Cost", "profit", "Profit",
	"Average repair order", "labour rate", "Settlement", "sales"}

func testTechnician(t *testing.T, s *stack) {
	for _, slug := range slugs {
		r := s.get(t, "technician", "/dashboards/"+slug)
		if r.status == http.StatusNotFound && strings.HasPrefix(slug, "analytics/") {
			continue // an analytic the technician may not read: checked in catalog
		}
		if r.status != http.StatusOK {
			t.Errorf("%s: %d", slug, r.status)
			continue
		}
		if found := contains(r.body, financialWords...); len(found) > 0 {
			t.Errorf("technician sees %v on %s", found, slug)
		}
	}
	// PostgreSQL grants technicians nothing of finance.invoice, so their
	// efficiency (billed hours) is not theirs to see; comebacks are.
	if r := s.get(t, "technician", "/dashboards/technicians"); strings.Contains(r.body, "Technician efficiency") ||
		!strings.Contains(r.body, "Comeback rate") {
		t.Errorf("technician's technicians page: efficiency shown %v, comebacks shown %v",
			strings.Contains(r.body, "Technician efficiency"), strings.Contains(r.body, "Comeback rate"))
	}
	// The navigation leaves out the pages with nothing for the technician.
	if r := s.get(t, "technician", "/dashboards/technicians"); strings.Contains(r.body, `href="/dashboards/services"`) ||
		!strings.Contains(r.body, `href="/dashboards/technicians"`) {
		t.Error("technician's navigation offers the services page (nothing there is theirs) or lacks the technicians page")
	}
	// Finance is granted nothing of workshop.bay_reservation: no bay
	// utilisation panel for finance, one for the manager.
	for role, want := range map[string]bool{"finance": false, "manager": true} {
		if _, ok := s.tokens[role]; !ok {
			t.Fatalf("no %s token", role)
		}
		if r := s.get(t, role, "/dashboards/branches"); strings.Contains(r.body, "Bay utilisation by branch") != want {
			t.Errorf("%s sees the bay utilisation panel: %v, want %v", role, !want, want)
		}
		want403 := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[want]
		if r := s.get(t, role, "/dashboards/branches?format=csv&table=bay_utilisation"); r.status != want403 {
			t.Errorf("%s bay utilisation csv: %d, want %d", role, r.status, want403)
		}
	}
	for _, path := range []string{"/dashboards/overview?format=csv&table=revenue", "/dashboards/branches?format=csv&table=benchmark",
		"/dashboards/services?format=csv&table=profitability"} {
		if r := s.get(t, "technician", path); r.status != http.StatusNotFound || strings.Contains(r.body, "revenue") {
			t.Errorf("technician %s: %d", path, r.status)
		}
	}
}

// testCatalog: the analytics index links to every analytic the role may
// read (and no other); an analytic the role may not read is a 404 like
// one that does not exist.
func testCatalog(t *testing.T, s *stack) {
	for _, role := range []string{"manager", "technician"} {
		r := s.get(t, role, "/dashboards/analytics")
		if r.status != http.StatusOK {
			t.Fatalf("%s index: %d", role, r.status)
		}
		open, err := s.access.Open(context.Background(), role)
		if err != nil || len(open) == 0 {
			t.Fatalf("%s may read %v (%v)", role, open, err)
		}
		for _, a := range marts.Catalog() {
			link := `href="/dashboards/analytics/` + a.Name + `"`
			if got := strings.Contains(r.body, link); got != open[a.Name] {
				t.Errorf("%s index links %s: %v, want %v", role, a.Name, got, open[a.Name])
			}
		}
		if role == "technician" {
			if found := contains(r.body, financialWords...); len(found) > 0 {
				t.Errorf("technician index shows %v", found)
			}
		}
	}
	for path, want := range map[string]int{
		"/dashboards/analytics/revenue_trend": http.StatusNotFound,
		"/dashboards/analytics/nope":          http.StatusNotFound,
		"/dashboards/analytics/car_count":     http.StatusNotFound, // front desk only
		// reads finance.invoice, which PostgreSQL does not grant technicians
		"/dashboards/analytics/technician_efficiency": http.StatusNotFound,
		"/dashboards/analytics/comeback_rate":         http.StatusOK,
	} {
		if r := s.get(t, "technician", path); r.status != want {
			t.Errorf("technician %s: %d, want %d", path, r.status, want)
		}
	}
	r := s.get(t, "manager", "/dashboards/analytics/revenue_trend?period=3m")
	if r.status != http.StatusOK || !strings.Contains(r.body, `<svg class="chart"`) || !strings.Contains(r.body, "Download CSV") {
		t.Errorf("manager revenue_trend page: %d", r.status)
	}
	if r := s.get(t, "manager", "/dashboards/analytics/revenue_trend?format=csv&table=revenue_trend&period=3m"); r.status != http.StatusOK ||
		!strings.HasPrefix(r.body, "period,") {
		t.Errorf("revenue_trend csv: %d %.80q", r.status, r.body)
	}
}
