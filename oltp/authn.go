package oltp

import (
	"context"
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
	p, err := a.verify(c.Request.Context(), c.ClientIP(), token)
	if err != nil {
		WriteError(c, err)
		return Principal{}, false
	}
	c.Set(principalKey, p) // the request log names the caller
	return p, true
}

// PrincipalOf resolves a bearer token (cch_…) for transports other than
// HTTP (the warehouse's Flight SQL server). Unknown, expired, revoked and
// malformed tokens all return Unauthenticated(); a token id over its
// failed-authentication limit returns TooManyFailures.
func (a *API) PrincipalOf(ctx context.Context, token string) (Principal, error) {
	return a.verify(ctx, "", token)
}
