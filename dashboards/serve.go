package dashboards

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

// pageView is what the layout template shows.
type pageView struct {
	Title     string
	Slug      string
	Summary   string
	Nav       []navItem
	Branches  []Branch
	Branch    int64
	Periods   []periodChoice
	Period    string
	To        string
	Role      string
	Applied   string
	EventsURL string
	Live      bool
	Catalog   []catalogLink // the analytics index
	rendered
}

// page serves one dashboard as HTML, or one of its tables as CSV
// (?format=csv&table=ID).
func (h *Handler) page(slug string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := h.viewer(c, true)
		if !ok {
			return
		}
		h.servePage(c, slug, p)
	}
}

// servePage serves page slug to viewer p.
func (h *Handler) servePage(c *gin.Context, slug string, p oltp.Principal) {
	pg, _ := findPage(slug)
	f, err := parseFilters(c.Request.URL.Query(), p, h.now())
	if err != nil {
		h.problem(c, http.StatusBadRequest, err.Error())
		return
	}
	switch format, ok := c.GetQuery("format"); {
	case format == "csv":
		h.csv(c, pg, p, f)
		return
	case ok:
		h.problem(c, http.StatusBadRequest, "format must be csv (or left out for the page)")
		return
	}
	h.html(c, pg, p, f)
}

func (h *Handler) html(c *gin.Context, pg page, p oltp.Principal, f filters) {
	ctx := c.Request.Context()
	open, err := h.cfg.Access(ctx, p.Role)
	if err != nil {
		h.fail(c, err)
		return
	}
	applied := h.cfg.Warehouse.Applied()
	r, err := h.render(ctx, pg, p, f)
	if err != nil {
		h.fail(c, err)
		return
	}
	branches, _ := h.cfg.Warehouse.Branches(ctx, p.OrganisationID)
	q := f.query(h.now())
	q.Set("page", pg.Slug)
	q.Set("since", applied.String())
	v := pageView{Title: pg.Title, Slug: pg.Slug, Nav: nav(pg.Slug, open), Branches: scoped(branches, p), Branch: f.Branch,
		Periods: periods, Period: f.Period, To: f.To.AddDate(0, 0, -1).Format("2 Jan 2006"), Role: p.Role,
		Applied: applied.String(), EventsURL: "/dashboards/events?" + q.Encode(), Live: pg.Slug == "overview", rendered: r}
	switch {
	case pg.Slug == analyticsSlug:
		v.Summary = "Every analytic of the warehouse catalogue your role may read. Each opens on its own page, with its chart, table and CSV."
		v.Catalog = catalog(open, f.query(h.now()))
	case strings.HasPrefix(pg.Slug, analyticsSlug+"/"):
		a, _ := marts.Lookup(strings.TrimPrefix(pg.Slug, analyticsSlug+"/"))
		v.Summary = a.Summary
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	if err := h.tmpl.ExecuteTemplate(c.Writer, "layout", v); err != nil {
		_ = c.Error(fmt.Errorf("dashboards: render %s: %w", pg.Slug, err))
	}
}

// scoped keeps the branches the viewer may filter by.
func scoped(bs []Branch, p oltp.Principal) []Branch {
	if len(p.BranchIDs) == 0 {
		return bs
	}
	var out []Branch
	for _, b := range bs {
		for _, id := range p.BranchIDs {
			if b.ID == id {
				out = append(out, b)
			}
		}
	}
	return out
}

// fail answers a render error: 503 while the warehouse starts, 400 for
// bad parameters, else 500 (logged).
func (h *Handler) fail(c *gin.Context, err error) {
	switch {
	case errors.Is(err, ErrNotReady):
		c.Header("Retry-After", "2")
		h.problem(c, http.StatusServiceUnavailable, "The warehouse is still taking its first snapshot. Try again in a moment.")
	case errors.Is(err, marts.ErrInvalid):
		h.problem(c, http.StatusBadRequest, err.Error())
	case c.Request.Context().Err() != nil:
	default:
		h.cfg.Logger.Error("dashboard render failed", "path", c.Request.URL.Path, "err", err)
		_ = c.Error(err)
		h.problem(c, http.StatusInternalServerError, "Something went wrong while computing these figures.")
	}
}

// csv writes the whole table of panel ?table= (its filter applied).
func (h *Handler) csv(c *gin.Context, pg page, p oltp.Principal, f filters) {
	id := c.Query("table")
	open, err := h.cfg.Access(c.Request.Context(), p.Role)
	if err != nil {
		h.fail(c, err)
		return
	}
	var pn *panel
	for i := range pg.Panels {
		if pg.Panels[i].ID == id && !pg.Panels[i].NoTable && visible(open, pg.Panels[i].Analytic) {
			pn = &pg.Panels[i]
		}
	}
	if pn == nil {
		h.problem(c, http.StatusNotFound, "This page has no such table.")
		return
	}
	t, err := h.cfg.Warehouse.Run(c.Request.Context(), pn.Analytic, f.params(p, pn.Grain, nil))
	if err != nil {
		h.fail(c, err)
		return
	}
	t = filtered(t, pn.Where)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, pg.Slug, pn.ID))
	c.Header("Cache-Control", "no-store")
	if t.Truncated {
		c.Header("X-CCH-Truncated", "true")
	}
	c.Status(http.StatusOK)
	if err := writeCSV(csv.NewWriter(c.Writer), t); err != nil {
		_ = c.Error(err)
	}
}

// writeCSV writes t with a header row; NULL is empty, numbers in full.
func writeCSV(w *csv.Writer, t *marts.Table) error {
	rec := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		rec[i] = col.Name
	}
	if err := w.Write(rec); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, r := range t.Rows {
		for i, v := range r {
			rec[i] = rawValue(v)
		}
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	w.Flush()
	return w.Error()
}

func rawValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// analyticPage draws one catalogue analytic generically.
func analyticPage(a marts.Analytic) page {
	pn := genericPanel(a)
	if a.TimeSeries {
		pn.Grain = "month"
	}
	return page{Slug: analyticsSlug + "/" + a.Name, Title: humanise(a.Name), Panels: []panel{pn}}
}

// catalogLink is one entry of the analytics index.
type catalogLink struct {
	Title, Href, Summary string
}

// catalog lists the analytics open to the viewer, linking with the filter q.
func catalog(open map[string]bool, q url.Values) []catalogLink {
	var out []catalogLink
	suffix := ""
	if len(q) > 0 {
		suffix = "?" + q.Encode()
	}
	for _, a := range marts.Catalog() {
		if open[a.Name] {
			out = append(out, catalogLink{Title: humanise(a.Name), Href: "/dashboards/" + analyticsSlug + "/" + a.Name + suffix, Summary: a.Summary})
		}
	}
	return out
}
