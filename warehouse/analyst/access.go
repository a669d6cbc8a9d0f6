package analyst

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/carcarehub/cch/oltp"
)

// Caller is who runs an analyst query and how, for admission and the
// audit log.
type Caller struct {
	Principal oltp.Principal
	// RequestID ties the audit entry to the request (X-Request-ID, or one
	// generated per Flight SQL call).
	RequestID string
	// Channel names the path: "sql/json", "sql/csv", "sql/arrow",
	// "flight-sql".
	Channel string
}

// Access is one admitted analyst query. End gives its concurrency slot
// back and records it in the audit log; call it exactly once.
type Access struct {
	release func()
	audit   *AuditLog
	entry   AuditEntry
}

// Admit admits one analyst query of c, or refuses it (too-many-queries,
// 429; audit-unavailable, 503, when the audit log cannot keep up or
// record its start). A refusal is recorded in the audit log too. It never
// waits on PostgreSQL.
func (h *Handler) Admit(c Caller, query string) (*Access, error) {
	e := AuditEntry{Caller: c, QuerySHA256: sha256.Sum256([]byte(query)), At: time.Now()}
	if h.cfg.Audit != nil && h.cfg.Audit.Full() {
		return nil, &oltp.Error{Kind: "audit-unavailable", Status: http.StatusServiceUnavailable, Title: "Audit log unavailable",
			Detail: "analyst queries are paused until the audit log has caught up; retry shortly"}
	}
	release, err := h.adm.acquire(c.Principal.StaffID, h.cfg.MaxQueriesPerCaller, h.cfg.MaxQueries)
	if err != nil {
		e.Outcome = outcome(err)
		h.cfg.Audit.Record(e)
		return nil, err
	}
	if err := h.cfg.Audit.Start(&e); err != nil { // durable before any answer leaves
		release()
		return nil, &oltp.Error{Kind: "audit-unavailable", Status: http.StatusServiceUnavailable, Title: "Audit log unavailable",
			Detail: "the query could not be recorded; retry shortly"}
	}
	return &Access{release: release, audit: h.cfg.Audit, entry: e}, nil
}

// End records the query's outcome (rows returned, err nil on success).
func (a *Access) End(rows int64, err error) {
	a.release()
	a.entry.Rows = rows
	a.entry.Outcome = outcome(err)
	a.entry.Duration = time.Since(a.entry.At)
	a.audit.Record(a.entry)
}

// outcome is "ok" or the problem kind of err ("internal" for others).
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var e *oltp.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return "internal"
}

// NewRequestID returns a random request id for calls that carry none.
func NewRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ValidRequestID accepts request ids of 1–128 characters of
// [A-Za-z0-9._-], as the API does.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
