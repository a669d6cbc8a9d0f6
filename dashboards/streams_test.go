package dashboards_test

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carcarehub/cch/dashboards"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

// countingWarehouse passes every call to the real warehouse and counts
// the analytics it runs, per analytic and parameters.
type countingWarehouse struct {
	dashboards.Warehouse
	mu   sync.Mutex
	runs map[string]int
}

func (w *countingWarehouse) Run(ctx context.Context, name string, p marts.Params) (*marts.Table, error) {
	w.mu.Lock()
	w.runs[fmt.Sprint(name, p.Granularity, p.From, p.To, p.BranchIDs, p.StaffID, p.OrganisationID)]++
	w.mu.Unlock()
	return w.Warehouse.Run(ctx, name, p)
}

// reset returns the counts so far and starts afresh.
func (w *countingWarehouse) reset() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.runs
	w.runs = map[string]int{}
	return out
}

// counting wraps the stack's warehouse in w.
func counting(w *countingWarehouse) func(*dashboards.Config) {
	return func(cfg *dashboards.Config) {
		w.Warehouse, w.runs = cfg.Warehouse, map[string]int{}
		cfg.Warehouse = w
		cfg.Poll = 100 * time.Millisecond
	}
}

// sse is an open /dashboards/events stream.
type sse struct {
	resp   *http.Response
	events chan string // event names, closed when the stream ends
}

func (s *stack) openStream(t *testing.T, token, path string) (*sse, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, resp.StatusCode
	}
	st := &sse{resp: resp, events: make(chan string, 64)}
	go func() {
		defer close(st.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 8<<20)
		for sc.Scan() {
			if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				st.events <- name
			}
		}
	}()
	t.Cleanup(st.close)
	return st, resp.StatusCode
}

func (st *sse) close() { st.resp.Body.Close() }

// drain discards the events already received.
func (st *sse) drain() {
	for {
		select {
		case <-st.events:
		default:
			return
		}
	}
}

// next waits up to d for the stream's next event ("" when it ended).
func (st *sse) next(t *testing.T, d time.Duration) string {
	t.Helper()
	select {
	case e, ok := <-st.events:
		if !ok {
			return ""
		}
		return e
	case <-time.After(d):
		t.Fatalf("no event within %s", d)
		return ""
	}
}

// testStreams: streams of one view share one render per refresh (no
// analytic runs twice for one applied position however many streams are
// open), a token's streams are capped (429 problem+json), and a revoked
// token's streams end within the token cache window.
func testStreams(t *testing.T, s *stack, w *countingWarehouse) {
	token, tokenID, err := oltp.IssueToken(t.Context(), s.admin, staffOf(t, s, "manager"), "manager", time.Hour, "streams")
	if err != nil {
		t.Fatal(err)
	}
	// The overview's own events URL: since= is the position it shows.
	req, _ := http.NewRequest(http.MethodGet, s.url+"/dashboards/overview", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`data-events="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("overview without an events URL: %d", resp.StatusCode)
	}
	events := html.UnescapeString(string(m[1]))
	const n = 8 // the default cap per token
	streams := make([]*sse, n)
	for i := range streams {
		st, status := s.openStream(t, token, events)
		if status != http.StatusOK {
			t.Fatalf("stream %d: %d", i, status)
		}
		if e := st.next(t, 30*time.Second); e != "hello" {
			t.Fatalf("stream %d first event %q", i, e)
		}
		streams[i] = st
	}
	if _, status := s.openStream(t, token, events); status != http.StatusTooManyRequests {
		t.Errorf("stream %d of one token: %d, want 429", n+1, status)
	}
	time.Sleep(time.Second) // let anything applied before the write arrive
	for _, st := range streams {
		st.drain()
	}
	w.reset()
	s.book(t)
	for i, st := range streams {
		if e := st.next(t, 30*time.Second); e != "update" {
			t.Fatalf("stream %d after a write: %q", i, e)
		}
	}
	runs := w.reset()
	if len(runs) == 0 {
		t.Fatal("the refresh ran no analytic")
	}
	for key, k := range runs {
		if k > 1 {
			t.Errorf("analytic %s ran %d times for one refresh of %d streams", key, k, n)
		}
	}
	if _, err := s.admin.Exec(t.Context(), `UPDATE core.api_token SET revoked_at = now() WHERE id = $1`, tokenID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for i, st := range streams {
		for {
			e := st.next(t, oltp.TokenCacheTTL+5*time.Second)
			if e == "" || e == "end" {
				break
			}
		}
		if i == 0 {
			t.Logf("stream ended %s after the revocation", time.Since(revoked).Round(time.Millisecond))
		}
	}
	if d := time.Since(revoked); d > oltp.TokenCacheTTL+2*time.Second {
		t.Errorf("streams ended %s after the revocation", d)
	}
}

func staffOf(t *testing.T, s *stack, role string) int64 {
	t.Helper()
	var staff int64
	if err := s.admin.QueryRow(t.Context(), `SELECT r.staff_id FROM core.staff_role r JOIN core.staff st ON st.id = r.staff_id AND st.active
		WHERE r.organisation_id = $1 AND r.role = $2::core.business_role ORDER BY r.branch_id NULLS FIRST, r.staff_id LIMIT 1`, s.org, role).Scan(&staff); err != nil {
		t.Fatal(err)
	}
	return staff
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// loginForm fetches the sign-in form and returns its CSRF field and
// cookie.
func (s *stack) loginForm(t *testing.T) (string, *http.Cookie) {
	t.Helper()
	resp, err := http.Get(s.url + "/dashboards/login")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := csrfField.FindSubmatch(body)
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "cch_csrf" {
			cookie = c
		}
	}
	if m == nil || cookie == nil || cookie.Value != string(m[1]) || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login form: field %q, cookie %+v", m, cookie)
	}
	return string(m[1]), cookie
}

// postLogin posts the sign-in form with the given CSRF field and cookie
// (either may be empty / nil).
func (s *stack) postLogin(t *testing.T, form url.Values, cookie *http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/dashboards/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "cch_dashboards" && c.Value != "" {
			return c
		}
	}
	return nil
}

// testLoginCSRF: a sign-in post without the form's CSRF token, with a
// field that does not match the cookie, or with the field but no cookie
// (a cross-site post) is refused and starts no session.
func testLoginCSRF(t *testing.T, s *stack) {
	csrf, cookie := s.loginForm(t)
	other, _ := s.loginForm(t)
	good := s.tokens["manager"]
	for name, tc := range map[string]struct {
		field  string
		cookie *http.Cookie
	}{
		"no token":       {"", cookie},
		"another form's": {other, cookie},
		"no cookie":      {csrf, nil},
	} {
		resp := s.postLogin(t, url.Values{"token": {good}, "csrf": {tc.field}}, tc.cookie)
		if resp.StatusCode != http.StatusForbidden || sessionCookie(resp) != nil {
			t.Errorf("%s: %d, session %v", name, resp.StatusCode, sessionCookie(resp))
		}
	}
	resp := s.postLogin(t, url.Values{"token": {good}, "csrf": {csrf}}, cookie)
	if resp.StatusCode != http.StatusSeeOther || sessionCookie(resp) == nil {
		t.Errorf("with the form's CSRF token: %d", resp.StatusCode)
	}
}
