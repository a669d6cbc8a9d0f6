package oltp_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
)

type finalBody struct {
	Key string `json:"key"`
}

// registerFinal mounts POST /v1/final-probe, whose one statement goes
// through Call.Final: it claims a key and says who ran it.
func registerFinal(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/final-probe", Summary: "Probe the final statement",
		Roles: []string{"receptionist"}, Request: finalBody{}, Response: map[string]string{}, Status: http.StatusCreated},
		func(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
			var b finalBody
			if err := call.Bind(&b); err != nil {
				return oltp.Result{}, err
			}
			var user, role string
			err := call.Final(ctx, insertKey+` RETURNING current_user::text, current_setting('app.role')`,
				call.P.OrganisationID, call.P.StaffID, b.Key).Scan(&user, &role)
			if err != nil {
				return oltp.Result{}, err
			}
			return oltp.Result{Body: map[string]string{"user": user, "role": role}}, nil
		})
}

// TestFinalStatementCommitsWithIt: a write whose one statement goes through
// Call.Final runs as the caller, is committed with a WAL position, and a
// failing one writes nothing and leaves the connection usable; with an
// Idempotency-Key the statement runs in the ordinary transaction, whose
// response is stored and replayed.
func TestFinalStatementCommitsWithIt(t *testing.T) {
	env := oltptest.New(t, registerFinal)
	before := env.Count(t, "api.idempotency_key")
	res := env.Do(t, "receptionist", "POST", "/v1/final-probe", finalBody{Key: "final-1"})
	if res.Status != http.StatusCreated || res.Header.Get("X-CCH-LSN") == "" ||
		string(res.Body) != `{"role":"receptionist","user":"cch_receptionist"}` {
		t.Fatalf("first write: %d %q %s", res.Status, res.Header.Get("X-CCH-LSN"), res.Body)
	}
	if n := env.Count(t, "api.idempotency_key"); n != before+1 {
		t.Fatalf("rows %d → %d; want one committed", before, n)
	}
	// The same key again: a unique violation, nothing written, and the
	// connections stay good for what follows.
	for range 5 {
		if res := env.Do(t, "receptionist", "POST", "/v1/final-probe", finalBody{Key: "final-1"}); res.Status != http.StatusConflict {
			t.Fatalf("duplicate: %d %s", res.Status, res.Body)
		}
	}
	// Once each connection has the statement prepared (the first use on
	// a connection prepares it in an ordinary transaction), the whole
	// write is one pipeline.
	for i := range 8 {
		if res := env.Do(t, "receptionist", "POST", "/v1/final-probe", finalBody{Key: fmt.Sprint("final-2-", i)}); res.Status != http.StatusCreated ||
			res.Header.Get("X-CCH-LSN") == "" {
			t.Fatalf("after the failures: %d %s", res.Status, res.Body)
		}
	}
	if n := env.Count(t, "api.idempotency_key"); n != before+9 {
		t.Fatalf("rows %d → %d; want nine", before, n)
	}
	// With an Idempotency-Key: stored, then replayed without a new row.
	for i := range 2 {
		res := env.Do(t, "receptionist", "POST", "/v1/final-probe", finalBody{Key: "final-3"}, "Idempotency-Key", "probe-3")
		if res.Status != http.StatusCreated || (i == 1) != (res.Header.Get("Idempotent-Replayed") == "true") {
			t.Fatalf("idempotent write %d: %d %v %s", i, res.Status, res.Header, res.Body)
		}
	}
	if n := env.Count(t, "api.idempotency_key"); n != before+11 { // final-3 and the request's own key
		t.Fatalf("rows %d → %d; want eleven", before, n)
	}
}
