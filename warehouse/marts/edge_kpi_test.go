package marts_test

import (
	"math"

	"github.com/carcarehub/cch/warehouse/marts"
)

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
	// the disposal fee's cost counts and the 10 credited is no sale: (110 − 10 − 40 − 8) ÷ 100
	{"gross_margin", edges, nil, map[string]any{"total_sales": 100, "total_cost": 48, "total_gross_margin": 0.52}, 1},
	{"gross_profit_per_ro", edges, nil, map[string]any{"repair_order_revenue": 100, "gross_profit": 52}, 1},
	{"average_repair_order", edges, nil, map[string]any{"average_repair_order": 100}, 1},
	// three cars (the cancelled RO brings no car) over the 21 weekdays of
	// March but the holiday; the London branch is open 22 days
	{"car_count", edges, map[string]any{"branch_id": 4}, map[string]any{"car_count": 3, "business_days": 21,
		"car_count_per_business_day": 3.0 / 21}, 2},
	{"car_count", edges, map[string]any{"branch_id": 5}, map[string]any{"car_count": 0, "business_days": 22,
		"car_count_per_business_day": 0}, 2},
	// RO 301's brakes were declined on RO 300: no comeback; RO 303's
	// service was done on RO 300: a comeback; the cancelled RO 302 is not
	// a closed RO
	{"comeback_rate", edges, nil, map[string]any{"ros_closed": 3, "comebacks": 1, "comeback_rate": 1.0 / 3}, 1},
	// the ride's chauffeur pay (60) is a cost of the customer; the 20 refunded is no revenue
	{"customer_margin", edges, map[string]any{"customer_id": 801}, map[string]any{"revenue": 80, "gross_profit": 20,
		"gross_margin": 0.25}, 2},
	{"customer_margin", edges, map[string]any{"customer_id": 800}, map[string]any{"revenue": 100, "gross_profit": 52}, 2},
	// visits of 800: ROs opened on 2, 10, 11 (RO 302, cancelled, was still
	// opened) and 12 March; 801's ride has no booker, so no visit. Monetary:
	// RO 300's invoice 100 + 10 less its 10 credit note = 100, the other ROs
	// have no invoice; recency 1 April − 12 March = 20 days
	{"rfm", edges, map[string]any{"customer_id": 800}, map[string]any{"recency_days": 20, "frequency": 4, "monetary": 100}, 1},
	{"high_value_customer_share", edges, nil, map[string]any{"customers": 2, "high_value_customers": 1,
		"high_value_revenue_share": 100.0 / 180, "high_value_gross_profit_share": 52.0 / 72}, 1},
	{"revenue_trend", edges, map[string]any{"line_of_business": "chauffeur"}, map[string]any{"revenue": 80}, 2},
	// both lines of business, labelled; gross margin over both
	{"branch_benchmark", edges, map[string]any{"branch_id": 4}, map[string]any{"revenue": 180, "workshop_revenue": 100,
		"chauffeur_revenue": 80, "gross_margin": 72.0 / 180, "car_count": 3, "comeback_rate": 1.0 / 3}, 2},
	// 17:00–20:00 within 08:00–18:00 is one hour, of 1 bay × 10 h × 1
	// calendar day (the organisation's only booking day, Monday 2 March;
	// the other organisation's bookings never lengthen its calendar)
	{"bay_utilisation", edges, map[string]any{"branch_id": 4}, map[string]any{"occupied_bay_hours": 1, "bay_hours_open": 10,
		"bay_utilisation": 0.1}, 2},
	// RO 300 has no invoiced_at: its invoice (issued 11:00, opened 08:00) says when
	{"customer_journey", edges, nil, map[string]any{"waiting": "0-4h", "repair_orders": 1,
		"avg_open_to_invoiced_hours": 3, "avg_invoiced_to_closed_hours": 1}, 1},
	// no reorder point in force: no alert, as the API says; the computed one
	// (30 ÷ 90 × 2 + 1.65 × √((900 − 900 ÷ 90) ÷ 89) × √2) would alert
	{"inventory_reorder", edges, nil, map[string]any{"reorder_point": 60.0/90 + 1.65*math.Sqrt(10)*math.Sqrt2,
		"reorder_alert": false, "computed_reorder_alert": true, "stockout": false}, 1},
	// Sunday 29 March in London: 23 hours, half an hour of the ride's assignment
	{"fleet_utilisation", dstSunday, nil, map[string]any{"in_service_hours": 23, "assigned_hours": 0.5,
		"fleet_utilisation": 0.5 / 23}, 1},
	{"chauffeur_utilisation", dstSunday, nil, map[string]any{"assigned_hours": 0.5, "on_duty_hours": 8,
		"chauffeur_utilisation": 0.5 / 8}, 1},
}
