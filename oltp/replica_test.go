package oltp

import (
	"net/http"
	"testing"
)

func TestReplicaRoutesListsOnly(t *testing.T) {
	for _, c := range []struct {
		r        Route
		readOnly bool
		want     bool
	}{
		{Route{Method: http.MethodGet, Path: "/v1/bookings"}, true, true},
		{Route{Method: http.MethodGet, Path: "/v1/rides/:id/charges"}, true, true},
		{Route{Method: http.MethodGet, Path: "/v1/settlements/:id/export"}, true, true},
		{Route{Method: http.MethodGet, Path: "/v1/bookings/:id"}, true, false},
		{Route{Method: http.MethodPost, Path: "/v1/bookings"}, false, false},
		{Route{Method: http.MethodGet, Path: "/v1/bookings"}, false, false},
	} {
		if got := onReplica(c.r, c.readOnly); got != c.want {
			t.Errorf("%s %s (read-only %v): on replica %v, want %v", c.r.Method, c.r.Path, c.readOnly, got, c.want)
		}
	}
}

func TestValidLSN(t *testing.T) {
	for s, want := range map[string]bool{"0/16B3748": true, "FFFFFFFF/0": true, "a/b": true, "0/": false, "/1": false,
		"1": false, "0/123456789": false, "g/1": false, "0/1 OR 1=1": false, "": false} {
		if got := validLSN(s); got != want {
			t.Errorf("validLSN(%q) = %v, want %v", s, got, want)
		}
	}
}
