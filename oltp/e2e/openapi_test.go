package e2e_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
	"github.com/carcarehub/cch/oltp/customers"
	"github.com/carcarehub/cch/oltp/finance"
	"github.com/carcarehub/cch/oltp/inventory"
	"github.com/carcarehub/cch/oltp/oltptest"
	"github.com/carcarehub/cch/oltp/workshop"
)

// docOperation is the part of an OpenAPI operation the probes read.
type docOperation struct {
	Parameters []struct {
		Name     string `json:"name"`
		In       string `json:"in"`
		Required bool   `json:"required"`
		Schema   struct {
			Type      string   `json:"type"`
			Format    string   `json:"format"`
			Enum      []string `json:"enum"`
			Minimum   *int64   `json:"minimum"`
			Maximum   *int64   `json:"maximum"`
			MaxLength int      `json:"maxLength"`
			Pattern   string   `json:"pattern"`
		} `json:"schema"`
	} `json:"parameters"`
	RequestBody json.RawMessage            `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

// TestRoutesAnswerAsDocumented probes every /v1 route with the query
// parameters, headers and bodies /openapi.json declares for it: a bad value
// of each declared query parameter, a missing required one and an
// undeclared one are 400 naming it; valid values of every declared
// parameter are served; a missing If-Match is 428; an oversized or non-JSON
// body is 413/415; and every status any probe gets is one the document
// lists for that operation, with a problem+json body when it is an error.
func TestRoutesAnswerAsDocumented(t *testing.T) {
	e := oltptest.New(t, customers.Register, workshop.Register, inventory.Register, finance.Register, chauffeur.Register)
	doc := e.Do(t, "", "GET", "/openapi.json", nil)
	var spec struct {
		Paths map[string]map[string]docOperation `json:"paths"`
	}
	doc.JSON(t, &spec)
	routes := e.API.Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, r := range routes {
		op, ok := spec.Paths[oltp.OpenAPIPath(r.Path)][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("%s %s is not documented", r.Method, r.Path)
			continue
		}
		t.Run(r.Method+" "+r.Path, func(t *testing.T) { probeRoute(t, e, r, op) })
	}
}

var pathParam = regexp.MustCompile(`:\w+`)

func probeRoute(t *testing.T, e *oltptest.Env, r oltp.Route, op docOperation) {
	role := "manager"
	for _, want := range r.Roles {
		if _, ok := e.Tokens[want]; ok {
			role = want
			break
		}
	}
	path := pathParam.ReplaceAllString(r.Path, "999999999")
	var body any
	if op.RequestBody != nil {
		body = "{}"
	}
	valid := url.Values{}
	var required []string
	ifMatch := false
	for _, p := range op.Parameters {
		switch {
		case p.In == "query" && p.Name != "min_lsn":
			valid.Set(p.Name, validValue(e, p.Name, p.Schema.Type, p.Schema.Format, p.Schema.Enum, p.Schema.Minimum))
			if p.Required {
				required = append(required, p.Name)
			}
		case p.In == "query":
			valid.Set(p.Name, "0/0")
		case p.In == "header" && p.Name == "If-Match":
			ifMatch = p.Required
		}
	}
	// send makes one request and checks its status is documented.
	send := func(role string, query url.Values, body any, hdr ...string) oltptest.Response {
		t.Helper()
		target := path
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		res := e.Do(t, role, r.Method, target, body, hdr...)
		if _, ok := op.Responses[strconv.Itoa(res.Status)]; !ok {
			t.Errorf("%s %s answered %d, not documented (%s)", r.Method, target, res.Status, res.Body)
		}
		if ct := res.Header.Get("Content-Type"); res.Status >= 400 && res.Status != 405 && !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s %s: %d with Content-Type %q", r.Method, target, res.Status, ct)
		}
		return res
	}
	etag := []string{"If-Match", `"999999999.1"`}
	if res := send("", valid, body); res.Status != 401 {
		t.Errorf("without a token: %d", res.Status)
	}
	served := send(role, valid, body, etag...)
	if r.Method == "GET" && !pathParam.MatchString(r.Path) && served.Status != r.Status {
		t.Errorf("with valid values of every parameter (%s): %d %s", valid.Encode(), served.Status, served.Body)
	}
	unknown := cloneValues(valid)
	unknown.Set("no_such_parameter", "1")
	expect400(t, send(role, unknown, body, etag...), "no_such_parameter")
	for _, p := range op.Parameters {
		if p.In != "query" {
			continue
		}
		for _, bad := range badValues(p.Schema.Type, p.Schema.Format, p.Schema.Enum, p.Schema.Maximum, p.Schema.MaxLength, p.Schema.Pattern) {
			q := cloneValues(valid)
			q.Set(p.Name, bad)
			expect400(t, send(role, q, body, etag...), p.Name)
		}
	}
	for _, name := range required {
		q := cloneValues(valid)
		q.Del(name)
		expect400(t, send(role, q, body, etag...), name)
	}
	if ifMatch {
		if res := send(role, valid, body); res.Status != 428 {
			t.Errorf("without If-Match: %d %s", res.Status, res.Body)
		}
	}
	if op.RequestBody != nil {
		big := `{"x":"` + strings.Repeat("a", oltp.MaxBodyBytes) + `"}`
		if res := send(role, valid, big, etag...); res.Status != 413 {
			t.Errorf("with a body over the limit: %d", res.Status)
		}
		if res := send(role, valid, body, append(etag, "Content-Type", "text/plain")...); res.Status != 415 {
			t.Errorf("with a text/plain body: %d", res.Status)
		}
	}
}

func expect400(t *testing.T, res oltptest.Response, name string) {
	t.Helper()
	if res.Status != 400 || !strings.Contains(string(res.Body), name) {
		t.Errorf("want 400 naming %s, got %d %s", name, res.Status, res.Body)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// validValue is a value of a query parameter the fixture business makes
// meaningful: its branch, its day, the first allowed value.
func validValue(e *oltptest.Env, name, typ, format string, enum []string, minimum *int64) string {
	switch {
	case name == "branch_id":
		return strconv.FormatInt(e.Fix.Branch, 10)
	case name == "cursor":
		return base64.RawURLEncoding.EncodeToString([]byte("0"))
	case len(enum) > 0:
		return enum[0]
	case format == "date":
		return e.Fix.Day.Format("2006-01-02")
	case typ == "integer" && minimum != nil && *minimum > 1:
		return strconv.FormatInt(*minimum, 10)
	case typ == "integer", typ == "array":
		return "1"
	}
	return "x"
}

// badValues are values the parameter's schema refuses.
func badValues(typ, format string, enum []string, maximum *int64, maxLength int, pattern string) []string {
	switch {
	case typ == "array":
		return []string{"x", "0", "1,,2", "1.5"}
	case typ == "integer":
		out := []string{"x", "0", "1.5"}
		if maximum != nil {
			out = append(out, fmt.Sprint(*maximum+1))
		}
		return out
	case format == "date":
		return []string{"2026-13-01", "tomorrow", "1900-01-01"}
	case len(enum) > 0:
		return []string{"no-such-" + enum[0]}
	case pattern != "":
		return []string{"!!"}
	case maxLength > 0:
		return []string{strings.Repeat("a", maxLength+1)}
	}
	return nil
}
