package dashboards

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/warehouse/marts"
)

// tableRows is how many rows a page shows of a table; the CSV has all.
const tableRows = 20

// block is one live-updatable piece of a page: a KPI tile or a panel body.
type block struct {
	ID   string        `json:"id"`
	HTML template.HTML `json:"html"`
}

// panelView is a rendered panel.
type panelView struct {
	block
	Title string
	CSV   string // download link; empty when there is no table
}

// rendered is a page's figures for one viewer and filter.
type rendered struct {
	KPIs   []block
	Panels []panelView
}

// blocks lists every live block of r.
func (r rendered) blocks() []block {
	out := append([]block{}, r.KPIs...)
	for _, p := range r.Panels {
		out = append(out, p.block)
	}
	return out
}

// visible reports whether analytic name is among those open to the
// viewer (Config.Access), and whether the catalogue has it at all.
func visible(open map[string]bool, name string) bool {
	_, ok := marts.Lookup(name)
	return ok && open[name]
}

// shows reports whether the page has a figure or panel over an analytic
// in open.
func (p page) shows(open map[string]bool) bool {
	e := p.expand()
	for _, k := range e.KPIs {
		if visible(open, k.Analytic) {
			return true
		}
	}
	for _, pn := range e.Panels {
		if visible(open, pn.Analytic) {
			return true
		}
	}
	return false
}

// runner runs each distinct (analytic, params) once per render, at most
// four at a time, through the handler's cache.
type runner struct {
	ctx   context.Context
	w     Warehouse
	cache *cache
	sem   chan struct{}
	mu    sync.Mutex
	memo  map[string]*result
}

type result struct {
	once sync.Once
	t    *marts.Table
	err  error
}

func newRunner(ctx context.Context, w Warehouse, c *cache) *runner {
	// Analytics of one render share what they read in common.
	return &runner{ctx: marts.WithMemo(ctx), w: w, cache: c, sem: make(chan struct{}, 4), memo: map[string]*result{}}
}

func (r *runner) run(name string, p marts.Params) (*marts.Table, error) {
	key := fmt.Sprint(name, p.Granularity, p.From, p.To, p.BranchIDs, p.StaffID, p.OrganisationID)
	r.mu.Lock()
	res := r.memo[key]
	if res == nil {
		res = &result{}
		r.memo[key] = res
	}
	r.mu.Unlock()
	res.once.Do(func() {
		lsn := r.w.Applied()
		if t, ok := r.cache.get(key, lsn); ok {
			res.t = t
			return
		}
		r.sem <- struct{}{}
		defer func() { <-r.sem }()
		res.t, res.err = r.w.Run(r.ctx, name, p)
		if res.err == nil {
			numify(res.t)
			r.cache.put(key, lsn, res.t)
		}
	})
	return res.t, res.err
}

// render runs a page's analytics for viewer p and renders every block.
func (h *Handler) render(ctx context.Context, pg page, p oltp.Principal, f filters) (rendered, error) {
	open, err := h.cfg.Access(ctx, p.Role)
	if err != nil {
		return rendered{}, err
	}
	run := newRunner(ctx, h.cfg.Warehouse, h.cache)
	lab := h.labeler(ctx, p.OrganisationID)
	var out rendered
	var kpis []kpi
	for _, k := range pg.KPIs {
		if visible(open, k.Analytic) {
			kpis = append(kpis, k)
		}
	}
	var panels []panel
	for _, pn := range pg.Panels {
		if visible(open, pn.Analytic) {
			panels = append(panels, pn)
		}
	}
	out.KPIs = make([]block, len(kpis))
	out.Panels = make([]panelView, len(panels))
	errs := make([]error, len(kpis)+len(panels))
	var wg sync.WaitGroup
	for i, k := range kpis {
		wg.Go(func() { out.KPIs[i], errs[i] = h.renderKPI(run, k, p, f) })
	}
	for i, pn := range panels {
		wg.Go(func() { out.Panels[i], errs[len(kpis)+i] = h.renderPanel(run, pn, p, f, lab) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func (h *Handler) renderKPI(run *runner, k kpi, p oltp.Principal, f filters) (block, error) {
	t, err := run.run(k.Analytic, f.params(p, k.Grain, k.Window))
	if err != nil {
		return block{}, err
	}
	if k.Since != nil {
		t = since(t, k.Since(f.To))
	}
	v, ok := k.Value(t)
	text := "–"
	if ok {
		text = formatFigure(v, k.Format)
	}
	html, err := h.exec("kpi", map[string]any{"ID": k.ID, "Label": k.Label, "Value": text})
	return block{ID: "k-" + k.ID, HTML: html}, err
}

func (h *Handler) renderPanel(run *runner, pn panel, p oltp.Principal, f filters, lab labeler) (panelView, error) {
	view := panelView{block: block{ID: "p-" + pn.ID}, Title: pn.Title}
	t, err := run.run(pn.Analytic, f.params(p, pn.Grain, nil))
	if err != nil {
		return view, err
	}
	t = filtered(t, pn.Where)
	if pn.Chart == autoChart {
		pn = autoPick(t, pn)
	}
	svg := h.chartOf(t, pn, lab)
	if pn.Chart == dailyChart {
		c := chart{ID: "c-" + pn.ID, Title: pn.Title, XLabel: "Day", YLabel: humanise(pn.Y), Kind: "count"}
		svg = c.line(daily(t, pn.Y, f.To))
	}
	data := map[string]any{"Chart": svg, "Panel": pn, "Total": len(t.Rows), "Truncated": t.Truncated}
	if !pn.NoTable {
		data["Table"] = tableView(t, lab)
		q := f.query(h.now())
		q.Set("format", "csv")
		q.Set("table", pn.ID)
		view.CSV = "?" + q.Encode()
	}
	view.HTML, err = h.exec("panel", data)
	return view, err
}

// chartOf draws the panel's chart of t.
func (h *Handler) chartOf(t *marts.Table, pn panel, lab labeler) template.HTML {
	c := chart{ID: "c-" + pn.ID, Title: pn.Title, XLabel: humanise(pn.X), YLabel: humanise(pn.Y), Kind: kindNames[kindOf(pn.Y)]}
	switch {
	case pn.Y == "":
		c.YLabel, c.Kind = "Count", "count"
	case pn.Den != "":
		c.YLabel = humanise(pn.Y) + " ÷ " + humanise(pn.Den)
		if kindOf(pn.Y) != moneyFigure {
			c.Kind = "count"
		}
	case pn.Mean:
		c.YLabel = "Mean " + strings.ToLower(humanise(pn.Y))
	}
	if pn.Percent {
		c.Kind = "percent"
	}
	switch pn.Chart {
	case barChart:
		return c.bars(series(t, pn, lab.label(pn.Grain)))
	case lineChart:
		return c.line(series(t, pn, lab.label(pn.Grain)))
	case columnsChart:
		c.XLabel, c.YLabel = "Measure", "Value"
		return c.bars(measures(t))
	case ratesChart:
		c.XLabel, c.YLabel, c.Kind = "Measure", "Rate", "percent"
		if pn.X != "" {
			c.XLabel = humanise(pn.X) + " · measure"
		}
		return c.bars(rates(t, col(t, pn.X), lab.label(pn.Grain), pn.X))
	case heatmapChart:
		c.YLabel = humanise(pn.Rows)
		return c.heatmap(heat(t, pn, lab.label(pn.Grain)))
	}
	return ""
}

// tableData is a table as the template shows it.
type tableData struct {
	Head []string
	Num  []bool
	Rows [][]string
	Flag []bool
}

func tableView(t *marts.Table, lab labeler) tableData {
	var d tableData
	for _, c := range t.Columns {
		d.Head = append(d.Head, humanise(c.Name))
		d.Num = append(d.Num, numericType(c.Type))
	}
	for i, r := range t.Rows {
		if i == tableRows {
			break
		}
		row := make([]string, len(r))
		flag := false
		for j, v := range r {
			row[j] = lab.cell(t.Columns[j].Name, v)
			if v == true && isFlag(t.Columns[j].Name) {
				flag = true
			}
		}
		d.Rows = append(d.Rows, row)
		d.Flag = append(d.Flag, flag)
	}
	return d
}

func isFlag(name string) bool {
	switch name {
	case "high_volume_negative_margin", "mismatch", "reorder_alert", "stockout", "churn_risk":
		return true
	}
	return false
}

// labeler names branches by code and periods by their grain.
type labeler struct{ branches map[int64]string }

func (h *Handler) labeler(ctx context.Context, org int64) labeler {
	l := labeler{branches: map[int64]string{}}
	bs, err := h.cfg.Warehouse.Branches(ctx, org)
	if err != nil {
		return l
	}
	for _, b := range bs {
		l.branches[b.ID] = b.Code
	}
	return l
}

func (l labeler) cell(name string, v any) string {
	if name == "branch_id" {
		if f, ok := number(v); ok && l.branches[int64(f)] != "" {
			return l.branches[int64(f)]
		}
	}
	return formatCell(name, v)
}

func (l labeler) label(grain string) func(string, any) string {
	return func(name string, v any) string {
		if s, ok := v.(string); ok && name == "period" {
			if t, err := time.Parse(time.DateOnly, s); err == nil {
				return periodLabel(t, grain)
			}
		}
		if f, ok := number(v); ok && kindOf(name) == idFigure && name != "branch_id" {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return l.cell(name, v)
	}
}

func periodLabel(t time.Time, grain string) string {
	switch grain {
	case "year":
		return t.Format("2006")
	case "quarter":
		return fmt.Sprintf("%d Q%d", t.Year(), (int(t.Month())-1)/3+1)
	case "month", "":
		return t.Format("Jan 2006")
	}
	return t.Format("2 Jan 06")
}

// exec runs a named template into HTML.
func (h *Handler) exec(name string, data any) (template.HTML, error) {
	var b bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("dashboards: template %s: %w", name, err)
	}
	return template.HTML(strings.TrimSpace(b.String())), nil
}
