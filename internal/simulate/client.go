package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// client calls the API as one of the demo staff.
type client struct {
	base   string
	tokens map[string]string
	http   *http.Client
}

// reply is an API answer.
type reply struct {
	status int
	etag   string
	body   []byte
}

// apiError is a refusal by the API (any status but the expected one).
type apiError struct {
	method, path string
	status       int
	kind         string // the problem type's last path segment, e.g. slot-taken
	body         string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.method, e.path, e.status, e.body)
}

// do sends a request as role and decodes a reply of status want into out
// (nil: ignore the body). ifMatch, when set, is sent as If-Match.
func (c *client) do(ctx context.Context, role, method, path string, body any, ifMatch string, want int, out any) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.tokens[role])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return reply{}, err
	}
	r := reply{status: resp.StatusCode, etag: resp.Header.Get("ETag"), body: b}
	if resp.StatusCode != want {
		var p struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(b, &p)
		return r, &apiError{method: method, path: path, status: resp.StatusCode, kind: p.Type[strings.LastIndex(p.Type, "/")+1:],
			body: string(b[:min(len(b), 300)])}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return r, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return r, nil
}
