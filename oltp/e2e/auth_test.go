package e2e_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/oltptest"
)

// TestTokens: expired, revoked, unknown, tampered and malformed tokens all
// get the same 401; a staff member cannot get a token for a role they do
// not hold; only the hash is stored.
func TestTokens(t *testing.T) {
	e := oltptest.New(t, customers.Register)
	ctx := t.Context()
	staff := e.Fix.Staff["receptionist"]
	short, shortID, err := oltp.IssueToken(ctx, e.Admin, staff, "receptionist", time.Hour, "short")
	if err != nil {
		t.Fatal(err)
	}
	revoked, revokedID, err := oltp.IssueToken(ctx, e.Admin, staff, "receptionist", time.Hour, "revoked")
	if err != nil {
		t.Fatal(err)
	}
	e.Admin.Exec(ctx, `UPDATE core.api_token SET expires_at = now() - interval '1 second' WHERE id = $1`, shortID)
	e.Admin.Exec(ctx, `UPDATE core.api_token SET revoked_at = now() WHERE id = $1`, revokedID)
	good := e.Tokens["receptionist"]
	cases := map[string]string{
		"expired":   short,
		"revoked":   revoked,
		"unknown":   "cch_999999_" + strings.Repeat("A", 43),
		"tampered":  tamper(good),
		"malformed": "not-a-token",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.URL+"/v1/customers", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s token: %d %s", name, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		})
	}
	if res := e.Do(t, "receptionist", "GET", "/v1/customers", nil); res.Status != 200 {
		t.Errorf("valid token: %d", res.Status)
	}
	if _, _, err := oltp.IssueToken(ctx, e.Admin, staff, "manager", time.Hour, ""); err == nil {
		t.Error("issued a manager token to a receptionist")
	}
	// The secret follows the id: cch_<id>_<secret>, and the secret's
	// base64url alphabet may itself contain '_'.
	secret := strings.SplitN(good, "_", 3)[2]
	var stored int
	if err := e.Admin.QueryRow(ctx, `SELECT count(*) FROM core.api_token WHERE position($1::bytea IN token_hash) > 0 OR token_hash = $1`,
		[]byte(secret)).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 0 {
		t.Error("the token secret is stored in clear")
	}
}

// tamper changes the token's last character.
func tamper(tok string) string {
	last := byte('A')
	if tok[len(tok)-1] == 'A' {
		last = 'B'
	}
	return tok[:len(tok)-1] + string(last)
}

// TestFailedAuthenticationIsThrottled: guessing a token's secret locks
// that token id, and failing from one client address locks that client,
// each with 429 problem+json and Retry-After, until the window ends; the
// database is not asked meanwhile.
func TestFailedAuthenticationIsThrottled(t *testing.T) {
	e := oltptest.New(t, customers.Register)
	getFrom := func(token, forwardedFor string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", e.URL+"/v1/customers", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	get := func(token string) *http.Response { t.Helper(); return getFrom(token, "") }
	throttled := func(name string, resp *http.Response) {
		t.Helper()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: %d %q Retry-After %q", name, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Retry-After"))
		}
	}

	e.API.SetAuthLimits(oltp.AuthLimits{PerClient: 100, PerToken: 3, Window: time.Minute})
	good := e.Tokens["receptionist"]
	for i := range 3 {
		if resp := get(tamper(good)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, resp.StatusCode)
		}
	}
	throttled("the guessed token id, even with its secret", get(good))
	if resp := get(e.Tokens["manager"]); resp.StatusCode != http.StatusOK {
		t.Errorf("another token from the same client: %d", resp.StatusCode)
	}

	e.API.SetAuthLimits(oltp.AuthLimits{PerClient: 5, PerToken: 100, Window: time.Minute})
	for i := range 5 { // a forged X-Forwarded-For does not make a new client
		if resp := getFrom("cch_"+strconv.Itoa(900000+i)+"_"+strings.Repeat("A", 43), "198.51.100."+strconv.Itoa(i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unknown token %d: %d", i+1, resp.StatusCode)
		}
	}
	throttled("a valid token from the failing client", get(e.Tokens["manager"]))

	e.API.SetAuthLimits(oltp.AuthLimits{PerClient: 2, PerToken: 100, Window: 300 * time.Millisecond})
	get("not-a-token")
	get("not-a-token")
	throttled("malformed tokens count too", get(good))
	time.Sleep(400 * time.Millisecond)
	if resp := get(good); resp.StatusCode != http.StatusOK {
		t.Errorf("after the window: %d", resp.StatusCode)
	}
}
