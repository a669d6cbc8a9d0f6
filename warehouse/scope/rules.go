package scope

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Querier reads the PostgreSQL catalogue (*pgx.Conn, *pgxpool.Pool).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Relation is one published table as a role may read it.
type Relation struct {
	Schema, Name string
	// Columns the role may SELECT, in table order.
	Columns []string
	// Filter is the DuckDB boolean the mirror row must satisfy: the
	// translated policies ("true" without row-level security).
	Filter string
	// Types are the columns the view types (enums, ranges), by name.
	Types map[string]ColumnType
}

// Key is "schema.name" in lower case.
func (r Relation) Key() string { return strings.ToLower(r.Schema + "." + r.Name) }

// Function is a SQL-language helper the policies call, as a DuckDB macro.
type Function struct {
	Schema, Name string
	Params       []string
	Body         string // a DuckDB expression
}

// Rules are the warehouse rules derived from one read of the catalogue.
type Rules struct {
	// Roles maps a business role to the relations it may read.
	Roles map[string][]Relation
	// Functions are the helpers the filters call.
	Functions []Function
	// Hidden lists "role: schema.table: reason" for published tables a
	// role cannot read at all.
	Hidden []string
}

// Signature identifies the rules: equal rules, equal signatures.
func (r *Rules) Signature() string {
	h := sha256.New()
	roles := make([]string, 0, len(r.Roles))
	for role := range r.Roles {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		for _, rel := range r.Roles[role] {
			fmt.Fprintf(h, "%s|%s|%s|%q|%s|%v\n", role, rel.Schema, rel.Name, rel.Columns, rel.Filter, rel.Types)
		}
	}
	for _, f := range r.Functions {
		fmt.Fprintf(h, "%s.%s(%q)=%s\n", f.Schema, f.Name, f.Params, f.Body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// tablesSQL lists the published tables with what $1 may read of them.
const tablesSQL = `
SELECT c.oid::bigint, pt.schemaname::text, pt.tablename::text, c.relrowsecurity, r.rolbypassrls,
       has_schema_privilege($1, c.relnamespace, 'USAGE'),
       coalesce(array_agg(a.attname::text ORDER BY a.attnum)
         FILTER (WHERE has_column_privilege($1, c.oid, a.attnum, 'SELECT')
                   AND (pt.attnames IS NULL OR a.attname = ANY (pt.attnames))), '{}')
FROM pg_publication_tables pt
JOIN pg_namespace n ON n.nspname = pt.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_roles r ON r.rolname = $1
WHERE pt.pubname = $2
GROUP BY 1, 2, 3, 4, 5, 6
ORDER BY 2, 3`

// policiesSQL lists the SELECT policies that apply to $1: FOR SELECT or
// FOR ALL, to PUBLIC or a role $1 is a member of.
const policiesSQL = `
SELECT p.polrelid::bigint, p.polname::text, p.polpermissive, pg_get_expr(p.polqual, p.polrelid)
FROM pg_policy p
WHERE p.polcmd IN ('r', '*')
  AND (0::oid = ANY (p.polroles)
       OR EXISTS (SELECT 1 FROM unnest(p.polroles) pr WHERE pr <> 0 AND pg_has_role($1, pr, 'MEMBER')))
ORDER BY p.polrelid, p.polname`

type policy struct {
	name       string
	permissive bool
	qual       *string
}

// Load reads the rules of every business role (name → database role) for
// the tables of publication pub.
func Load(ctx context.Context, q Querier, pub string, roles map[string]string) (*Rules, error) {
	tr, err := loadTranslator(ctx, q)
	if err != nil {
		return nil, err
	}
	types, err := loadTypes(ctx, q, pub)
	if err != nil {
		return nil, err
	}
	rules := &Rules{Roles: map[string][]Relation{}}
	for role, dbRole := range roles {
		rels, hidden, err := loadRole(ctx, q, pub, dbRole, tr, types)
		if err != nil {
			return nil, fmt.Errorf("rules of %s: %w", role, err)
		}
		rules.Roles[role] = rels
		for _, h := range hidden {
			rules.Hidden = append(rules.Hidden, role+": "+h)
		}
	}
	sort.Strings(rules.Hidden)
	rules.Functions = tr.functions()
	return rules, nil
}

func loadRole(ctx context.Context, q Querier, pub, dbRole string, tr *translator, types map[string]map[string]ColumnType) ([]Relation, []string, error) {
	pols, err := loadPolicies(ctx, q, dbRole)
	if err != nil {
		return nil, nil, err
	}
	rows, err := q.Query(ctx, tablesSQL, dbRole, pub)
	if err != nil {
		return nil, nil, fmt.Errorf("published tables: %w", err)
	}
	defer rows.Close()
	var rels []Relation
	var hidden []string
	for rows.Next() {
		var oid int64
		var rel Relation
		var rls, bypass, usage bool
		if err := rows.Scan(&oid, &rel.Schema, &rel.Name, &rls, &bypass, &usage, &rel.Columns); err != nil {
			return nil, nil, err
		}
		switch {
		case !usage:
			hidden = append(hidden, rel.Key()+": no USAGE on the schema")
			continue
		case len(rel.Columns) == 0:
			hidden = append(hidden, rel.Key()+": no column granted")
			continue
		case !rls || bypass:
			rel.Filter = "true"
		default:
			if rel.Filter, err = tr.filter(pols[oid], rel.Name); err != nil {
				hidden = append(hidden, rel.Key()+": "+err.Error())
				continue
			}
		}
		for _, c := range rel.Columns {
			if ct, ok := types[rel.Key()][c]; ok {
				if rel.Types == nil {
					rel.Types = map[string]ColumnType{}
				}
				rel.Types[c] = ct
			}
		}
		rels = append(rels, rel)
	}
	return rels, hidden, rows.Err()
}

func loadPolicies(ctx context.Context, q Querier, dbRole string) (map[int64][]policy, error) {
	rows, err := q.Query(ctx, policiesSQL, dbRole)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	defer rows.Close()
	pols := map[int64][]policy{}
	for rows.Next() {
		var oid int64
		var p policy
		if err := rows.Scan(&oid, &p.name, &p.permissive, &p.qual); err != nil {
			return nil, err
		}
		pols[oid] = append(pols[oid], p)
	}
	return pols, rows.Err()
}

// filter combines a table's policies as PostgreSQL does: every restrictive
// one AND at least one permissive one; no permissive policy, no rows.
func (t *translator) filter(pols []policy, alias string) (string, error) {
	var perm, restr []string
	for _, p := range pols {
		if p.qual == nil { // no USING: the policy admits no row for SELECT
			if p.permissive {
				continue
			}
			return "false", nil
		}
		e, err := t.expr(*p.qual, alias)
		if err != nil {
			return "", fmt.Errorf("policy %s: %w", p.name, err)
		}
		if p.permissive {
			perm = append(perm, "("+e+")")
		} else {
			restr = append(restr, "("+e+")")
		}
	}
	if len(perm) == 0 {
		return "false", nil
	}
	return strings.Join(append(restr, "("+strings.Join(perm, " OR ")+")"), " AND "), nil
}

// identRE matches a lower-case identifier.
var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
