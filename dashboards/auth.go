package dashboards

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/carcarehub/cch/oltp"
)

// cookieName names the session cookie; it holds a random session id only.
const cookieName = "cch_dashboards"

// sessions maps session ids (stored hashed) to bearer tokens. The token is
// re-validated on every request, so a revoked or expired token ends the
// session whatever its own expiry.
type sessions struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[[32]byte]session
}

type session struct {
	token   string
	expires time.Time
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{ttl: ttl, m: map[[32]byte]session{}}
}

// create stores token and returns a fresh session id.
func (s *sessions) create(token string, now time.Time) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[sha256.Sum256([]byte(id))] = session{token: token, expires: now.Add(s.ttl)}
	return id
}

func (s *sessions) token(id string, now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[sha256.Sum256([]byte(id))]
	if !ok || now.After(v.expires) {
		return "", false
	}
	return v.token, true
}

func (s *sessions) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sha256.Sum256([]byte(id)))
}

// viewer authenticates the request: Authorization: Bearer as the API does
// (a 401 problem on failure), else the session cookie (a browser is sent
// to the login form when it is missing or no longer valid).
func (h *Handler) viewer(c *gin.Context, browser bool) (oltp.Principal, bool) {
	if c.GetHeader("Authorization") != "" {
		return h.cfg.Authenticate(c)
	}
	sid, _ := c.Cookie(cookieName)
	if tok, ok := h.sessions.token(sid, h.now()); ok {
		if p, ok := h.check(c, tok); ok {
			return p, true
		}
		h.sessions.drop(sid)
		h.setCookie(c, "", -1)
	}
	if browser {
		c.Redirect(http.StatusSeeOther, "/dashboards/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
	} else {
		c.AbortWithStatus(http.StatusUnauthorized)
	}
	return oltp.Principal{}, false
}

// check validates token with Authenticate without letting it answer the
// request: its 401 is discarded so the caller can choose the response.
func (h *Handler) check(c *gin.Context, token string) (oltp.Principal, bool) {
	c.Request.Header.Set("Authorization", "Bearer "+token)
	defer c.Request.Header.Del("Authorization")
	w := c.Writer
	c.Writer = &discard{ResponseWriter: w, header: http.Header{}}
	defer func() { c.Writer = w }()
	return h.cfg.Authenticate(c)
}

// discard swallows what Authenticate writes on failure.
type discard struct {
	gin.ResponseWriter
	header http.Header
	status int
}

func (d *discard) Header() http.Header               { return d.header }
func (d *discard) WriteHeader(code int)              { d.status = code }
func (d *discard) WriteHeaderNow()                   {}
func (d *discard) Write(b []byte) (int, error)       { return len(b), nil }
func (d *discard) WriteString(s string) (int, error) { return len(s), nil }
func (d *discard) Written() bool                     { return d.status != 0 }
func (d *discard) Status() int                       { return d.status }
func (d *discard) Size() int                         { return -1 }

func (h *Handler) setCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieName, Value: value, Path: "/dashboards", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (h *Handler) loginForm(c *gin.Context) {
	h.loginPage(c, http.StatusOK, "")
}

// loginPage shows the sign-in form with a fresh CSRF token: the same
// random value in a cookie only this path receives and in a hidden field
// (double submit). Another site can make a browser post the form, but it
// can neither read nor set the cookie, so it cannot send a matching field.
func (h *Handler) loginPage(c *gin.Context, status int, msg string) {
	csrf := randomID()
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: csrf, Path: "/dashboards/login", MaxAge: 3600,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	next := c.Query("next")
	if c.Request.Method == http.MethodPost {
		next = c.PostForm("next")
	}
	if err := h.tmpl.ExecuteTemplate(c.Writer, "login", map[string]any{"Next": safeNext(next), "Error": msg, "CSRF": csrf}); err != nil {
		_ = c.Error(err)
	}
}

// csrfCookie holds the login form's CSRF token.
const csrfCookie = "cch_csrf"

// csrfOK reports whether the posted form carries the CSRF token of the
// form this browser was given.
func csrfOK(c *gin.Context) bool {
	cookie, err := c.Cookie(csrfCookie)
	field := c.PostForm("csrf")
	return err == nil && cookie != "" && subtle.ConstantTimeCompare([]byte(cookie), []byte(field)) == 1
}

func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// login exchanges a bearer token for a session cookie. A post without the
// form's CSRF token is refused (403) before the token is looked at.
func (h *Handler) login(c *gin.Context) {
	if !csrfOK(c) {
		h.loginPage(c, http.StatusForbidden, "The sign-in form expired or did not come from this site. Please sign in again.")
		return
	}
	tok := strings.TrimSpace(c.PostForm("token"))
	if _, ok := h.check(c, tok); tok == "" || !ok {
		h.loginPage(c, http.StatusUnauthorized, "That token is not valid. Check it has not expired or been revoked.")
		return
	}
	h.setCookie(c, h.sessions.create(tok, h.now()), int(h.cfg.SessionTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, safeNext(c.PostForm("next")))
}

func (h *Handler) logout(c *gin.Context) {
	if sid, err := c.Cookie(cookieName); err == nil {
		h.sessions.drop(sid)
	}
	h.setCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/dashboards/login")
}

// safeNext keeps a post-login redirect on the dashboards.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/dashboards") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/dashboards"
	}
	return next
}
