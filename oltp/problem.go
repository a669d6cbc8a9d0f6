package oltp

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"
)

// ProblemBase prefixes every problem type URI; the suffix is stable per kind.
const ProblemBase = "https://carcarehub.dev/problems/"

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Instance  string `json:"instance,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Error is a domain error that knows its problem kind. Handlers and services
// return it (or wrap it); WriteError turns it into HTTP.
type Error struct {
	Kind   string // stable suffix of the problem type, e.g. "slot-taken"
	Status int
	Title  string
	Detail string
	Err    error // cause, never shown to the client
	// RetryAfter, when positive, is sent as the Retry-After header.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Kind + ": " + e.Detail + ": " + e.Err.Error()
	}
	return e.Kind + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// NotFound is the error for a missing (or hidden) resource.
func NotFound(detail string) *Error {
	return &Error{Kind: "not-found", Status: http.StatusNotFound, Title: "Not found", Detail: detail}
}

// toProblem is the one place a Go error becomes an HTTP status.
func toProblem(err error) Problem {
	var e *Error
	if errors.As(err, &e) {
		return Problem{Type: ProblemBase + e.Kind, Title: e.Title, Status: e.Status, Detail: e.Detail}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if e := fromPostgres(pgErr); e != nil {
			return Problem{Type: ProblemBase + e.Kind, Title: e.Title, Status: e.Status, Detail: e.Detail}
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Problem{Type: ProblemBase + "timeout", Title: "Timeout", Status: http.StatusServiceUnavailable,
			Detail: "the request took too long; retry later"}
	}
	return Problem{Type: ProblemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "the server could not complete the request; quote the request id when reporting it"}
}

// WriteError writes err as application/problem+json and records it on the
// Gin context for the request log.
func WriteError(c *gin.Context, err error) {
	p := toProblem(err)
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		c.Header("Retry-After", retryAfterSeconds(e.RetryAfter))
	}
	p.Instance = c.Request.URL.Path
	p.RequestID = c.GetString(requestIDKey)
	_ = c.Error(err)
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}

// fromPostgres maps the SQLSTATEs the database uses to enforce rules
// (constraints, RLS, grants, triggers) to domain errors. Constraint names
// are safe to show; values are not echoed.
func fromPostgres(e *pgconn.PgError) *Error {
	switch e.Code {
	case "23P01": // exclusion_violation: an overlapping reservation
		return Conflict("slot-taken", "the requested period overlaps an existing reservation ("+e.ConstraintName+")")
	case "23505": // unique_violation
		return Conflict("duplicate", "a row with the same unique key exists ("+e.ConstraintName+")")
	case "23503": // foreign_key_violation
		return Unprocessable("a referenced row does not exist or is still referenced (" + e.ConstraintName + ")")
	case "23514", "23502", "22P02", "22003", "22007", "22008", "22023", "22000": // check, not null, bad text/number/date
		return Unprocessable("the values break a rule of the data model: " + e.Message)
	case "22021", "22P05": // invalid byte sequence, untranslatable character (NUL): bad text from the client
		return BadRequest("a value is not valid UTF-8 text (NUL characters and invalid bytes are refused)")
	case "42501": // insufficient_privilege (grants, RLS WITH CHECK)
		return Forbidden("your role may not do this")
	case "55P03": // lock_not_available (NOWAIT)
		return Conflict("locked", "someone else is changing this right now; retry shortly")
	case "40001", "40P01": // serialization failure, deadlock
		return Conflict("retry", "the request collided with a concurrent change; retry it")
	case "P0001": // raise_exception from our triggers: a business rule
		return Conflict("rule", e.Message)
	}
	return nil
}
