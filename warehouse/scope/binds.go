package scope

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
)

// Binds reports whether query binds in role's catalogue: whether every
// table and column it names is one of the role's views (or their
// columns), so whether PostgreSQL's grants let the role read everything
// the query reads. The query is planned (EXPLAIN), never run; args are
// its parameters. Answers are kept for the life of the set, which a
// grant, policy or table change replaces. An unknown role binds nothing.
// Queries bind in the catalogue the derived statements ran in (the same
// views with enums and ranges as the mirror's text, the marts computed
// from them), which is what analytics are written against.
func (s *Set) Binds(ctx context.Context, db *sql.DB, role, query string, args ...any) (bool, error) {
	r := s.roles[role]
	if r == nil {
		return false, nil
	}
	key := role + "\x00" + fmt.Sprintf("%x", sha256.Sum256([]byte(query+"\x00"+fmt.Sprint(args...))))
	s.bindMu.Lock()
	ok, known := s.binds[key]
	s.bindMu.Unlock()
	if known {
		return ok, nil
	}
	catalog := r.catalog
	if r.derived != "" { // the catalogue analytics are written for: enums and ranges as text
		catalog = r.derived
	}
	ok, err := s.bind(ctx, db, catalog, query, args)
	if err != nil {
		return false, err
	}
	s.bindMu.Lock()
	if s.binds == nil {
		s.binds = map[string]bool{}
	}
	s.binds[key] = ok
	s.bindMu.Unlock()
	return ok, nil
}

func (s *Set) bind(ctx context.Context, db *sql.DB, catalog, query string, args []any) (bool, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "USE "+quote(catalog)); err != nil {
		return false, fmt.Errorf("use %s: %w", catalog, err)
	}
	defer func() { // back on the main catalogue, or the connection is dropped
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "USE "+quote(s.main)); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err == nil {
		for rows.Next() {
		}
		err = rows.Close()
	}
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case strings.Contains(err.Error(), "Catalog Error") || strings.Contains(err.Error(), "Binder Error"):
		return false, nil
	}
	return false, fmt.Errorf("plan in %s: %w", catalog, err)
}
