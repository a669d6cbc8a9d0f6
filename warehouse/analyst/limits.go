package analyst

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/carcarehub/cch/oltp"
)

// Default resource bounds of analyst queries (Config fields of the same
// meaning).
const (
	DefaultMaxAnswerBytes      = 64 << 20
	DefaultMaxQueries          = 8
	DefaultMaxQueriesPerCaller = 2
)

// limitDefaults fills in the resource bounds left zero.
func (c *Config) limitDefaults() {
	if c.MaxAnswerBytes <= 0 {
		c.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if c.MaxQueries <= 0 {
		c.MaxQueries = DefaultMaxQueries
	}
	if c.MaxQueriesPerCaller <= 0 {
		c.MaxQueriesPerCaller = DefaultMaxQueriesPerCaller
	}
	// Longest first, so a file is redacted before its directory.
	c.Paths = slices.Clone(c.Paths)
	slices.SortFunc(c.Paths, func(a, b string) int { return len(b) - len(a) })
}

// errAnswerTooLarge is the problem for an answer past MaxAnswerBytes.
func errAnswerTooLarge(limit int64) error {
	return &oltp.Error{Kind: "answer-too-large", Status: http.StatusUnprocessableEntity, Title: "Answer too large",
		Detail: fmt.Sprintf("the answer exceeds the %d-byte limit; select fewer rows or columns, or aggregate", limit)}
}

// errTooManyQueries is the problem for a query refused because too many
// are running, for the caller or for the whole warehouse.
func errTooManyQueries(scope string, limit int) error {
	return &oltp.Error{Kind: "too-many-queries", Status: http.StatusTooManyRequests, Title: "Too many queries",
		Detail: fmt.Sprintf("%d analyst queries are already running %s; retry when one has finished", limit, scope)}
}

// IsResourceLimit reports whether err is a refusal for a resource bound
// (answer size or concurrent queries), which Flight SQL answers with
// ResourceExhausted.
func IsResourceLimit(err error) bool {
	var e *oltp.Error
	return errors.As(err, &e) && (e.Kind == "answer-too-large" || e.Kind == "too-many-queries")
}

// admission counts running analyst queries, per caller and in total. The
// zero value is ready to use.
type admission struct {
	mu       sync.Mutex
	total    int
	byCaller map[int64]int // staff id → running queries
}

// acquire admits one query of staff or refuses it without waiting; the
// returned func gives the slot back (once).
func (a *admission) acquire(staff int64, perCaller, total int) (func(), error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byCaller == nil {
		a.byCaller = map[int64]int{}
	}
	if a.byCaller[staff] >= perCaller {
		return nil, errTooManyQueries("for you", perCaller)
	}
	if a.total >= total {
		return nil, errTooManyQueries("on this warehouse", total)
	}
	a.total++
	a.byCaller[staff]++
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.total--
			if a.byCaller[staff]--; a.byCaller[staff] <= 0 {
				delete(a.byCaller, staff)
			}
		})
	}, nil
}

// cappedBuffer is a bytes.Buffer that refuses to grow past limit: an
// answer is encoded into it whole before any of it is sent, so a client
// gets either a complete 200 answer or a problem, never a truncated body.
type cappedBuffer struct {
	bytes.Buffer
	limit int64
}

var errCapped = errors.New("answer byte limit reached")

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if int64(b.Len()+len(p)) > b.limit {
		return 0, errCapped
	}
	return b.Buffer.Write(p)
}

// valueSize estimates the bytes a driver value holds, for the byte bound
// applied while rows are read.
func valueSize(v any) int64 {
	switch v := v.(type) {
	case string:
		return int64(len(v))
	case []byte:
		return int64(len(v))
	case nil:
		return 4
	}
	return 16
}

// contentLength is n as a Content-Length header value.
func contentLength(n int) string { return strconv.Itoa(n) }
