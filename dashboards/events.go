package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/oltp"
)

// update is one server-sent event: the blocks whose HTML changed.
type update struct {
	Applied string   `json:"applied"`
	At      string   `json:"at"`
	Blocks  []block  `json:"blocks"`
	Changed []string `json:"changed"`
}

// events streams a page's changed blocks (text/event-stream). It polls the
// applied LSN; when it moves, it takes the page's shared render (one per
// view and LSN, see renders) and sends the blocks that differ from what
// the client shows. ?since= is the LSN the page was rendered at: a change
// between the page and the stream is sent at once. Streams are capped per
// token and per process (429), and end within about TokenCacheTTL of
// their token being revoked or expiring.
func (h *Handler) events(c *gin.Context) {
	p, ok := h.viewer(c, false)
	if !ok {
		return
	}
	pg, ok := findPage(c.Query("page"))
	if !ok {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	f, err := parseFilters(c.Request.URL.Query(), p, h.now())
	if err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	release, err := h.streams.acquire(p.TokenID)
	if err != nil {
		oltp.WriteError(c, err)
		return
	}
	defer release()
	since, _ := cdc.ParseLSN(c.Query("since"))
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	if err := h.stream(c, pg, p, f, since); err != nil && c.Request.Context().Err() == nil {
		h.cfg.Logger.Warn("dashboard stream ended", "err", err)
	}
}

// Stream timing: the viewer's token is checked again every
// reauthInterval, an idle stream sends a comment every keepAlive, and each
// write must complete within writeWindow (else the client is gone).
const (
	reauthInterval = time.Second
	keepAlive      = 15 * time.Second
	writeWindow    = 30 * time.Second
)

// stream runs until the client goes away or its token stops being valid.
// It sends the page's blocks at once (the baseline of what the client
// shows), then the changed ones once per poll in which the applied LSN
// moved.
func (h *Handler) stream(c *gin.Context, pg page, p oltp.Principal, f filters, since cdc.LSN) error {
	ctx := c.Request.Context()
	seen := map[string]string{} // block id → HTML the client has
	shown := h.cfg.Warehouse.Applied()
	u, err := h.diff(ctx, pg, p, f, shown, seen)
	if err != nil {
		return err
	}
	if err := h.send(c, "hello", update{Applied: since.String(), At: h.stamp()}); err != nil {
		return err
	}
	if shown != since { // changed between the page and the stream
		u.Applied = shown.String()
		if err := h.send(c, "update", u); err != nil {
			return err
		}
	}
	tick := time.NewTicker(h.cfg.Poll)
	defer tick.Stop()
	checked, wrote := time.Now(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if time.Since(checked) >= reauthInterval {
			if !h.stillValid(c) {
				return h.send(c, "end", update{At: h.stamp()})
			}
			checked = time.Now()
		}
		applied := h.cfg.Warehouse.Applied()
		if applied == shown {
			if time.Since(wrote) >= keepAlive {
				if err := h.comment(c); err != nil {
					return err
				}
				wrote = time.Now()
			}
			continue
		}
		u, err := h.diff(ctx, pg, p, f, applied, seen)
		if err != nil {
			return err
		}
		u.Applied, shown = applied.String(), applied
		if err := h.send(c, "update", u); err != nil {
			return err
		}
		wrote = time.Now()
	}
}

// stillValid re-authenticates a stream's viewer (bearer token or session)
// without writing anything: a revoked or expired token ends the stream.
func (h *Handler) stillValid(c *gin.Context) bool {
	if c.GetHeader("Authorization") != "" {
		w := c.Writer
		c.Writer = &discard{ResponseWriter: w, header: http.Header{}}
		defer func() { c.Writer = w }()
		_, ok := h.cfg.Authenticate(c)
		return ok
	}
	sid, _ := c.Cookie(cookieName)
	tok, ok := h.sessions.token(sid, h.now())
	if !ok {
		return false
	}
	_, ok = h.check(c, tok)
	return ok
}

// diff takes the page's shared render at applied and returns the blocks
// that changed since seen (updating seen). On the first call every block
// is returned.
func (h *Handler) diff(ctx context.Context, pg page, p oltp.Principal, f filters, applied cdc.LSN, seen map[string]string) (update, error) {
	r, err := h.renders.get(ctx, viewKey(pg, p, f), applied, func(ctx context.Context) (rendered, error) {
		return h.render(ctx, pg, p, f)
	})
	if err != nil {
		return update{}, err
	}
	u := update{At: h.stamp(), Blocks: []block{}, Changed: []string{}}
	for _, b := range r.blocks() {
		old, had := seen[b.ID]
		if had && old == string(b.HTML) {
			continue
		}
		seen[b.ID] = string(b.HTML)
		u.Blocks = append(u.Blocks, b)
		if had {
			u.Changed = append(u.Changed, b.ID)
		}
	}
	return u, nil
}

func (h *Handler) stamp() string { return h.now().UTC().Format("15:04:05") + " UTC" }

func (h *Handler) send(c *gin.Context, event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("dashboards: encode %s: %w", event, err)
	}
	if err := oltp.ExtendStream(c.Writer, writeWindow); err != nil {
		return fmt.Errorf("dashboards: stream deadline: %w", err)
	}
	if _, err := fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", event, b); err != nil {
		return fmt.Errorf("dashboards: send %s: %w", event, err)
	}
	c.Writer.Flush()
	return nil
}

// comment sends an SSE comment: it keeps proxies from closing an idle
// stream and finds a client that has gone.
func (h *Handler) comment(c *gin.Context) error {
	if err := oltp.ExtendStream(c.Writer, writeWindow); err != nil {
		return fmt.Errorf("dashboards: stream deadline: %w", err)
	}
	if _, err := c.Writer.WriteString(": keep-alive\n\n"); err != nil {
		return fmt.Errorf("dashboards: keep-alive: %w", err)
	}
	c.Writer.Flush()
	return nil
}
