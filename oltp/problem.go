package oltp

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
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
	return Problem{Type: ProblemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "the server could not complete the request; quote the request id when reporting it"}
}

// WriteError writes err as application/problem+json and records it on the
// Gin context for the request log.
func WriteError(c *gin.Context, err error) {
	p := toProblem(err)
	p.Instance = c.Request.URL.Path
	p.RequestID = c.GetString(requestIDKey)
	_ = c.Error(err)
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}
