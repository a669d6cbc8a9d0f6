package dashboards

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/oltp"
)

// streamLimits caps the live streams (server-sent events) open at once,
// per bearer token and in the whole process: each holds a connection and a
// goroutine, and a client must not be able to open them without bound.
// Safe for concurrent use.
type streamLimits struct {
	perToken, total int
	mu              sync.Mutex
	open            int
	byToken         map[int64]int
}

func newStreamLimits(perToken, total int) *streamLimits {
	return &streamLimits{perToken: perToken, total: total, byToken: map[int64]int{}}
}

// acquire takes a stream slot for token; it returns the release func, or
// an error (429) when a cap is reached.
func (l *streamLimits) acquire(token int64) (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.total || l.byToken[token] >= l.perToken {
		return nil, &oltp.Error{Kind: "too-many-streams", Status: http.StatusTooManyRequests, Title: "Too many live streams",
			Detail:     fmt.Sprintf("at most %d live dashboard streams per token and %d per server; close one and retry", l.perToken, l.total),
			RetryAfter: 5 * time.Second}
	}
	l.open++
	l.byToken[token]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.open--
			if l.byToken[token]--; l.byToken[token] <= 0 {
				delete(l.byToken, token)
			}
		})
	}, nil
}

// renders shares a page's render among every stream showing the same view
// (page, viewer scope, filters) at the same applied LSN: when the LSN
// moves, the first stream to ask renders and the others wait for its
// result, so a refresh costs one set of queries however many streams are
// open, and its blocks are broadcast to all. Failed renders are not kept.
// Safe for concurrent use.
type renders struct {
	mu  sync.Mutex
	lsn cdc.LSN
	m   map[string]*sharedRender
}

type sharedRender struct {
	done chan struct{}
	r    rendered
	err  error
}

// renderTimeout bounds one shared render, which runs on behalf of every
// waiting stream and so is not tied to any one request.
const renderTimeout = 30 * time.Second

func newRenders() *renders { return &renders{m: map[string]*sharedRender{}} }

// get returns the render of key at lsn, running render once for all
// callers.
func (rs *renders) get(ctx context.Context, key string, lsn cdc.LSN, render func(context.Context) (rendered, error)) (rendered, error) {
	rs.mu.Lock()
	if lsn > rs.lsn {
		rs.lsn, rs.m = lsn, map[string]*sharedRender{}
	}
	if lsn < rs.lsn { // a straggler: answer it alone
		rs.mu.Unlock()
		return render(ctx)
	}
	s, ok := rs.m[key]
	if !ok {
		s = &sharedRender{done: make(chan struct{})}
		rs.m[key] = s
	}
	rs.mu.Unlock()
	if !ok {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), renderTimeout)
		s.r, s.err = render(rctx)
		cancel()
		if s.err != nil {
			rs.mu.Lock()
			if rs.m[key] == s {
				delete(rs.m, key)
			}
			rs.mu.Unlock()
		}
		close(s.done)
	}
	select {
	case <-s.done:
		return s.r, s.err
	case <-ctx.Done():
		return rendered{}, ctx.Err()
	}
}

// viewKey names what a render depends on: the page, the viewer's scope
// (organisation, role, branches, and the staff member for technicians,
// whose figures are their own) and the filters.
func viewKey(pg page, p oltp.Principal, f filters) string {
	staff := int64(0)
	if p.Role == "technician" {
		staff = p.StaffID
	}
	return fmt.Sprint(pg.Slug, "|", p.OrganisationID, "|", p.Role, "|", p.BranchIDs, "|", staff, "|", f.Period, "|", f.To.Unix(), "|", f.Branch)
}
