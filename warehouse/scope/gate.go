package scope

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Refusal is why the gate refused a statement. Forbidden refusals name
// something out of the caller's reach (HTTP 403); the others are not one
// readable SELECT (HTTP 400).
type Refusal struct {
	Forbidden bool
	Reason    string
}

func (r *Refusal) Error() string { return r.Reason }

func forbid(format string, args ...any) error {
	return &Refusal{Forbidden: true, Reason: fmt.Sprintf(format, args...)}
}

// Queryer runs a query on one DuckDB connection (*duckdb.Conn).
type Queryer interface {
	QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error)
}

// Parse returns DuckDB's syntax tree of query (json_serialize_sql), or a
// Refusal when it is not exactly one SELECT.
func Parse(ctx context.Context, c Queryer, query string) ([]byte, error) {
	rows, err := c.QueryContext(ctx, "SELECT CAST(json_serialize_sql(CAST(? AS VARCHAR)) AS VARCHAR)",
		[]driver.NamedValue{{Ordinal: 1, Value: query}})
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	defer rows.Close()
	v := make([]driver.Value, 1)
	if err := rows.Next(v); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse: %w", err)
	}
	s, _ := v[0].(string)
	var head struct {
		Error      bool              `json:"error"`
		Message    string            `json:"error_message"`
		Statements []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(s), &head); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	switch {
	case head.Error && strings.Contains(head.Message, "Only SELECT"):
		return nil, forbid("only SELECT statements are allowed")
	case head.Error:
		return nil, &Refusal{Reason: "invalid SQL: " + head.Message}
	case len(head.Statements) != 1:
		return nil, &Refusal{Reason: "send exactly one SELECT statement"}
	}
	return head.Statements[0], nil
}

// TableFunctions may appear in FROM: they generate values and read nothing.
var TableFunctions = map[string]bool{"range": true, "generate_series": true, "unnest": true}

// deniedFunctions read session state, settings, sequences or the catalogue's
// definitions, or execute SQL given as a value.
var deniedFunctions = map[string]bool{
	"getvariable": true, "current_setting": true, "set_variable": true, "nextval": true, "currval": true,
	"setseed": true, "getenv": true, "current_database": true, "current_catalog": true, "current_schema": true,
	"current_schemas": true, "json_serialize_sql": true, "json_deserialize_sql": true,
	"json_execute_serialized_sql": true, "query": true, "query_table": true, "sql_auto_complete": true,
	"col_description": true, "obj_description": true, "shobj_description": true, "has_table_privilege": true,
	"has_schema_privilege": true, "has_any_column_privilege": true, "has_column_privilege": true,
	"has_database_privilege": true, "has_function_privilege": true, "has_sequence_privilege": true,
	"has_server_privilege": true, "has_tablespace_privilege": true, "has_foreign_data_wrapper_privilege": true,
	"has_language_privilege": true, "can_cast_implicitly": true,
}

// deniedPrefixes are families of catalogue functions.
var deniedPrefixes = []string{"duckdb_", "pragma_", "pg_get_", "pg_ts_", "pg_has_", "pg_is_", "pg_conversion", "pg_size"}

// bombLimit bounds a constant size argument of the functions that build
// big values from small text (repeat, lpad, …).
const bombLimit = 10_000_000

var sizeArg = map[string]int{"repeat": 1, "lpad": 1, "rpad": 1, "list_resize": 1, "array_resize": 1}

// tableRefKinds are the FROM items a SELECT may use.
var tableRefKinds = map[string]bool{"BASE_TABLE": true, "JOIN": true, "SUBQUERY": true, "TABLE_FUNCTION": true,
	"EXPRESSION_LIST": true, "EMPTY": true, "PIVOT": true}

// Check admits a parsed statement (Parse) for role when every table it
// names is one of the role's views (qualified by schema, optionally by
// the role's catalogue) or a CTE in scope, every table function is in
// TableFunctions and no denied function is called.
func (s *Set) Check(role string, stmt []byte) error {
	r := s.roles[role]
	if r == nil {
		return forbid("the %s role has no warehouse tables", role)
	}
	return CheckTree(stmt, func(catalog, schema, name string) bool {
		if catalog != "" && !strings.EqualFold(catalog, r.catalog) {
			return false
		}
		_, ok := r.views[strings.ToLower(schema+"."+name)]
		return ok
	})
}

// CheckTree is Check over a statement's tree with the visible relations
// given by allowed (names as written; the caller folds case).
func CheckTree(stmt []byte, allowed func(catalog, schema, name string) bool) error {
	var tree any
	d := json.NewDecoder(strings.NewReader(string(stmt)))
	d.UseNumber()
	if err := d.Decode(&tree); err != nil {
		return &Refusal{Reason: "invalid SQL: " + err.Error()}
	}
	w := walker{allowed: allowed}
	return w.walk(tree, nil)
}

type walker struct {
	allowed func(catalog, schema, name string) bool
}

func (w walker) walk(node any, ctes []string) error {
	switch v := node.(type) {
	case []any:
		for _, e := range v {
			if err := w.walk(e, ctes); err != nil {
				return err
			}
		}
	case map[string]any:
		ctes = append(ctes, cteNames(v)...)
		if err := w.node(v, ctes); err != nil {
			return err
		}
		for _, e := range v {
			if err := w.walk(e, ctes); err != nil {
				return err
			}
		}
	}
	return nil
}

// cteNames are the names a node's WITH clause declares (in scope in the
// whole node: its CTEs, its FROM and its subqueries).
func cteNames(n map[string]any) []string {
	cm, _ := n["cte_map"].(map[string]any)
	entries, _ := cm["map"].([]any)
	var names []string
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok {
			if k, ok := m["key"].(string); ok {
				names = append(names, strings.ToLower(k))
			}
		}
	}
	return names
}

func (w walker) node(n map[string]any, ctes []string) error {
	typ, _ := n["type"].(string)
	if _, isExpr := n["class"]; !isExpr {
		_, sample := n["sample"]
		_, alias := n["alias"]
		if sample && alias && !tableRefKinds[typ] { // a FROM item (query nodes have no alias)
			if typ == "SHOW_REF" {
				return forbid("DESCRIBE, SHOW and SUMMARIZE are not allowed")
			}
			return forbid("%s is not allowed in FROM", strings.ToLower(strings.ReplaceAll(typ, "_", " ")))
		}
		switch typ {
		case "BASE_TABLE":
			return w.table(n, ctes)
		case "TABLE_FUNCTION":
			f, _ := n["function"].(map[string]any)
			name, _ := f["function_name"].(string)
			sch, _ := f["schema"].(string)
			cat, _ := f["catalog"].(string)
			if !TableFunctions[strings.ToLower(name)] || sch != "" || cat != "" {
				return forbid("table function %s is not allowed (allowed: range, generate_series, unnest)", name)
			}
		}
		return nil
	}
	if typ == "FUNCTION" {
		return function(n)
	}
	return nil
}

func (w walker) table(n map[string]any, ctes []string) error {
	cat, _ := n["catalog_name"].(string)
	sch, _ := n["schema_name"].(string)
	name, _ := n["table_name"].(string)
	full := strings.Trim(cat+"."+sch+"."+name, ".")
	for _, part := range []string{cat, sch, name} {
		for _, r := range part {
			if r > unicode.MaxASCII || unicode.IsControl(r) {
				return forbid("table name %q is not plain ASCII", full)
			}
		}
	}
	if at, ok := n["at_clause"]; ok && at != nil {
		return forbid("time travel (AT) is not allowed")
	}
	if cat == "" && sch == "" {
		for _, c := range ctes {
			if strings.EqualFold(c, name) {
				return nil
			}
		}
		return forbid("%s is not a table you may read (name tables by schema, e.g. core.customer)", full)
	}
	if sch == "" || !w.allowed(cat, sch, name) {
		return forbid("%s is not a table you may read", full)
	}
	return nil
}

func function(n map[string]any) error {
	name, _ := n["function_name"].(string)
	lower := strings.ToLower(name)
	if deniedFunctions[lower] {
		return forbid("function %s is not allowed", name)
	}
	for _, p := range deniedPrefixes {
		if strings.HasPrefix(lower, p) {
			return forbid("function %s is not allowed", name)
		}
	}
	if i, ok := sizeArg[lower]; ok {
		args, _ := n["children"].([]any)
		if i < len(args) && constant(args[i]) > bombLimit {
			return forbid("%s with a size over %d is not allowed", name, bombLimit)
		}
	}
	return nil
}

// constant is the value of an integer constant expression, or 0.
func constant(e any) float64 {
	m, _ := e.(map[string]any)
	if m["class"] == "CAST" {
		return constant(m["child"])
	}
	v, _ := m["value"].(map[string]any)
	num, _ := v["value"].(json.Number)
	f, _ := num.Float64()
	return f
}
