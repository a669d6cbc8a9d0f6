package marts_test

import "github.com/carcarehub/cch/warehouse/marts"

var (
	edges     = func(p *marts.Params) { p.OrganisationID = 3 }
	dstSunday = func(p *marts.Params) {
		p.OrganisationID, p.From, p.To = 3, date(2026, 3, 29), date(2026, 3, 30)
	}
	fromThird = func(p *marts.Params) { p.From = date(2026, 3, 3) }
)

// edgeCases: expected numbers worked out by hand from fixtureSQL and
// edgeSQL, on the edges of the definitions.
var edgeCases = []kpiCase{
	// From 3 March: RO 100 (invoiced 2 March) is out; the prior year is
	// [3 March, 1 April) 2025, which holds RO 99's 880.
	{"revenue_trend", fromThird, nil, map[string]any{"line_of_business": "workshop", "revenue": 100,
		"revenue_prior_year": 880, "revenue_yoy_growth": (100.0 - 880) / 880}, 1},
	// the disposal fee's cost counts: (110 − 40 − 8) ÷ 110
	{"gross_margin", edges, nil, map[string]any{"total_sales": 110, "total_cost": 48, "total_gross_margin": 62.0 / 110}, 1},
	{"gross_profit_per_ro", edges, nil, map[string]any{"gross_profit": 62}, 1},
	// three cars (the cancelled RO is no visit) over the 21 weekdays of
	// March but the holiday; the London branch is open 22 days
	{"car_count", edges, map[string]any{"branch_id": 4}, map[string]any{"car_count": 3, "business_days": 21,
		"car_count_per_business_day": 3.0 / 21}, 2},
	{"car_count", edges, map[string]any{"branch_id": 5}, map[string]any{"car_count": 0, "business_days": 22,
		"car_count_per_business_day": 0}, 2},
	// RO 301's brakes were declined on RO 300: no comeback; RO 303's
	// service was done on RO 300: a comeback; the cancelled RO 302 is not
	// a closed RO
	{"comeback_rate", edges, nil, map[string]any{"ros_closed": 3, "comebacks": 1, "comeback_rate": 1.0 / 3}, 1},
	// the ride's chauffeur pay (60) is a cost of the customer
	{"customer_margin", edges, map[string]any{"customer_id": 801}, map[string]any{"revenue": 100, "gross_profit": 40,
		"gross_margin": 0.4}, 2},
	{"customer_margin", edges, map[string]any{"customer_id": 800}, map[string]any{"revenue": 110, "gross_profit": 62}, 2},
	{"high_value_customer_share", func(p *marts.Params) { p.OrganisationID = 3 }, nil, map[string]any{"customers": 2,
		"high_value_customers": 1, "high_value_gross_profit_share": 62.0 / 102}, 1},
	// both lines of business, labelled; gross margin over both
	{"branch_benchmark", edges, map[string]any{"branch_id": 4}, map[string]any{"revenue": 210, "workshop_revenue": 110,
		"chauffeur_revenue": 100, "gross_margin": 102.0 / 210, "car_count": 3, "comeback_rate": 1.0 / 3}, 2},
	// 17:00–20:00 within 08:00–18:00 is one hour, of 1 bay × 10 h × 2 calendar days
	{"bay_utilisation", edges, map[string]any{"branch_id": 4}, map[string]any{"occupied_bay_hours": 1, "bay_hours_open": 20,
		"bay_utilisation": 0.05}, 2},
	// RO 300 has no invoiced_at: its invoice (issued 11:00, opened 08:00) says when
	{"customer_journey", edges, nil, map[string]any{"waiting": "0-4h", "repair_orders": 1,
		"avg_open_to_invoiced_hours": 3, "avg_invoiced_to_closed_hours": 1}, 1},
	// Sunday 29 March in London: 23 hours, half an hour of the ride's assignment
	{"fleet_utilisation", dstSunday, nil, map[string]any{"in_service_hours": 23, "assigned_hours": 0.5,
		"fleet_utilisation": 0.5 / 23}, 1},
	{"chauffeur_utilisation", dstSunday, nil, map[string]any{"assigned_hours": 0.5, "on_duty_hours": 8,
		"chauffeur_utilisation": 0.5 / 8}, 1},
}
