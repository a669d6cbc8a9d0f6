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
// applied LSN; when it moves, it re-renders the page for the viewer and
// sends the blocks that differ from what the client shows. ?since= is the
// LSN the page was rendered at: a change between the page and the stream
// is sent at once.
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
	since, _ := cdc.ParseLSN(c.Query("since"))
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	if err := h.stream(c, pg, p, f, since); err != nil && c.Request.Context().Err() == nil {
		h.cfg.Logger.Warn("dashboard stream ended", "err", err)
	}
}

// stream runs until the client goes away. It renders the page at once
// (the baseline of what the client shows), then once per poll in which
// the applied LSN moved; renders are sequential, so a stream never runs
// more than one at a time.
func (h *Handler) stream(c *gin.Context, pg page, p oltp.Principal, f filters, since cdc.LSN) error {
	ctx := c.Request.Context()
	seen := map[string]string{} // block id → HTML the client has
	shown := h.cfg.Warehouse.Applied()
	u, err := h.diff(ctx, pg, p, f, seen)
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
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		applied := h.cfg.Warehouse.Applied()
		if applied == shown {
			continue
		}
		u, err := h.diff(ctx, pg, p, f, seen)
		if err != nil {
			return err
		}
		u.Applied, shown = applied.String(), applied
		if err := h.send(c, "update", u); err != nil {
			return err
		}
	}
}

// diff re-renders the page and returns the blocks that changed since seen
// (updating seen). On the first call every block is returned.
func (h *Handler) diff(ctx context.Context, pg page, p oltp.Principal, f filters, seen map[string]string) (update, error) {
	r, err := h.render(ctx, pg, p, f)
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
	if _, err := fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", event, b); err != nil {
		return fmt.Errorf("dashboards: send %s: %w", event, err)
	}
	c.Writer.Flush()
	return nil
}
