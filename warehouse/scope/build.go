package scope

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// View is one relation of a role as built in DuckDB. Derived views (the
// marts computed from the role's views) have no Columns or Filter: their
// SQL is their definition.
type View struct {
	Relation
	// Catalog is the role's DuckDB catalogue holding the view.
	Catalog string
	// SQL is the view's query over the mirror table.
	SQL string
}

// Set is one build of every role's views. Its catalogues stay attached
// until the Manager retires it and its last user releases it.
type Set struct {
	main   string
	roles  map[string]*roleSet
	hidden []string
	users  int  // guarded by Manager.mu
	gone   bool // retired; guarded by Manager.mu

	bindMu sync.Mutex
	binds  map[string]bool // Binds' answers by role and query
}

type roleSet struct {
	catalog string
	derived string          // the catalogue the derived statements run in ("" without any)
	views   map[string]View // by Relation.Key
}

// Hidden lists the relations and helpers left out of the build, with why.
func (s *Set) Hidden() []string { return slices.Clone(s.hidden) }

// Catalog is role's catalogue ("" for an unknown role).
func (s *Set) Catalog(role string) string {
	if r := s.roles[role]; r != nil {
		return r.catalog
	}
	return ""
}

// Views lists what role may read, ordered by schema and name.
func (s *Set) Views(role string) []View {
	r := s.roles[role]
	if r == nil {
		return nil
	}
	vs := make([]View, 0, len(r.views))
	for _, v := range r.views {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Key() < vs[j].Key() })
	return vs
}

// mirror is the mirror tables' columns by "schema.table".
type mirror map[string][]string

const mirrorSQL = `
SELECT c.schema_name, c.table_name, c.column_name FROM duckdb_columns() c
JOIN _cch.mirrors m ON m.schema_name = c.schema_name AND m.table_name = c.table_name
WHERE c.database_name = current_database()
ORDER BY c.schema_name, c.table_name, c.column_index`

func loadMirror(ctx context.Context, db *sql.DB) (mirror, string, error) {
	rows, err := db.QueryContext(ctx, mirrorSQL)
	if err != nil {
		return nil, "", fmt.Errorf("mirror tables: %w", err)
	}
	defer rows.Close()
	m := mirror{}
	h := sha256.New()
	for rows.Next() {
		var s, t, c string
		if err := rows.Scan(&s, &t, &c); err != nil {
			return nil, "", err
		}
		m[s+"."+t] = append(m[s+"."+t], c)
		fmt.Fprintf(h, "%s.%s.%s\n", s, t, c)
	}
	return m, hex.EncodeToString(h.Sum(nil)), rows.Err()
}

// Build attaches one in-memory catalogue per role (named cch_<role>_<gen>)
// and creates the helpers as macros and the visible tables as views in it.
// An object DuckDB refuses (an untranslatable policy, a missing mirror) is
// left out and listed in Hidden.
//
// derived are further statements run in every role's catalogue after its
// views (marts.Definitions): what binds over the role's views is created,
// and the views among it join the role's readable set; what reads a
// column or table the role cannot see fails to bind and is left out.
func Build(ctx context.Context, db *sql.DB, rules *Rules, m mirror, gen int64, derived []string) (*Set, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	s := &Set{roles: map[string]*roleSet{}, hidden: slices.Clone(rules.Hidden)}
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&s.main); err != nil {
		return nil, err
	}
	defer func() { // the pooled connection goes back on the main catalogue, or not at all
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "USE "+quote(s.main)); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	for role, rels := range rules.Roles {
		if !identRE.MatchString(role) {
			return nil, fmt.Errorf("role name %q", role)
		}
		rs := &roleSet{catalog: fmt.Sprintf("cch_%s_%d", role, gen), views: map[string]View{}}
		s.roles[role] = rs
		if err := s.buildRole(ctx, conn, rs, rules.Functions, rels, m, derived); err != nil {
			_ = s.drop(context.WithoutCancel(ctx), db)
			return nil, fmt.Errorf("views of %s: %w", role, err)
		}
	}
	sort.Strings(s.hidden)
	return s, nil
}

// ddl is one object to create: a macro or a view.
type ddl struct {
	name, sql string
	view      *View
}

func (s *Set) buildRole(ctx context.Context, conn *sql.Conn, rs *roleSet, fns []Function, rels []Relation, m mirror, derived []string) error {
	if err := s.buildViews(ctx, conn, rs, rs.catalog, fns, rels, m, true); err != nil {
		return err
	}
	if len(derived) > 0 {
		// The derived statements (the marts) read the mirror's text forms
		// of enums and ranges: they run in a second catalogue of the same
		// views untyped, and the role's catalogue reads their views from
		// there. Only what the role's catalogue holds is derived from.
		rs.derived = rs.catalog + "_derived"
		var held []Relation
		for _, rel := range rels {
			if _, ok := rs.views[rel.Key()]; ok {
				held = append(held, rel)
			}
		}
		if err := s.buildViews(ctx, conn, rs, rs.derived, fns, held, m, false); err != nil {
			return err
		}
		if err := s.buildDerived(ctx, conn, rs, derived); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// buildViews attaches catalog and creates the helpers and views in it;
// typed views (the role's own) type enum and range columns and are the
// ones recorded and whose refusals are listed in Hidden.
func (s *Set) buildViews(ctx context.Context, conn *sql.Conn, rs *roleSet, catalog string, fns []Function, rels []Relation, m mirror, typed bool) error {
	if _, err := conn.ExecContext(ctx, "ATTACH ':memory:' AS "+quote(catalog)+"; USE "+quote(catalog)); err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	schemas := map[string]bool{}
	var todo []ddl
	for _, f := range fns {
		schemas[f.Schema] = true
		params := make([]string, len(f.Params))
		for i, p := range f.Params {
			params[i] = quote(p)
		}
		todo = append(todo, ddl{name: "function " + f.Schema + "." + f.Name, sql: fmt.Sprintf("CREATE MACRO %s.%s(%s) AS %s",
			quote(f.Schema), quote(f.Name), strings.Join(params, ", "), f.Body)})
	}
	for _, rel := range rels {
		v, why := s.view(catalog, rel, m, typed)
		if why != "" {
			if typed {
				s.hidden = append(s.hidden, catalog+": "+rel.Key()+": "+why)
			}
			continue
		}
		schemas[rel.Schema] = true
		todo = append(todo, ddl{name: rel.Key(), sql: fmt.Sprintf("CREATE VIEW %s.%s AS %s", quote(rel.Schema), quote(rel.Name), v.SQL), view: &v})
	}
	for sc := range schemas {
		if _, err := conn.ExecContext(ctx, "CREATE SCHEMA "+quote(sc)); err != nil {
			return fmt.Errorf("schema %s: %w", sc, err)
		}
	}
	// Objects refer to one another (a policy's subquery reads another
	// view, a view calls a macro): create what binds until nothing more does.
	for progress := true; progress && len(todo) > 0; {
		progress = false
		var left []ddl
		for _, d := range todo {
			if _, err := conn.ExecContext(ctx, d.sql); err != nil {
				left = append(left, d)
				continue
			}
			progress = true
			if d.view != nil && typed {
				rs.views[d.view.Key()] = *d.view
			}
		}
		todo = left
	}
	for _, d := range todo {
		_, err := conn.ExecContext(ctx, d.sql)
		if typed {
			s.hidden = append(s.hidden, fmt.Sprintf("%s: %s: %v", catalog, d.name, err))
		}
	}
	return ctx.Err()
}

var derivedViewRE = regexp.MustCompile(`(?im)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s`)

// buildDerived runs the derived statements in order in the role's derived
// catalogue; a view that binds becomes readable in the role's catalogue,
// as a view of the same name reading it.
func (s *Set) buildDerived(ctx context.Context, conn *sql.Conn, rs *roleSet, derived []string) error {
	schemas := map[string]bool{}
	for _, st := range derived {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			if m := derivedViewRE.FindStringSubmatch(st); m != nil {
				s.hidden = append(s.hidden, fmt.Sprintf("%s: %s.%s: %v", rs.catalog, m[1], m[2], firstLine(err.Error())))
			}
			continue
		}
		m := derivedViewRE.FindStringSubmatch(st)
		if m == nil { // a schema or macro: the role's queries call the macros too
			if err := s.inCatalog(ctx, conn, rs.catalog, rs.derived, st); err != nil {
				s.hidden = append(s.hidden, fmt.Sprintf("%s: %s: %v", rs.catalog, firstLine(st), firstLine(err.Error())))
			}
			continue
		}
		if !schemas[m[1]] {
			if _, err := conn.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quote(rs.catalog)+"."+quote(m[1])); err != nil {
				return fmt.Errorf("schema %s: %w", m[1], err)
			}
			schemas[m[1]] = true
		}
		through := fmt.Sprintf("CREATE VIEW %s.%s.%s AS SELECT * FROM %s.%s.%s", quote(rs.catalog), quote(m[1]), quote(m[2]),
			quote(rs.derived), quote(m[1]), quote(m[2]))
		if _, err := conn.ExecContext(ctx, through); err != nil {
			s.hidden = append(s.hidden, fmt.Sprintf("%s: %s.%s: %v", rs.catalog, m[1], m[2], firstLine(err.Error())))
			continue
		}
		v := View{Relation: Relation{Schema: m[1], Name: m[2]}, Catalog: rs.catalog, SQL: through}
		rs.views[v.Key()] = v
	}
	return nil
}

// inCatalog runs st in catalog, then makes back the current catalogue again.
func (s *Set) inCatalog(ctx context.Context, conn *sql.Conn, catalog, back, st string) error {
	if _, err := conn.ExecContext(ctx, "USE "+quote(catalog)); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, st)
	if _, uerr := conn.ExecContext(ctx, "USE "+quote(back)); uerr != nil {
		return errors.Join(err, uerr)
	}
	return err
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// view is rel's view over the mirror table, or why there is none; typed
// views give enum and range columns their DuckDB types.
func (s *Set) view(catalog string, rel Relation, m mirror, typed bool) (View, string) {
	have := m[rel.Schema+"."+rel.Name]
	if have == nil {
		return View{}, "not mirrored"
	}
	var cols, quoted []string
	for _, c := range rel.Columns {
		if !slices.Contains(have, c) {
			continue
		}
		cols = append(cols, c)
		if ct, ok := rel.Types[c]; ok && typed {
			quoted = append(quoted, ct.Expr(quote(rel.Name)+"."+quote(c))+" AS "+quote(c))
		} else {
			quoted = append(quoted, quote(c))
		}
	}
	if len(cols) == 0 {
		return View{}, "no granted column is mirrored"
	}
	rel.Columns = cols
	sql := fmt.Sprintf("SELECT %s FROM %s.%s.%s AS %s WHERE %s", strings.Join(quoted, ", "),
		quote(s.main), quote(rel.Schema), quote(rel.Name), quote(rel.Name), rel.Filter)
	return View{Relation: rel, Catalog: catalog, SQL: sql}, ""
}

// drop detaches the set's catalogues.
func (s *Set) drop(ctx context.Context, db *sql.DB) error {
	var errs []error
	for _, r := range s.roles {
		for _, c := range []string{r.catalog, r.derived} {
			if c == "" {
				continue
			}
			if _, err := db.ExecContext(ctx, "DETACH DATABASE IF EXISTS "+quote(c)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// quote is a DuckDB identifier.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
