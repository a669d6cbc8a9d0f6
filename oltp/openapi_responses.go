package oltp

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
)

// errorStatuses are the problem statuses route r may answer, in order.
func errorStatuses(r Route) []int {
	// Every route: bad parameters, authentication (and its throttle), roles,
	// and the server's own failures and overload.
	sts := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
		http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable}
	if ginParam.MatchString(r.Path) {
		sts = append(sts, http.StatusNotFound)
	}
	if r.write {
		sts = append(sts, http.StatusConflict, http.StatusUnprocessableEntity)
	}
	if needsIfMatch(r) {
		sts = append(sts, http.StatusPreconditionFailed, http.StatusPreconditionRequired)
	}
	if r.Request != nil {
		sts = append(sts, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	sts = append(sts, r.Errors...)
	slices.Sort(sts)
	return slices.Compact(sts)
}

// problemDescriptions say when each problem status is answered.
var problemDescriptions = map[int]string{
	http.StatusBadRequest:            "a parameter or the body cannot be used",
	http.StatusUnauthorized:          "no valid bearer token",
	http.StatusForbidden:             "your role or branches may not do this",
	http.StatusNotFound:              "no such resource (or not yours to see)",
	http.StatusNotAcceptable:         "none of the accepted media types can be served",
	http.StatusConflict:              "conflicts with the current state",
	http.StatusPreconditionFailed:    "If-Match is stale: read the resource again",
	http.StatusRequestEntityTooLarge: "the body is over 1 MiB",
	http.StatusUnsupportedMediaType:  "the body is not application/json",
	http.StatusUnprocessableEntity:   "well-formed but breaks a rule",
	http.StatusPreconditionRequired:  "send If-Match with the ETag you read",
	http.StatusTooManyRequests:       "too many failed authentications or requests; retry after Retry-After",
	http.StatusInternalServerError:   "the server failed",
	http.StatusServiceUnavailable:    "overloaded or not ready; retry",
	http.StatusGatewayTimeout:        "the query ran out of time",
}

// problemResponses are the shared problem responses, one per status used.
func problemResponses(used map[int]bool) map[string]any {
	out := map[string]any{}
	for st := range used {
		out["Problem"+strconv.Itoa(st)] = map[string]any{"description": problemDescriptions[st],
			"content": map[string]any{"application/problem+json": map[string]any{
				"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	}
	return out
}

func headerComponents() map[string]any {
	str := func(d string) map[string]any {
		return map[string]any{"description": d, "schema": map[string]any{"type": "string"}}
	}
	return map[string]any{
		"ETag":                   str(`the resource's version, "id.version"; send it back in If-Match`),
		"X-CCH-LSN":              str("the commit's WAL position; pass it as min_lsn (or X-CCH-LSN) to read your own write"),
		"Location":               str("the created resource"),
		"Idempotent-Replayed":    str(`"true" when this is the stored response to a repeated Idempotency-Key`),
		"X-CCH-Read-From":        map[string]any{"description": "where a list or report read was served", "schema": map[string]any{"type": "string", "enum": []string{"replica", "primary"}}},
		"X-CCH-Replica-Fallback": str("why the primary served a read meant for the standby"),
	}
}

func headerRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/headers/" + name}
}

// successResponse documents r's success status, its body and headers.
func (g schemaGen) successResponse(r Route) map[string]any {
	ok := map[string]any{"description": http.StatusText(r.Status)}
	if r.Response != nil {
		content := map[string]any{"application/json": map[string]any{"schema": g.schemaOf(reflect.TypeOf(r.Response))}}
		for _, f := range r.Formats {
			content[f] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		ok["content"] = content
	}
	hdrs := map[string]any{}
	if r.Versioned {
		hdrs["ETag"] = headerRef("ETag")
	}
	if r.write {
		hdrs["X-CCH-LSN"] = headerRef("X-CCH-LSN")
		hdrs["Idempotent-Replayed"] = headerRef("Idempotent-Replayed")
	}
	if r.Status == http.StatusCreated {
		hdrs["Location"] = headerRef("Location")
	}
	if r.replica {
		hdrs["X-CCH-Read-From"] = headerRef("X-CCH-Read-From")
		hdrs["X-CCH-Replica-Fallback"] = headerRef("X-CCH-Replica-Fallback")
	}
	if len(hdrs) > 0 {
		ok["headers"] = hdrs
	}
	return ok
}

func (g schemaGen) responses(r Route) map[string]any {
	out := map[string]any{strconv.Itoa(r.Status): g.successResponse(r)}
	for _, st := range errorStatuses(r) {
		out[strconv.Itoa(st)] = map[string]any{"$ref": "#/components/responses/Problem" + strconv.Itoa(st)}
	}
	return out
}
