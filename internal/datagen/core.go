package datagen

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// openingHours are the same for every branch: weekdays 08:00-18:00,
// Saturday 08:00-13:00, closed on Sunday.
const openingHours = `{"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]], "wed": [["08:00", "18:00"]], ` +
	`"thu": [["08:00", "18:00"]], "fri": [["08:00", "18:00"]], "sat": [["08:00", "13:00"]], "sun": []}`

// openMinutes returns a day's opening and closing time (minutes after
// midnight); ok is false when the branch is closed: Sundays and bank
// holidays. Christmas Eve and New Year's Eve close at 13:00.
func openMinutes(day time.Time) (open, close int, ok bool) {
	if bankHoliday(day) {
		return 0, 0, false
	}
	_, m, d := day.Date()
	switch {
	case day.Weekday() == time.Sunday:
		return 0, 0, false
	case day.Weekday() == time.Saturday, m == time.December && (d == 24 || d == 31):
		return 8 * 60, 13 * 60, true
	default:
		return 8 * 60, 18 * 60, true
	}
}

func (g *Generator) newOrg(name string, branches, perMonth int, chauffeur bool) *org {
	o := &org{id: g.next(tOrganisation), name: name, perMonth: perMonth, created: g.cal.start.AddDate(-3, 0, 0)}
	g.row(tOrganisation, o.id, name, "GBP", "0.2000", fmt.Sprintf("GB%09d", 100000000+o.id), timezone, o.created, o.created)
	g.catalogue(o)
	g.suppliersAndParts(o)
	for i := range branches {
		o.branches = append(o.branches, g.newBranch(o, i, branches))
	}
	g.orgStaff(o)
	for _, b := range o.branches {
		g.initialCustomers(o, b)
	}
	if chauffeur {
		g.newChauffeurBase(o, o.branches[0])
	}
	return o
}

func (g *Generator) newBranch(o *org, i, n int) *branch {
	b := &branch{id: g.next(tBranch), org: o, code: fmt.Sprintf("B%02d", i+1)}
	b.weight = (1.3 - 0.5*float64(i)/float64(max(n-1, 1))) / branchWeightSum(n)
	addr, _ := g.address()
	g.row(tBranch, b.id, o.id, b.code, fmt.Sprintf("%s %s", strings.Split(o.name, " ")[0], pick(g, towns)),
		timezone, jsonText(openingHours), addr, g.phone(), o.created, o.created)
	g.row(tInvoiceCounter, o.id, b.id, int64(1), o.created, o.created)
	bays := g.bayCount(float64(o.perMonth) * b.weight)
	for k := range bays {
		id := g.next(tServiceBay)
		kind := "general"
		if k%6 == 5 {
			kind = "mot_lane"
		}
		g.row(tServiceBay, id, o.id, b.id, fmt.Sprintf("BAY%02d", k+1), fmt.Sprintf("Bay %d", k+1), kind, o.created, o.created)
		b.bays = append(b.bays, id)
	}
	g.branchStaff(o, b, bays+int(math.Ceil(float64(bays)*0.15)))
	g.openingStock(o, b)
	return b
}

func branchWeightSum(n int) float64 {
	s := 0.0
	for i := range n {
		s += 1.3 - 0.5*float64(i)/float64(max(n-1, 1))
	}
	return s
}

// bayCount sizes a branch for its busiest expected day: a March Monday
// (seasonal 1.3 × weekday 1.25) at about 70% bay occupancy.
func (g *Generator) bayCount(perMonth float64) int {
	peakDay := perMonth * 1.3 / 23.5 * 1.25
	return max(3, int(math.Ceil(peakDay*1.45/(10*0.7))))
}

// newStaff writes a staff row and its role.
func (g *Generator) newStaff(o *org, b *branch, role string, payBasis string, pay, cost money) *staffMember {
	s := &staffMember{id: g.next(tStaff), role: role, costRate: cost, efficiency: 1, quality: 1}
	given, family := g.personName()
	o.emailSeq++
	email := fmt.Sprintf("%s.%s%d@staff.example", strings.ToLower(given), strings.ToLower(family), o.emailSeq)
	from := o.created.AddDate(0, 0, g.between(0, 700))
	var home any
	var scope any
	if b != nil {
		home, scope = b.id, b.id
	}
	g.row(tStaff, s.id, o.id, home, given, family, email, g.phone(), fmt.Sprintf("E%05d", s.id), payBasis, pay, cost,
		date(from), from, from)
	if role == "finance" || role == "auditor" {
		scope = nil
	}
	g.row(tStaffRole, g.next(tStaffRole), o.id, s.id, role, scope, from)
	return s
}

func (g *Generator) branchStaff(o *org, b *branch, techs int) {
	b.manager = g.newStaff(o, b, "manager", "salary", pennies(g.uniform(42000, 55000)), pennies(g.uniform(32, 38)))
	for range max(2, techs/8) {
		b.advisors = append(b.advisors, g.newStaff(o, b, "receptionist", "hourly", pennies(g.uniform(12.5, 15)), pennies(g.uniform(17, 20))))
	}
	for k := range techs {
		basis, pay := "hourly", g.uniform(16, 24)
		if k%3 == 0 {
			basis = "flat_rate"
		}
		t := g.newStaff(o, b, "technician", basis, pennies(pay), pennies(pay*1.4))
		t.flatRate = basis == "flat_rate"
		// Efficiency spread: evenly from 0.70 to 1.30 across the branch,
		// so every branch has fast and slow technicians.
		t.efficiency = 0.70 + 0.60*float64(k)/float64(max(techs-1, 1))
		t.quality = 1.6 - 0.8*float64(k)/float64(max(techs-1, 1))
		t.saturday = k%2 == 0
		b.techs = append(b.techs, t)
	}
	b.everyone = append(append([]*staffMember{b.manager}, b.advisors...), b.techs...)
	b.techFree = make([]uint64, len(b.techs))
	b.bayFree = make([]uint64, len(b.bays))
}

func (g *Generator) orgStaff(o *org) {
	b0 := o.branches[0]
	for _, role := range []string{"finance", "finance", "auditor"} {
		s := g.newStaff(o, b0, role, "salary", pennies(g.uniform(35000, 48000)), pennies(g.uniform(26, 32)))
		o.staff = append(o.staff, s)
		b0.everyone = append(b0.everyone, s)
	}
}
