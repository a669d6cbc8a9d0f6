package oltp

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// ParamType is the type of a query parameter.
type ParamType string

// The query parameter types the API accepts.
const (
	ParamString  ParamType = "string"
	ParamInteger ParamType = "integer" // a positive integer unless Min/Max say otherwise
	ParamDate    ParamType = "date"    // YYYY-MM-DD
	ParamLSN     ParamType = "lsn"     // a PostgreSQL LSN such as 0/16B3748
	ParamCursor  ParamType = "cursor"  // a next_cursor this API issued
	ParamIDList  ParamType = "id_list" // comma-separated positive integers, at most 20
)

// Param declares one query parameter of a route. The declaration is both
// what the OpenAPI document says and what the API checks before the
// handler runs: a request with an undeclared parameter, a missing required
// one or a value of the wrong type, range, length or enum gets 400, and a
// handler can only read declared parameters (Call.Query).
type Param struct {
	Name     string
	Type     ParamType
	Required bool
	Enum     []string // allowed values (strings)
	Min, Max int64    // integer range; Min 0 means 1, Max 0 means unbounded
	MaxLen   int      // string length limit; 0 = 200
	Doc      string
}

// IDParam is an optional positive-integer filter such as branch_id.
func IDParam(name, doc string) Param { return Param{Name: name, Type: ParamInteger, Doc: doc} }

// EnumParam is an optional filter whose value is one of values.
func EnumParam(name string, values []string, doc string) Param {
	return Param{Name: name, Type: ParamString, Enum: values, Doc: doc}
}

// PageParams are the keyset page parameters every collection takes (see
// ParsePage).
var PageParams = []Param{
	{Name: "limit", Type: ParamInteger, Min: 1, Max: 200, Doc: "page size (default 50)"},
	{Name: "cursor", Type: ParamCursor, Doc: "next_cursor of the previous page"},
}

// minLSNParam is accepted by list and report reads (see Replica).
var minLSNParam = Param{Name: "min_lsn", Type: ParamLSN,
	Doc: "the read must see this position (an X-CCH-LSN of an earlier write); with a standby the read waits for it or is served by the primary"}

// Params returns the query parameters of a ListRows collection: the page,
// its ID filters and its enum filter.
func (s ListSpec) Params() []Param {
	out := slices.Clone(PageParams)
	for _, id := range s.IDs {
		out = append(out, IDParam(id, "only rows with this "+id))
	}
	if s.Enum != "" {
		out = append(out, EnumParam(s.Enum, s.EnumValues, "only rows with this "+s.Enum))
	}
	return out
}

func (p Param) min() int64 {
	if p.Min == 0 {
		return 1
	}
	return p.Min
}

func (p Param) maxLen() int {
	if p.MaxLen == 0 {
		return 200
	}
	return p.MaxLen
}

// check validates one value against the declaration.
func (p Param) check(v string) error {
	switch p.Type {
	case ParamInteger:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < p.min() || (p.Max != 0 && n > p.Max) {
			if p.Max != 0 {
				return BadRequest(fmt.Sprintf("%s must be an integer from %d to %d", p.Name, p.min(), p.Max))
			}
			return BadRequest(fmt.Sprintf("%s must be an integer of at least %d", p.Name, p.min()))
		}
	case ParamDate:
		_, err := ParseDate(p.Name, v)
		return err
	case ParamLSN:
		if !validLSN(v) {
			return BadRequest(p.Name + " must be a PostgreSQL LSN such as 0/16B3748")
		}
	case ParamIDList:
		if _, err := ParseIDList(v); err != nil {
			return BadRequest(p.Name + " " + err.Error())
		}
	case ParamCursor:
		if v == "" || len(v) > 40 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return BadRequest(p.Name + " is not one this API issued")
		}
	default:
		if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
			return BadRequest(fmt.Sprintf("%s must be one of %s", p.Name, strings.Join(p.Enum, ", ")))
		}
		if len(v) > p.maxLen() {
			return BadRequest(fmt.Sprintf("%s is limited to %d characters", p.Name, p.maxLen()))
		}
	}
	return nil
}

// ParseQuery checks the request's query string against the declared
// parameters and returns the values, by name.
func ParseQuery(c *gin.Context, decl []Param) (map[string]string, error) {
	q := c.Request.URL.Query()
	out := map[string]string{}
	for name, vs := range q {
		i := slices.IndexFunc(decl, func(p Param) bool { return p.Name == name })
		if i < 0 {
			return nil, BadRequest(fmt.Sprintf("unknown query parameter %q; this operation takes %s", name, paramNames(decl)))
		}
		if len(vs) > 1 {
			return nil, BadRequest(fmt.Sprintf("query parameter %s is given more than once", name))
		}
		if err := decl[i].check(vs[0]); err != nil {
			return nil, err
		}
		out[name] = vs[0]
	}
	for _, p := range decl {
		if _, ok := out[p.Name]; p.Required && !ok {
			return nil, BadRequest(fmt.Sprintf("%s is required", p.Name))
		}
	}
	return out, nil
}

func paramNames(decl []Param) string {
	if len(decl) == 0 {
		return "no query parameters"
	}
	names := make([]string, len(decl))
	for i, p := range decl {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Query returns the value of the declared query parameter name ("" when
// absent); the API has already checked it against its declaration. It
// panics when the route does not declare name: reading an undeclared
// parameter is a programming error the route tests catch.
func (c *Call) Query(name string) string {
	if !slices.ContainsFunc(c.params, func(p Param) bool { return p.Name == name }) {
		panic(fmt.Sprintf("query parameter %q is not declared by this route", name))
	}
	return c.query[name]
}

// QueryInt returns the declared integer query parameter name (0 when
// absent).
func (c *Call) QueryInt(name string) int64 {
	s := c.Query(name)
	if s == "" {
		return 0
	}
	n, _ := strconv.ParseInt(s, 10, 64) // checked by ParseQuery
	return n
}

// queryParam returns the OpenAPI parameter object of p.
func (p Param) openAPI() map[string]any {
	schema := map[string]any{"type": "string"}
	switch p.Type {
	case ParamInteger:
		schema = map[string]any{"type": "integer", "format": "int64", "minimum": p.min()}
		if p.Max != 0 {
			schema["maximum"] = p.Max
		}
	case ParamDate:
		schema["format"] = "date"
	case ParamLSN:
		schema["pattern"] = `^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$`
	case ParamCursor:
		schema["pattern"] = `^[A-Za-z0-9_-]{1,40}$`
	case ParamIDList: // form style, not exploded: ?ids=1,2,3
		schema = map[string]any{"type": "array", "maxItems": maxIDList,
			"items": map[string]any{"type": "integer", "format": "int64", "minimum": 1}}
	default:
		if len(p.Enum) > 0 {
			schema["enum"] = p.Enum
		} else {
			schema["maxLength"] = p.maxLen()
		}
	}
	out := map[string]any{"name": p.Name, "in": "query", "required": p.Required, "schema": schema}
	if p.Type == ParamIDList {
		out["style"], out["explode"] = "form", false
	}
	if p.Doc != "" {
		out["description"] = p.Doc
	}
	return out
}

// maxIDList is the most ids a ParamIDList value may hold.
const maxIDList = 20

// ParseIDList parses a ParamIDList value: comma-separated positive
// integers, at most maxIDList of them.
func ParseIDList(s string) ([]int64, error) {
	parts := strings.Split(s, ",")
	if len(parts) > maxIDList {
		return nil, fmt.Errorf("holds at most %d ids", maxIDList)
	}
	ids := make([]int64, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return nil, errors.New("must be comma-separated positive integers")
		}
		ids = append(ids, id)
	}
	return ids, nil
}
