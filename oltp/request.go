package oltp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
)

// MaxBodyBytes bounds every request body; larger bodies get 413.
const MaxBodyBytes = 1 << 20

// BadRequest is the error for a body or parameter that cannot be used.
func BadRequest(detail string) *Error {
	return &Error{Kind: "bad-request", Status: http.StatusBadRequest, Title: "Bad request", Detail: detail}
}

// Unprocessable is the error for well-formed input that breaks a rule.
func Unprocessable(detail string) *Error {
	return &Error{Kind: "validation", Status: http.StatusUnprocessableEntity, Title: "Validation failed", Detail: detail}
}

// Conflict is the error for a request that collides with the current state.
func Conflict(kind, detail string) *Error {
	return &Error{Kind: kind, Status: http.StatusConflict, Title: "Conflict", Detail: detail}
}

// DecodeJSON reads exactly one JSON object from r into dst, rejecting
// unknown fields, trailing data, wrong types and bodies over MaxBodyBytes.
// It is pure apart from reading r, so fuzz tests drive it directly.
func DecodeJSON(r io.Reader, dst any) error {
	lr := &io.LimitedReader{R: r, N: MaxBodyBytes + 1}
	body, err := io.ReadAll(lr)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge()
		}
		return BadRequest("could not read the request body")
	}
	return decodeBody(body, dst)
}

// decodeBody is DecodeJSON of a body already read.
func decodeBody(body []byte, dst any) error {
	if len(body) > MaxBodyBytes {
		return tooLarge()
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return BadRequest("the request body is empty; a JSON object is required")
	}
	if err := checkText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return BadRequest(describeJSONError(err))
	}
	if dec.More() {
		return BadRequest("the body holds more than one JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return BadRequest("the body holds trailing data after the JSON object")
	}
	return nil
}

// checkText refuses a body that is not valid UTF-8 or whose JSON strings
// hold a NUL character (\u0000): PostgreSQL text cannot store NUL, and
// invalid UTF-8 would be silently replaced by the decoder.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		return BadRequest("the body is not valid UTF-8")
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		i++ // the escaped character; a \\ pair is skipped whole
		if i < len(body) && body[i] == 'u' && bytes.HasPrefix(body[i+1:], []byte("0000")) {
			return BadRequest("strings may not contain the NUL character (\\u0000)")
		}
	}
	return nil
}

// ValidText reports whether s may be stored as text: valid UTF-8 without
// NUL characters.
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func tooLarge() *Error {
	return &Error{Kind: "payload-too-large", Status: http.StatusRequestEntityTooLarge, Title: "Payload too large",
		Detail: fmt.Sprintf("request bodies are limited to %d bytes", MaxBodyBytes)}
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return fmt.Sprintf("field %q must be %s, not %s", field, typ.Type.String(), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the JSON body ends too early"
	}
	return "the body is not a valid JSON object of the expected shape"
}

// Bind decodes the request body of c into dst (see DecodeJSON).
func Bind(c *gin.Context, dst any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return &Error{Kind: "unsupported-media-type", Status: http.StatusUnsupportedMediaType,
			Title: "Unsupported media type", Detail: "send application/json"}
	}
	return DecodeJSON(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes), dst)
}

// PathID parses a positive integer path parameter.
func PathID(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, BadRequest(fmt.Sprintf("%s must be a positive integer", name))
	}
	return id, nil
}

// ETag is the entity tag of a versioned row.
func ETag(id int64, version int32) string {
	return fmt.Sprintf(`"%d.%d"`, id, version)
}

// IfMatchVersion reads If-Match for row id; a write without it is refused
// (428), one naming another row or a weak tag is refused (412): If-Match
// uses the strong comparison (RFC 9110 section 13.1.1), which no weak
// entity tag ever passes.
func IfMatchVersion(c *gin.Context, id int64) (int32, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return 0, preconditionRequired()
	}
	if strings.HasPrefix(h, "W/") {
		return 0, &Error{Kind: "precondition-failed", Status: http.StatusPreconditionFailed, Title: "Precondition failed",
			Detail: "If-Match uses the strong comparison: a weak entity tag (W/…) never matches; send the ETag as read"}
	}
	var gotID int64
	var v int32
	if _, err := fmt.Sscanf(h, `"%d.%d"`, &gotID, &v); err != nil || gotID != id {
		return 0, PreconditionFailed()
	}
	return v, nil
}

func preconditionRequired() *Error {
	return &Error{Kind: "precondition-required", Status: http.StatusPreconditionRequired,
		Title: "Precondition required", Detail: "send If-Match with the ETag you read"}
}

// PreconditionFailed is the error for a stale If-Match.
func PreconditionFailed() *Error {
	return &Error{Kind: "precondition-failed", Status: http.StatusPreconditionFailed, Title: "Precondition failed",
		Detail: "the resource changed since you read it; read it again and retry"}
}

// Page is a keyset page request.
type Page struct {
	Limit int
	After int64 // id of the last row of the previous page; 0 = from the start
}

// ParsePage reads ?limit= (1..200, default 50) and ?cursor=.
func ParsePage(c *gin.Context) (Page, error) {
	p := Page{Limit: 50}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return p, BadRequest("limit must be an integer from 1 to 200")
		}
		p.Limit = n
	}
	if s := c.Query("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err == nil {
			p.After, err = strconv.ParseInt(string(b), 10, 64)
		}
		if err != nil || p.After < 0 {
			return p, BadRequest("cursor is not one this API issued")
		}
	}
	return p, nil
}

// Collection is the shape of every list response.
type Collection[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// NewCollection builds a page from up to limit+1 fetched items: the extra
// one only says there is a next page.
func NewCollection[T any](items []T, limit int, idOf func(T) int64) Collection[T] {
	col := Collection[T]{Items: items}
	if col.Items == nil {
		col.Items = []T{}
	}
	if len(items) > limit {
		col.Items = items[:limit]
		col.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(idOf(items[limit-1]), 10)))
	}
	return col
}

// ListSpec describes a collection endpoint: its query and its filters.
type ListSpec struct {
	What  string // for errors, e.g. "invoices"
	Base  string // SELECT … FROM … without WHERE
	Alias string // qualifies filter columns and the id, e.g. "i."
	// IDs are optional positive-integer filters: query parameter and
	// column share the name.
	IDs []string
	// Enum, when set, is an optional filter on the enum column of that
	// name (of type EnumType), whose values must be one of EnumValues.
	Enum, EnumType string
	EnumValues     []string
}

// ListRows serves a collection: it reads the page and the filters of
// spec from the query string (the route declares spec.Params()), runs the query in the
// request's transaction (row-level security applies) and pages the rows
// by id.
func ListRows[T any](ctx context.Context, call *Call, spec ListSpec, scan func(pgx.Row) (T, error), idOf func(T) int64) (Collection[T], error) {
	page, err := ParsePage(call.Gin)
	if err != nil {
		return Collection[T]{}, err
	}
	// Conditions with positional parameters, then the keyset and the limit
	// (one row more than the page holds, see NewCollection).
	var conds []string
	var args []any
	where := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	// The route declares spec.Params(): the values are checked already.
	for _, name := range spec.IDs {
		if id := call.QueryInt(name); id != 0 {
			where(spec.Alias+name+" = ?", id)
		}
	}
	if spec.Enum != "" {
		if v := call.Query(spec.Enum); v != "" {
			where(spec.Alias+spec.Enum+" = ?::"+spec.EnumType, v)
		}
	}
	where(spec.Alias+"id > ?", page.After)
	args = append(args, page.Limit+1)
	sql := spec.Base + " WHERE " + strings.Join(conds, " AND ") + " ORDER BY " + spec.Alias + "id LIMIT $" + strconv.Itoa(len(args))
	rows, err := call.Tx.Query(ctx, sql, args...)
	if err != nil {
		return Collection[T]{}, fmt.Errorf("list %s: %w", spec.What, err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return Collection[T]{}, fmt.Errorf("list %s: %w", spec.What, err)
	}
	return NewCollection(items, page.Limit, idOf), nil
}

// Dates the API accepts: anything outside [MinYear, MaxYear] is a mistake
// (or a probe), never a business date.
const (
	MinYear = 2000
	MaxYear = 2100
)

// SaneTime reports whether t lies in the years the API accepts.
func SaneTime(t time.Time) bool {
	return t.Year() >= MinYear && t.Year() <= MaxYear
}

// ParseDate parses a YYYY-MM-DD query parameter named name; a malformed
// date or one outside [MinYear, MaxYear] is a 400.
func ParseDate(name, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, BadRequest(name + " must be a date YYYY-MM-DD")
	}
	if !SaneTime(t) {
		return t, BadRequest(fmt.Sprintf("%s must be a date from %d to %d", name, MinYear, MaxYear))
	}
	return t, nil
}
