package oltp

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// Authenticate resolves the request's bearer token to a Principal for
// routes mounted outside the /v1 transaction machinery (the warehouse's
// analytics and SQL endpoints, which read DuckDB, not Postgres). On
// failure it writes the same 401 problem as every /v1 route and returns
// false; the caller must then stop.
func (a *API) Authenticate(c *gin.Context) (Principal, bool) {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok {
		WriteError(c, Unauthenticated())
		return Principal{}, false
	}
	id, hash, err := ParseToken(strings.TrimSpace(token))
	if err != nil {
		WriteError(c, Unauthenticated())
		return Principal{}, false
	}
	p, err := a.lookupToken(c.Request.Context(), id, hash)
	if err != nil {
		WriteError(c, err)
		return Principal{}, false
	}
	return p, true
}
