package oltp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Roles maps the API's business role names to their database roles. A
// request runs with SET LOCAL ROLE to the mapped role, so row-level
// security, column grants and the audit log see the real caller.
var Roles = map[string]string{
	"manager":      "cch_manager",
	"technician":   "cch_technician",
	"receptionist": "cch_receptionist",
	"finance":      "cch_finance",
	"dispatcher":   "cch_dispatcher",
	"chauffeur":    "cch_chauffeur",
	"auditor":      "cch_auditor",
}

// Principal is the authenticated caller of a request.
type Principal struct {
	TokenID        int64
	StaffID        int64
	OrganisationID int64
	Role           string  // business role, a key of Roles
	BranchIDs      []int64 // branches the caller may act for; empty = organisation-wide
}

// DBRole is the database role the caller's transactions run as.
func (p Principal) DBRole() string { return Roles[p.Role] }

// tokenPrefix starts every bearer token: cch_<id>_<secret>.
const tokenPrefix = "cch_"

// NewTokenSecret returns a fresh random secret and its SHA-256 hash, the
// only form stored.
func NewTokenSecret() (secret string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(secret))
	return secret, h[:]
}

// FormatToken builds the bearer token handed to a client.
func FormatToken(id int64, secret string) string {
	return tokenPrefix + strconv.FormatInt(id, 10) + "_" + secret
}

// ParseToken splits a bearer token into its id and the SHA-256 hash of its
// secret.
func ParseToken(token string) (id int64, hash []byte, err error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return 0, nil, errMalformedToken
	}
	idPart, secret, ok := strings.Cut(rest, "_")
	if !ok || secret == "" || len(secret) > 128 {
		return 0, nil, errMalformedToken
	}
	id, err = strconv.ParseInt(idPart, 10, 64)
	if err != nil || id <= 0 {
		return 0, nil, errMalformedToken
	}
	h := sha256.Sum256([]byte(secret))
	return id, h[:], nil
}

var errMalformedToken = errors.New("malformed bearer token")

// Unauthenticated is the error for a missing, malformed, unknown, expired
// or revoked token. The detail never says which.
func Unauthenticated() *Error {
	return &Error{Kind: "unauthenticated", Status: http.StatusUnauthorized, Title: "Unauthenticated",
		Detail: "a valid bearer token is required (Authorization: Bearer cch_…)"}
}

// Forbidden is the error for an authenticated caller whose role may not do
// what it asked.
func Forbidden(detail string) *Error {
	return &Error{Kind: "forbidden", Status: http.StatusForbidden, Title: "Forbidden", Detail: detail}
}

// Querier is what IssueToken needs: a connection, pool or transaction with
// rights to insert into core.api_token (the owner or an administrator).
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// IssueToken creates a bearer token for a staff member in one business role
// and returns it; only the secret's hash is stored. The staff member must
// hold the role (core.staff_role).
func IssueToken(ctx context.Context, db Querier, staffID int64, role string, ttl time.Duration, label string) (token string, id int64, err error) {
	if _, ok := Roles[role]; !ok {
		return "", 0, fmt.Errorf("unknown role %q", role)
	}
	if ttl <= 0 {
		return "", 0, errors.New("token lifetime must be positive")
	}
	secret, hash := NewTokenSecret()
	err = db.QueryRow(ctx, `INSERT INTO core.api_token (organisation_id, staff_id, role, token_hash, label, expires_at)
		SELECT s.organisation_id, s.id, $2::core.business_role, $3, NULLIF($4, ''), now() + make_interval(secs => $5)
		FROM core.staff s WHERE s.id = $1 AND s.active
		  AND EXISTS (SELECT 1 FROM core.staff_role r WHERE r.staff_id = s.id AND r.role = $2::core.business_role)
		RETURNING id`, staffID, role, hash, label, ttl.Seconds()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, fmt.Errorf("staff %d is not an active staff member with role %s", staffID, role)
	} else if err != nil {
		return "", 0, fmt.Errorf("issue token: %w", err)
	}
	return FormatToken(id, secret), id, nil
}
