package oltp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// API is the /v1 surface: authentication, the per-request transaction,
// idempotency and the route table the OpenAPI document is built from.
type API struct {
	pool     *pgxpool.Pool
	log      *slog.Logger
	group    *gin.RouterGroup
	routes   []Route
	tokens   tokenCache
	throttle throttle
	replica  *Replica // list and report reads; nil: all on pool
}

// Route documents one /v1 operation; the OpenAPI document is generated from
// the table of them, so it cannot drift from what is served.
type Route struct {
	Method, Path string // Gin path, e.g. /v1/bookings/:id
	Summary      string
	Roles        []string // business roles allowed; empty = any authenticated caller
	Request      any      // zero value of the body type, nil for none
	Response     any      // zero value of the 2xx body type
	Status       int      // success status, default 200
	Versioned    bool     // reads return ETag; writes of the :id they name need If-Match
	// NoIfMatch marks a versioned write under an :id that creates another
	// resource (its ETag is the new one's): no If-Match.
	NoIfMatch bool
	// Query declares the query parameters the handler reads (Call.Query);
	// list and report reads also take min_lsn (added by the API).
	Query []Param
	// Formats are media types the success response may take instead of
	// JSON, chosen by Accept (e.g. text/csv).
	Formats []string
	// Errors are further error statuses of routes served outside the API's
	// request pipeline (Document).
	Errors  []int
	write   bool // served by Write: Idempotency-Key, X-CCH-LSN
	replica bool // a list or report read (see Replica): min_lsn, X-CCH-Read-From
}

// Call is what a handler gets: the request's parameters, the caller and the
// transaction it runs in.
type Call struct {
	Gin  *gin.Context // path and query parameters only; never its context
	Tx   pgx.Tx
	P    Principal
	body []byte
	// finalCommit: Final may commit with its statement (a write without
	// an Idempotency-Key).
	finalCommit bool
	// params and query: the route's declared query parameters and the
	// request's checked values (see Call.Query).
	params []Param
	query  map[string]string
}

// Bind decodes the request body strictly (see DecodeJSON) and, when dst
// has a Validate() error method, validates it: no handler can forget to.
func (c *Call) Bind(dst any) error {
	if err := decodeBody(c.body, dst); err != nil {
		return err
	}
	if v, ok := dst.(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}

// Result is a handler's successful outcome: Body is sent as JSON, unless
// Raw is set, which is sent as is with ContentType (CSV exports).
type Result struct {
	Status      int
	Body        any
	ETag        string
	Location    string
	Raw         []byte
	ContentType string
}

// HandlerFunc handles one operation inside the request's transaction.
type HandlerFunc func(ctx context.Context, call *Call) (Result, error)

// NewAPI mounts the authenticated /v1 group on s.
func NewAPI(s *Server, pool *pgxpool.Pool, log *slog.Logger) *API {
	a := &API{pool: pool, log: log}
	a.SetAuthLimits(AuthLimits{})
	a.group = s.Router().Group("/v1", a.authenticate)
	s.Router().GET("/openapi.json", func(c *gin.Context) { c.JSON(http.StatusOK, a.OpenAPI()) })
	return a
}

// Routes is the route table (for the OpenAPI document and its test).
func (a *API) Routes() []Route { return slices.Clone(a.routes) }

// Document adds to the OpenAPI document a /v1 route that another part
// serves on the router itself (the warehouse's analytics and SQL).
func (a *API) Document(r Route) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	a.routes = append(a.routes, r)
}

// Read registers a read-only operation.
func (a *API) Read(r Route, h HandlerFunc) { a.add(r, true, h) }

// Write registers a writing operation (Idempotency-Key aware, X-CCH-LSN).
func (a *API) Write(r Route, h HandlerFunc) { a.add(r, false, h) }

func (a *API) add(r Route, readOnly bool, h HandlerFunc) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	r.write = !readOnly
	if r.replica = onReplica(r, readOnly); r.replica {
		r.Query = append(slices.Clone(r.Query), minLSNParam)
	}
	a.routes = append(a.routes, r)
	rel := strings.TrimPrefix(r.Path, "/v1")
	a.group.Handle(r.Method, rel, func(c *gin.Context) { a.serve(c, r, readOnly, h) })
}

const principalKey = "principal"

// authenticate resolves the bearer token to a Principal. Unknown, expired
// and revoked tokens all get the same 401.
func (a *API) authenticate(c *gin.Context) {
	p, ok := a.Authenticate(c)
	if !ok {
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

// verify resolves a bearer token presented by client (its IP address; ""
// when unknown), counting failures against both and refusing with 429 a
// client or token id over its limit (see AuthLimits).
func (a *API) verify(ctx context.Context, client, token string) (Principal, error) {
	id, hash, perr := ParseToken(strings.TrimSpace(token))
	th := a.throttle.Load()
	if wait := th.blocked(client, id); wait > 0 {
		return Principal{}, TooManyFailures(wait)
	}
	if perr != nil {
		th.fail(client, 0)
		return Principal{}, Unauthenticated()
	}
	p, err := a.lookupToken(ctx, id, hash)
	if isUnauthenticated(err) {
		th.fail(client, id)
	}
	return p, err
}

func (a *API) lookupToken(ctx context.Context, id int64, hash []byte) (Principal, error) {
	if p, ok := a.tokens.get(id, hash); ok {
		return p, nil
	}
	var p Principal
	var stored []byte
	var expires time.Time
	var revoked *time.Time
	err := a.pool.QueryRow(ctx, `SELECT staff_id, organisation_id, role::text, token_hash, expires_at, revoked_at, branch_ids
		FROM core.authenticate_token($1)`, id).Scan(&p.StaffID, &p.OrganisationID, &p.Role, &stored, &expires, &revoked, &p.BranchIDs)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, Unauthenticated()
	} else if err != nil {
		return p, fmt.Errorf("look up token: %w", err)
	}
	if subtle.ConstantTimeCompare(stored, hash) != 1 || revoked != nil || !time.Now().Before(expires) {
		return p, Unauthenticated()
	}
	p.TokenID = id
	a.tokens.put(id, stored, p, expires)
	return p, nil
}

// TokenCacheTTL bounds how long a verified token is trusted without asking
// the database again: a revocation or a change of the staff member's
// branches takes effect within this time.
const TokenCacheTTL = 10 * time.Second

// tokenCache remembers verified tokens for TokenCacheTTL (never past their
// expiry), saving a round trip per request. Safe for concurrent use.
type tokenCache struct {
	mu sync.Mutex
	m  map[int64]cachedToken
}

type cachedToken struct {
	hash  []byte
	p     Principal
	until time.Time
}

func (c *tokenCache) get(id int64, hash []byte) (Principal, bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || !time.Now().Before(e.until) || subtle.ConstantTimeCompare(e.hash, hash) != 1 {
		return Principal{}, false
	}
	return e.p, true
}

func (c *tokenCache) put(id int64, hash []byte, p Principal, expires time.Time) {
	until := time.Now().Add(TokenCacheTTL)
	if expires.Before(until) {
		until = expires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 10_000 {
		c.m = map[int64]cachedToken{} // bounded: start afresh rather than grow
	}
	c.m[id] = cachedToken{hash: hash, p: p, until: until}
}

func (a *API) serve(c *gin.Context, r Route, readOnly bool, h HandlerFunc) {
	p := c.MustGet(principalKey).(Principal)
	if len(r.Roles) > 0 && !slices.Contains(r.Roles, p.Role) {
		// The summary without its note on query parameters, "(?status=)".
		what, _, _ := strings.Cut(r.Summary, " (?")
		WriteError(c, Forbidden(fmt.Sprintf("the %s role may not %s", p.Role, strings.ToLower(what))))
		return
	}
	query, err := ParseQuery(c, r.Query)
	if err != nil {
		WriteError(c, err)
		return
	}
	// A versioned write of a resource named by id needs the ETag it read,
	// whatever else is wrong with the request.
	if needsIfMatch(r) && strings.TrimSpace(c.GetHeader("If-Match")) == "" {
		WriteError(c, preconditionRequired())
		return
	}
	call := &Call{Gin: c, P: p, params: r.Query, query: query}
	if r.Request != nil {
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes))
		if err != nil {
			WriteError(c, tooLarge())
			return
		}
		if ct := c.ContentType(); ct != "" && ct != "application/json" {
			WriteError(c, &Error{Kind: "unsupported-media-type", Status: http.StatusUnsupportedMediaType,
				Title: "Unsupported media type", Detail: "send application/json"})
			return
		}
		call.body = body
	}
	pool, err := a.poolFor(c, r, readOnly)
	if err != nil {
		WriteError(c, err)
		return
	}
	out, err := a.run(c, r, call, readOnly, h, pool)
	if pool != a.pool && standbyFailed(err) {
		a.replica.fallBack(c, err)
		out, err = a.run(c, r, call, readOnly, h, a.pool)
	}
	if err != nil {
		WriteError(c, err)
		return
	}
	if out.replay != nil {
		a.writeReplay(c, out.replay)
		return
	}
	writeResult(c, out.res, out.lsn)
}

// run runs the request on pool, retrying it as a whole after a deadlock
// or serialization failure.
func (a *API) run(c *gin.Context, r Route, call *Call, readOnly bool, h HandlerFunc, pool *pgxpool.Pool) (out outcome, err error) {
	// A deadlock or serialization failure rolled everything back: the
	// request is retried as a whole, a few times, before the client sees 409.
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if out, err = a.attempt(c, r, call, readOnly, h, pool); !retryable(err) {
			break
		}
	}
	return out, err
}

// outcome is what one committed attempt produced.
type outcome struct {
	res    Result
	replay *storedResponse // the first response to this Idempotency-Key
	lsn    string
}

// maxAttempts bounds the retries of a request that hit a deadlock or a
// serialization failure.
const maxAttempts = 3

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// attempt runs the handler once in its own transaction, claiming and
// storing the Idempotency-Key in that same transaction.
func (a *API) attempt(c *gin.Context, r Route, call *Call, readOnly bool, h HandlerFunc, pool *pgxpool.Pool) (out outcome, err error) {
	ctx, p := c.Request.Context(), call.P
	idemKey := c.GetHeader("Idempotency-Key")
	out.lsn, err = InTx(ctx, pool, p, c.GetString(requestIDKey), readOnly, func(tx pgx.Tx) error {
		call.Tx = tx
		call.finalCommit = !readOnly && idemKey == ""
		if !readOnly && idemKey != "" {
			var err error
			if out.replay, err = claimIdempotencyKey(ctx, tx, p, idemKey, c.Request.Method, c.Request.URL.RequestURI(), call.body); err != nil || out.replay != nil {
				return err
			}
		}
		var err error
		if out.res, err = h(ctx, call); err != nil {
			return err
		}
		if out.res.Status == 0 {
			out.res.Status = r.Status
		}
		if !readOnly && idemKey != "" {
			return storeIdempotentResponse(ctx, tx, p, idemKey, out.res)
		}
		return nil
	})
	return out, err
}

func writeResult(c *gin.Context, res Result, lsn string) {
	if lsn != "" {
		c.Header("X-CCH-LSN", lsn)
	}
	if res.ETag != "" {
		c.Header("ETag", res.ETag)
	}
	if res.Location != "" {
		c.Header("Location", res.Location)
	}
	if res.Raw != nil {
		c.Data(res.Status, res.ContentType, res.Raw)
		return
	}
	if res.Body == nil {
		c.Status(res.Status)
		return
	}
	c.JSON(res.Status, res.Body)
}

func (a *API) writeReplay(c *gin.Context, s *storedResponse) {
	c.Header("Idempotent-Replayed", "true")
	if s.ETag != "" {
		c.Header("ETag", s.ETag)
	}
	c.Data(s.Status, "application/json; charset=utf-8", s.Body)
}

// storedResponse is the first response to an idempotent request.
type storedResponse struct {
	Status int
	Body   []byte
	ETag   string
}

// claimIdempotencyKey inserts the key in the request's transaction. A
// concurrent request with the same key blocks on the unique index until the
// first commits (then replays its response) or rolls back (then proceeds).
// The key is bound to the request: the same key with another method, path
// (with its query), body or caller role is refused, never replayed.
func claimIdempotencyKey(ctx context.Context, tx pgx.Tx, p Principal, key, method, uri string, body []byte) (*storedResponse, error) {
	if len(key) > 200 || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return nil, BadRequest("Idempotency-Key is 1 to 200 visible ASCII characters")
	}
	sum := idempotencyHash(p, method, uri, body)
	tag, err := tx.Exec(ctx, `INSERT INTO api.idempotency_key (organisation_id, staff_id, key, request_hash)
		VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id, staff_id, key) DO NOTHING`, p.OrganisationID, p.StaffID, key, sum[:])
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	var s storedResponse
	var hash []byte
	err = tx.QueryRow(ctx, `SELECT request_hash, response_status, response_body, response_etag FROM api.idempotency_key
		WHERE organisation_id = $1 AND staff_id = $2 AND key = $3`, p.OrganisationID, p.StaffID, key).Scan(&hash, &s.Status, &s.Body, &s.ETag)
	if err != nil {
		return nil, fmt.Errorf("read idempotent response: %w", err)
	}
	if subtle.ConstantTimeCompare(hash, sum[:]) != 1 {
		return nil, &Error{Kind: "idempotency-key-reused", Status: http.StatusUnprocessableEntity, Title: "Idempotency-Key reused",
			Detail: "this Idempotency-Key was used for a different request (method, path, body or caller); use a fresh key"}
	}
	return &s, nil
}

// idempotencyHash identifies a request for its Idempotency-Key: the
// caller (staff member and role), the method, the full request URI and the
// body, each length-prefixed so no two requests share an encoding.
func idempotencyHash(p Principal, method, uri string, body []byte) [32]byte {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(strconv.FormatInt(p.OrganisationID, 10)), []byte(strconv.FormatInt(p.StaffID, 10)),
		[]byte(p.Role), []byte(method), []byte(uri), body} {
		_, _ = fmt.Fprintf(h, "%d:", len(part))
		_, _ = h.Write(part)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func storeIdempotentResponse(ctx context.Context, tx pgx.Tx, p Principal, key string, res Result) error {
	body, err := json.Marshal(res.Body)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE api.idempotency_key SET response_status = $4, response_body = $5, response_etag = $6
		WHERE organisation_id = $1 AND staff_id = $2 AND key = $3`, p.OrganisationID, p.StaffID, key, res.Status, body, res.ETag)
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	return nil
}

// IDIfMatch reads the :id path parameter and the version its If-Match
// names (see PathID and IfMatchVersion).
func (c *Call) IDIfMatch() (id int64, version int32, err error) {
	if id, err = PathID(c.Gin, "id"); err != nil {
		return 0, 0, err
	}
	version, err = IfMatchVersion(c.Gin, id)
	return id, version, err
}

// AtBranch refuses an action at a branch the caller may not act at (see
// CheckBranch).
func (c *Call) AtBranch(ctx context.Context, branchID int64) error {
	return CheckBranch(ctx, c.Tx, c.P, "branch", branchID)
}
