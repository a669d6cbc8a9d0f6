package scope

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// translator turns PostgreSQL policy expressions (pg_get_expr) and the
// bodies of the SQL functions they call into DuckDB SQL. It knows a few
// spellings that differ and refuses anything else it cannot vouch for, so
// that a policy it cannot translate hides its table instead of opening it.
type translator struct {
	enums   map[string]bool      // "schema.type" of every enum
	funcs   map[string]pgFunc    // "schema.name" of every user function
	done    map[string]*Function // translated, reachable from a policy
	failed  map[string]error     // untranslatable, with the reason
	working map[string]bool      // being translated (recursion guard)
}

type pgFunc struct {
	schema, name string
	params       []string
	nargs        int
	src, lang    string
	secdef       bool
	volatile     string
}

const functionsSQL = `
SELECT n.nspname::text, p.proname::text, coalesce(p.proargnames::text[], '{}'), p.pronargs::int, coalesce(p.prosrc, ''),
       l.lanname::text, p.prosecdef, p.provolatile::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%' AND p.prokind = 'f'`

const enumsSQL = `
SELECT n.nspname::text || '.' || t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e'`

func loadTranslator(ctx context.Context, q Querier) (*translator, error) {
	t := &translator{enums: map[string]bool{}, funcs: map[string]pgFunc{}, done: map[string]*Function{},
		failed: map[string]error{}, working: map[string]bool{}}
	rows, err := q.Query(ctx, enumsSQL)
	if err != nil {
		return nil, fmt.Errorf("enum types: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		t.enums[name] = true
	}
	rows.Close()
	if rows, err = q.Query(ctx, functionsSQL); err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f pgFunc
		if err := rows.Scan(&f.schema, &f.name, &f.params, &f.nargs, &f.src, &f.lang, &f.secdef, &f.volatile); err != nil {
			return nil, err
		}
		key := f.schema + "." + f.name
		if _, dup := t.funcs[key]; dup { // overloaded: not translated
			t.failed[key] = fmt.Errorf("function %s is overloaded", key)
		}
		t.funcs[key] = f
	}
	return t, rows.Err()
}

var (
	castRE    = regexp.MustCompile(`::"?([a-z_][a-z0-9_]*)"?\."?([a-z_][a-z0-9_]*)"?`)
	callRE    = regexp.MustCompile(`\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s*\(`)
	settingRE = regexp.MustCompile(`current_setting\(\s*'([a-z_][a-z0-9_.]*)'\s*,\s*true\s*\)`)
	// appSettingRE is core.app_setting('name'), through which the helpers
	// read the request context: app.<name> for an API request, or what a
	// reporting login's name derives (PostgreSQL sessions only). The
	// warehouse's callers are API callers, whose context is the app
	// variable, so it translates as current_setting('app.<name>', true).
	appSettingRE = regexp.MustCompile(`\bcore\.app_setting\(\s*'([a-z_][a-z0-9_]*)'\s*\)`)
)

// expr translates one expression of the table alias (a policy's table; ""
// in a function body): casts to enum types become VARCHAR (the mirror
// keeps enums as text), the empty array literal becomes [], and every
// schema-qualified call must be a translatable SQL function.
func (t *translator) expr(pg, alias string) (string, error) {
	var err error
	out := castRE.ReplaceAllStringFunc(pg, func(m string) string {
		s := castRE.FindStringSubmatch(m)
		if !t.enums[s[1]+"."+s[2]] {
			err = fmt.Errorf("cast to %s.%s", s[1], s[2])
		}
		return "::VARCHAR"
	})
	if err != nil {
		return "", err
	}
	out = strings.ReplaceAll(out, "'{}'", "[]")
	for _, m := range callRE.FindAllStringSubmatch(out, -1) {
		if err := t.function(m[1] + "." + m[2]); err != nil {
			return "", err
		}
	}
	if alias != "" {
		out = qualifyArgs(out, alias)
	}
	if strings.Contains(out, "current_setting") {
		return "", fmt.Errorf("reads a setting the warehouse does not carry")
	}
	if err := plainCalls(out); err != nil {
		return "", err
	}
	return out, nil
}

// function translates the SQL function key into a macro, once.
func (t *translator) function(key string) error {
	if t.done[key] != nil {
		return nil
	}
	if err := t.failed[key]; err != nil {
		return err
	}
	f, ok := t.funcs[key]
	switch {
	case !ok:
		return fmt.Errorf("calls %s, not a function of the database", key)
	case t.working[key]:
		return fmt.Errorf("function %s is recursive", key)
	case f.lang != "sql":
		return fmt.Errorf("function %s is %s, not SQL", key, f.lang)
	case f.secdef:
		return fmt.Errorf("function %s is SECURITY DEFINER (it reads past the caller's policies)", key)
	case f.volatile == "v":
		return fmt.Errorf("function %s is VOLATILE", key)
	case len(f.params) < f.nargs:
		return fmt.Errorf("function %s has unnamed parameters", key)
	}
	for _, p := range f.params[:f.nargs] {
		if !identRE.MatchString(p) {
			return fmt.Errorf("function %s: parameter name %q", key, p)
		}
	}
	t.working[key] = true
	defer delete(t.working, key)
	body := strings.TrimSpace(f.src)
	body = strings.TrimSpace(strings.TrimSuffix(body, ";"))
	body = appSettingRE.ReplaceAllString(body, "current_setting('"+contextVariable+".$1', true)")
	body = settingRE.ReplaceAllStringFunc(body, func(m string) string {
		name := settingRE.FindStringSubmatch(m)[1]
		prefix, field, ok := strings.Cut(name, ".")
		if !ok || prefix != contextVariable {
			return m // left for expr to refuse
		}
		return fmt.Sprintf("struct_extract(getvariable('%s'), '%s')", contextVariable, field)
	})
	body, err := t.expr(body, "")
	if err != nil {
		t.failed[key] = fmt.Errorf("function %s: %w", key, err)
		return t.failed[key]
	}
	t.done[key] = &Function{Schema: f.schema, Name: f.name, Params: f.params[:f.nargs], Body: "(" + unwrapSelect(body) + ")"}
	return nil
}

var selectRE = regexp.MustCompile(`(?is)^SELECT\s+(.*)$`)

// unwrapSelect turns "SELECT expr" without a FROM of its own into expr: a
// plain expression lets DuckDB fold the request context into a constant
// and push the filter into the scan, where a scalar subquery would not.
func unwrapSelect(body string) string {
	m := selectRE.FindStringSubmatch(body)
	if m == nil {
		return body
	}
	depth := 0
	for i := 0; i < len(m[1]); i++ {
		switch m[1][i] {
		case '(':
			depth++
		case ')':
			depth--
		case '\'':
			if j := strings.IndexByte(m[1][i+1:], '\''); j >= 0 {
				i += j + 1
			}
		default:
			if depth == 0 && len(m[1]) >= i+4 && strings.EqualFold(m[1][i:i+4], "from") &&
				(i == 0 || !isIdent(m[1][i-1])) && (len(m[1]) == i+4 || !isIdent(m[1][i+4])) {
				return body
			}
		}
	}
	return m[1]
}

func isIdent(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// functions lists the translated functions in a stable order.
func (t *translator) functions() []Function {
	keys := make([]string, 0, len(t.done))
	for k := range t.done {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fs := make([]Function, len(keys))
	for i, k := range keys {
		fs[i] = *t.done[k]
	}
	return fs
}

var bareRE = regexp.MustCompile(`^"?[a-z_][a-z0-9_]*"?$`)

// qualifyArgs qualifies with alias every argument of a schema-qualified
// call that is a bare column name. PostgreSQL prints a policy's own
// columns bare (and qualifies every column inside a subquery); a DuckDB
// macro pastes its arguments into its body, where a bare name would bind
// to a column of the body's own tables instead.
func qualifyArgs(s, alias string) string {
	var b strings.Builder
	for {
		loc := callRE.FindStringIndex(s)
		if loc == nil {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:loc[1]])
		s = s[loc[1]:]
		end, depth := len(s), 1
		for i, r := range s {
			if r == '(' {
				depth++
			} else if r == ')' {
				if depth--; depth == 0 {
					end = i
					break
				}
			}
		}
		args := splitTop(s[:end])
		for i, a := range args {
			args[i] = strings.TrimSpace(a)
			if bareRE.MatchString(args[i]) && args[i] != "true" && args[i] != "false" && args[i] != "null" {
				args[i] = quote(alias) + "." + args[i]
			}
		}
		b.WriteString(qualifyArgs(strings.Join(args, ", "), alias))
		s = s[end:]
	}
}

// splitTop splits s at the commas outside parentheses.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return append(parts, s[start:])
}

var (
	plainCallRE = regexp.MustCompile(`(?i)(^|[^.a-z0-9_"])("?[a-z_][a-z0-9_]*"?)\s*\(`)
	sessionRE   = regexp.MustCompile(`\b(current_user|session_user|current_role|user|current_schema|current_database)\b`)
	quotedRE    = regexp.MustCompile(`'(?:[^']|'')*'`)
	// sameInBoth are the unqualified functions (and keywords before a
	// parenthesis) that mean the same in PostgreSQL and DuckDB; any other
	// plain call hides the table, as its meaning might differ.
	sameInBoth = map[string]bool{"coalesce": true, "nullif": true, "string_to_array": true, "lower": true,
		"upper": true, "length": true, "abs": true, "greatest": true, "least": true, "getvariable": true,
		"struct_extract": true, "exists": true, "any": true, "all": true, "in": true, "and": true, "or": true,
		"not": true, "select": true, "from": true, "where": true, "on": true, "join": true, "as": true,
		"then": true, "else": true, "when": true, "case": true, "is": true, "array": true, "values": true}
)

// plainCalls refuses unqualified calls outside sameInBoth and the session
// functions whose DuckDB namesakes answer something else.
func plainCalls(e string) error {
	e = quotedRE.ReplaceAllString(e, "''")
	if m := sessionRE.FindString(e); m != "" {
		return fmt.Errorf("reads %s, which the warehouse does not carry", m)
	}
	for _, m := range plainCallRE.FindAllStringSubmatch(e, -1) {
		if !sameInBoth[strings.ToLower(m[2])] { // a quoted name keeps its quotes: never in the list
			return fmt.Errorf("calls %s(), not known to mean the same in DuckDB", m[2])
		}
	}
	return nil
}
