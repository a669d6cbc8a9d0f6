package datagen

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// roWork is what a repair order produced, for its invoice.
type roWork struct {
	id, customer int64
	lines        []invLine
	done         time.Time
	stockout     bool
	invoiceAt    time.Time // zero: not invoiced by the dataset's end
	plan         payPlan
	tech         *staffMember
}

type job struct {
	id     int64
	op     *labourOp
	status string
	pay    string
}

// repairOrder opens the RO of a converted booking, works its jobs and
// queues its invoice.
func (g *Generator) repairOrder(o *org, b *branch, vis *visit) {
	w := &roWork{id: g.next(tRepairOrder), customer: vis.c.id, tech: vis.tech}
	opened := vis.start.Add(minutes(g.between(0, 10)))
	v := vis.v
	if !v.lastAt.IsZero() {
		v.miles += v.annual * opened.Sub(v.lastAt).Hours() / 24 / 365
	}
	v.lastAt = opened
	jobs := g.jobs(vis)
	t := opened.Add(minutes(5))
	for _, j := range jobs {
		if j.status == "done" && !w.stockout {
			t = g.work(o, b, vis, w, j, t)
		}
	}
	w.done = t
	g.roRow(o, b, vis, w, opened, jobs)
	g.row(tOdometer, g.next(tOdometer), o.id, v.id, int(v.miles), opened, "check_in", w.id, opened)
	for _, j := range jobs {
		g.jobRow(o, b, w, vis, j, opened)
	}
	v.lastRO = w.id
	if !w.invoiceAt.IsZero() {
		b.pending = append(b.pending, &pendingInvoice{work: w, issued: w.invoiceAt, c: vis.c})
	}
	if g.chance(0.025 * vis.tech.quality) {
		vis.c.comeback = &comeback{ro: w.id, vehicle: v, category: jobs[0].op.category, op: jobs[0].op}
		g.revisit(vis.c, opened, g.uniform(4, 25))
	}
}

// jobs lists the RO's jobs: the booked operations, a recommended upsell
// (approved or declined, likelier for high-value customers) and now and
// then an internal health check.
func (g *Generator) jobs(vis *visit) []*job {
	var js []*job
	for _, op := range vis.ops {
		pay := "customer"
		if vis.comebackOf != 0 || g.chance(0.04) {
			pay = "warranty"
		}
		js = append(js, &job{op: op, status: "done", pay: pay})
	}
	if g.chance(min(0.25*vis.c.value, 0.8)) {
		op := pick(g, vis.ops[0].upsell(vis.c))
		if op != nil {
			st := "declined"
			if g.chance(0.55) {
				st = "done"
			}
			js = append(js, &job{op: op, status: st, pay: "customer"})
		}
	}
	for _, j := range js {
		j.id = g.next(tRepairJob)
	}
	return js
}

// upsell is the set of operations an advisor recommends on top of op.
func (op *labourOp) upsell(*customer) []*labourOp { return op.recommend }

// work does job j starting at t: job clock, labour line, parts. It
// returns when the technician finished.
func (g *Generator) work(o *org, b *branch, vis *visit, w *roWork, j *job, t time.Time) time.Time {
	tech := vis.tech
	applied := float64(j.op.book) / 100 * j.op.actual / tech.efficiency * g.lognormal(1, 0.12)
	appliedDur := time.Duration(applied * float64(time.Hour)).Round(time.Minute)
	t = g.issueParts(o, b, w, j, tech, t)
	if w.stockout {
		return t
	}
	end := t.Add(appliedDur)
	g.row(tTimeClock, g.next(tTimeClock), o.id, b.id, tech.id, "job", tsrange{t, end}, 0, j.id, nil, t, end)
	// Flagged (credited) hours: the time spent for hourly technicians, book
	// time for flat-rate ones. workshop.fill_labour_line derives
	// sale = sold × rate and cost = flagged × cost rate the same way.
	flagged := j.op.book
	if !tech.flatRate {
		flagged = hundredths(math.Round(appliedDur.Hours() * 100))
	}
	cost := roundDiv(int64(flagged)*int64(tech.costRate), 100)
	sale := roundDiv(int64(j.op.book)*int64(j.op.rate), 100)
	ll := g.next(tLabourLine)
	g.row(tLabourLine, ll, o.id, b.id, j.id, j.op.id, tech.id, j.op.name, j.op.book, flagged, j.op.rate, sale, tech.costRate, cost, t, end)
	if j.pay == "customer" {
		w.lines = append(w.lines, invLine{kind: "labour", desc: j.op.name, qty: 1000, unit: sale, net: sale, cost: cost, job: j.id, labour: ll})
		if j.op.category == "service" {
			w.lines = append(w.lines, invLine{kind: "fee", desc: "Waste oil and filter disposal", qty: 1000, unit: 450, net: 450, cost: 120, job: j.id})
		}
		if j.op.sublet > 0 && g.chance(j.op.sublet) {
			sc := pennies(g.uniform(40, 120))
			w.lines = append(w.lines, invLine{kind: "sublet", desc: "Specialist welding (sublet)", qty: 1000, unit: mulRate(sc, 1.25),
				net: mulRate(sc, 1.25), cost: sc, job: j.id, sublet: sc})
		}
	}
	return end.Add(minutes(g.between(3, 12)))
}

func (g *Generator) roRow(o *org, b *branch, vis *visit, w *roWork, opened time.Time, jobs []*job) {
	b.roNo++
	number := fmt.Sprintf("%s-%06d", b.code, b.roNo)
	status, updated := "in_progress", opened
	var invoiced, closed any
	if w.stockout {
		status = "awaiting_parts"
	}
	if w.done.Before(g.now) {
		status, updated = "ready", w.done
		if len(w.lines) == 0 {
			status, closed = "closed", w.done
		}
	}
	if invAt := w.done.Add(minutes(g.between(10, 50))); len(w.lines) > 0 && invAt.Before(g.now) {
		w.invoiceAt, w.plan = invAt, g.paymentPlan(vis.c, invAt)
		status, invoiced, updated = "invoiced", invAt, invAt
		if !w.plan.paidAt.IsZero() {
			status, closed, updated = "closed", w.plan.paidAt, w.plan.paidAt
		}
	}
	var cb any
	if vis.comebackOf != 0 {
		cb = vis.comebackOf
	}
	g.row(tRepairOrder, w.id, o.id, b.id, number, vis.c.id, vis.v.id, vis.id, pick(g, b.advisors).id, status, opened, vis.end,
		invoiced, closed, int(vis.v.miles), cb, opened, updated)
}

func (g *Generator) jobRow(o *org, b *branch, w *roWork, vis *visit, j *job, opened time.Time) {
	status := j.status
	var approved, completed any
	if status == "done" {
		approved = opened.Add(minutes(2))
		if w.done.Before(g.now) {
			completed = w.done
		} else {
			status = "in_progress"
		}
	}
	var tech any
	if j.status != "declined" {
		tech = vis.tech.id
	}
	var sublet money
	for _, l := range w.lines {
		if l.job == j.id {
			sublet += l.sublet
		}
	}
	concern := "Booked: " + j.op.name
	if vis.comebackOf != 0 {
		concern = "Comeback: same fault as previous visit"
	}
	g.row(tRepairJob, j.id, o.id, b.id, w.id, j.op.id, j.op.category, concern, nil, nil, status, j.pay, tech, sublet,
		approved, completed, opened, opened)
}

// roundDiv is n ÷ d rounded half away from zero, like numeric round().
func roundDiv(n, d int64) money {
	if n < 0 {
		return -money((-n + d/2) / d)
	}
	return money((n + d/2) / d)
}
