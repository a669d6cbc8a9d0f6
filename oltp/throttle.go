package oltp

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// AuthLimits bound failed authentications: once a client address or a
// token id has failed PerClient or PerToken times within Window, further
// attempts from it (or for it) are refused with 429 and Retry-After until
// the window ends, without asking the database. A correct token is never
// counted.
type AuthLimits struct {
	PerClient int           // failures per client IP per window; default 20
	PerToken  int           // failures per token id per window; default 10
	Window    time.Duration // default 1 minute
}

func (l AuthLimits) withDefaults() AuthLimits {
	if l.PerClient <= 0 {
		l.PerClient = 20
	}
	if l.PerToken <= 0 {
		l.PerToken = 10
	}
	if l.Window <= 0 {
		l.Window = time.Minute
	}
	return l
}

// SetAuthLimits replaces the failed-authentication limits and forgets the
// failures counted so far. Safe while serving.
func (a *API) SetAuthLimits(l AuthLimits) {
	l = l.withDefaults()
	a.throttle.Store(&authThrottle{
		client: newFailureLimiter(l.PerClient, l.Window),
		token:  newFailureLimiter(l.PerToken, l.Window),
	})
}

// throttle holds the API's current authThrottle.
type throttle = atomic.Pointer[authThrottle]

// authThrottle counts failed authentications per client and per token id.
type authThrottle struct {
	client, token *failureLimiter
}

// blocked returns how long the client (or the token id, when not 0) must
// wait, or 0 when it may try.
func (t *authThrottle) blocked(client string, tokenID int64) time.Duration {
	var wait time.Duration
	if client != "" {
		wait = t.client.blocked(client)
	}
	if tokenID > 0 {
		wait = max(wait, t.token.blocked(strconv.FormatInt(tokenID, 10)))
	}
	return wait
}

func (t *authThrottle) fail(client string, tokenID int64) {
	if client != "" {
		t.client.fail(client)
	}
	if tokenID > 0 {
		t.token.fail(strconv.FormatInt(tokenID, 10))
	}
}

// TooManyFailures is the error for a client or token id over its failed
// authentication limit.
func TooManyFailures(wait time.Duration) *Error {
	return &Error{Kind: "too-many-requests", Status: http.StatusTooManyRequests, Title: "Too many requests",
		Detail: "too many failed authentications; wait before retrying", RetryAfter: wait}
}

// isUnauthenticated reports whether err is the 401 of a bad token.
func isUnauthenticated(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusUnauthorized
}

// failureLimiter counts failures per key in fixed windows. Safe for
// concurrent use; its memory is bounded (expired windows are dropped, and
// past maxKeys it starts afresh).
type failureLimiter struct {
	limit  int
	window time.Duration
	mu     sync.Mutex
	m      map[string]failWindow
}

type failWindow struct {
	n     int
	reset time.Time
}

const maxLimiterKeys = 100_000

func newFailureLimiter(limit int, window time.Duration) *failureLimiter {
	return &failureLimiter{limit: limit, window: window, m: map[string]failWindow{}}
}

func (l *failureLimiter) blocked(key string) time.Duration {
	l.mu.Lock()
	w, ok := l.m[key]
	l.mu.Unlock()
	now := time.Now()
	if !ok || w.n < l.limit || !now.Before(w.reset) {
		return 0
	}
	return w.reset.Sub(now)
}

func (l *failureLimiter) fail(key string) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.m[key]
	if !ok || !now.Before(w.reset) {
		if len(l.m) >= maxLimiterKeys {
			l.sweep(now)
		}
		w = failWindow{reset: now.Add(l.window)}
	}
	w.n++
	l.m[key] = w
}

// sweep drops expired windows; if the map is still full it starts afresh.
func (l *failureLimiter) sweep(now time.Time) {
	for k, w := range l.m {
		if !now.Before(w.reset) {
			delete(l.m, k)
		}
	}
	if len(l.m) >= maxLimiterKeys {
		l.m = map[string]failWindow{}
	}
}

// retryAfterSeconds renders a wait as a Retry-After value (whole seconds,
// at least 1).
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
