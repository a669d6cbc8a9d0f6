package dashboards

import (
	"strings"

	"github.com/carcarehub/cch/warehouse/marts"
)

// pages are the dashboards in navigation order.
var pages = []page{
	{Slug: "overview", Title: "Overview",
		KPIs: []kpi{
			{ID: "revenue_month", Label: "Revenue this month", Analytic: "revenue_trend", Grain: "month", Window: currentPeriod("year"), Since: periodStart("month"), Value: sum("revenue"), Format: "money"},
			{ID: "revenue_quarter", Label: "Revenue this quarter", Analytic: "revenue_trend", Grain: "month", Window: currentPeriod("year"), Since: periodStart("quarter"), Value: sum("revenue"), Format: "money"},
			{ID: "revenue_year", Label: "Revenue this year", Analytic: "revenue_trend", Grain: "month", Window: currentPeriod("year"), Value: sum("revenue"), Format: "money"},
			{ID: "gross_margin", Label: "Gross margin", Analytic: "gross_margin", Grain: "year", Value: margin("total_sales", "total_cost"), Format: "percent"},
			{ID: "car_count", Label: "Car count", Analytic: "car_count", Grain: "year", Value: sum("car_count"), Format: "count"},
			{ID: "aro", Label: "Average repair order", Analytic: "average_repair_order", Grain: "year", Value: ratio("repair_order_revenue", "repair_orders_invoiced"), Format: "money"},
			{ID: "bookings_ahead", Label: "Bookings, next 30 days", Analytic: "show_rate", Grain: "year", Window: ahead(30), Value: sum("booked"), Format: "count"},
			{ID: "technician_efficiency", Label: "Technician efficiency", Analytic: "technician_efficiency", Grain: "year", Value: ratio("billed_hours", "applied_hours"), Format: "percent"},
		},
		Panels: []panel{
			{ID: "revenue", Analytic: "revenue_trend", Title: "Revenue by month", Chart: lineChart, X: "period", Y: "revenue", Grain: "month"},
			{ID: "car_count", Analytic: "car_count", Title: "Car count by week", Chart: barChart, X: "period", Y: "car_count", Grain: "week"},
			{ID: "show_rate", Analytic: "show_rate", Title: "Show rate by week", Chart: lineChart, X: "period", Y: "arrived", Den: "booked", Percent: true, Grain: "week", NoTable: true},
		}},
	{Slug: "branches", Title: "Branches",
		Panels: []panel{
			{ID: "benchmark", Analytic: "branch_benchmark", Title: "Branch benchmark (rank 1 is best)", Chart: barChart, X: "branch_code", Y: "revenue"},
			{ID: "bay_utilisation", Analytic: "bay_utilisation", Title: "Bay utilisation by branch", Chart: barChart, X: "branch_id", Y: "occupied_bay_hours", Den: "bay_hours_open", Percent: true},
			{ID: "staff_utilisation", Analytic: "staff_utilisation", Title: "Staff utilisation by branch", Chart: barChart, X: "branch_id", Y: "productive_rostered_hours", Den: "rostered_hours", Percent: true},
		}},
	{Slug: "technicians", Title: "Technicians",
		Panels: []panel{
			{ID: "efficiency", Analytic: "technician_efficiency", Title: "Technician efficiency (billed ÷ applied hours)", Chart: barChart, X: "technician_id", Y: "billed_hours", Den: "applied_hours", Percent: true, Grain: "year"},
			{ID: "productivity", Analytic: "technician_efficiency", Title: "Technician productivity (applied ÷ available hours)", Chart: barChart, X: "technician_id", Y: "applied_hours", Den: "available_hours", Percent: true, Grain: "year", NoTable: true},
			{ID: "labour_rate", Analytic: "effective_labour_rate", Title: "Effective labour rate by month", Chart: lineChart, X: "period", Y: "labour_sales", Den: "billed_hours", Grain: "month"},
			{ID: "comebacks", Analytic: "comeback_rate", Title: "Comeback rate by month", Chart: lineChart, X: "period", Y: "comebacks", Den: "ros_closed", Percent: true, Grain: "month"},
		}},
	{Slug: "services", Title: "Services",
		Panels: []panel{
			{ID: "profitability", Analytic: "service_profitability", Title: "True margin by labour operation", Chart: barChart, X: "labour_operation_code", Y: "true_margin"},
			{ID: "flagged", Analytic: "service_profitability", Title: "High-volume services with a negative margin", Where: "high_volume_negative_margin", Chart: barChart, X: "labour_operation_code", Y: "jobs"},
			{ID: "gross_margin", Analytic: "gross_margin", Title: "Total gross margin by month", Chart: lineChart, X: "period", Y: "total_sales", Sub: "total_cost", Den: "total_sales", Percent: true, Grain: "month"},
			{ID: "gross_profit_per_ro", Analytic: "gross_profit_per_ro", Title: "Gross profit per repair order by month", Chart: lineChart, X: "period", Y: "gross_profit", Den: "repair_orders_invoiced", Grain: "month"},
		}},
	{Slug: "inventory", Title: "Inventory",
		Panels: []panel{
			{ID: "alerts", Analytic: "inventory_reorder", Title: "Parts at or below their reorder point, by branch", Where: "reorder_alert", Chart: barChart, X: "branch_id"},
			{ID: "stockouts", Analytic: "inventory_reorder", Title: "Stockouts (nothing free to issue)", Where: "stockout", Chart: barChart, X: "branch_id"},
			{ID: "cover", Analytic: "inventory_reorder", Title: "Days of cover, lowest parts", Chart: barChart, X: "part_number", Y: "days_of_cover", Top: -15, NoTable: true},
		}},
	{Slug: "customers", Title: "Customers",
		KPIs: []kpi{
			{ID: "active_customers", Label: "Active customers", Analytic: "active_customers", Value: first("active_customers"), Format: "count"},
			{ID: "high_value_share", Label: "High-value share of revenue", Analytic: "high_value_customer_share", Value: first("high_value_revenue_share"), Format: "percent"},
		},
		Panels: []panel{
			{ID: "high_value", Analytic: "high_value_customers", Title: "High-value customers (top 20% by gross profit, 12 months)", Chart: barChart, X: "customer_id", Y: "gross_profit_12m", Top: 15},
			{ID: "churn_risk", Analytic: "churn_risk", Title: "Customers at risk of churn", Where: "churn_risk", Chart: barChart, X: "customer_id", Y: "days_since_last_visit", Top: 15},
			{ID: "rfm", Analytic: "rfm_segments", Title: "RFM segments: customers by recency × frequency quintile", Chart: heatmapChart, X: "frequency_quintile", Rows: "recency_quintile", Y: "customers"},
			{ID: "clv", Analytic: "clv_segments", Title: "Customer lifetime value by segment (predicted, average)", Chart: barChart, X: "segment", Y: "avg_predicted_clv"},
			{ID: "journey", Analytic: "customer_journey", Title: "Repair orders by waiting time", Chart: barChart, X: "waiting", Y: "repair_orders"},
		}},
	{Slug: "bookings", Title: "Bookings",
		Panels: []panel{
			{ID: "heatmap", Analytic: "booking_heatmap", Title: "Bookings by weekday × hour", Chart: heatmapChart, X: "hour_of_day", Rows: "weekday", Y: "bookings"},
			{ID: "hour_profile", Analytic: "booking_hour_profile", Title: "Demand by hour of day (bookings per day)", Chart: barChart, X: "hour_of_day", Y: "bookings_per_day"},
			{ID: "forecast", Analytic: "booking_forecast", Title: "Bookings forecast, next 7 days (the model with the lowest rolling-origin error)", Chart: dailyChart, Y: "next_7_days", Where: "chosen"},
			{ID: "forecast_accuracy", Analytic: "booking_forecast", Title: "Forecast error by model: mean absolute error over rolling weekly origins", Chart: barChart, X: "method", Y: "mae", Mean: true},
			{Match: "forecast"},
			{ID: "show_rate", Analytic: "show_rate", Title: "Bookings per week", Chart: barChart, X: "period", Y: "booked", Grain: "week"},
			{ID: "capacity", Analytic: "bay_utilisation", Title: "Capacity: bay utilisation by week", Chart: lineChart, X: "period", Y: "occupied_bay_hours", Den: "bay_hours_open", Percent: true, Grain: "week"},
		}},
	{Slug: "chauffeur", Title: "Chauffeur",
		Panels: []panel{
			{ID: "on_time", Analytic: "chauffeur_on_time_pickup", Title: "On-time pickups by week", Chart: lineChart, X: "period", Y: "on_time_pickups", Den: "rides_performed", Percent: true, Grain: "week"},
			{ID: "utilisation", Analytic: "chauffeur_utilisation", Title: "Chauffeur utilisation", Chart: barChart, X: "chauffeur_id", Y: "assigned_hours", Den: "on_duty_hours", Percent: true},
			{ID: "fleet", Analytic: "fleet_utilisation", Title: "Revenue per vehicle hour by vehicle class", Chart: barChart, X: "vehicle_class", Y: "ride_revenue", Den: "in_service_hours"},
			{ID: "dead_head", Analytic: "dead_head_ratio", Title: "Dead-head ratio by week", Chart: lineChart, X: "period", Y: "deadhead_miles", Den: "total_miles", Percent: true, Grain: "week"},
			{ID: "settlements", Analytic: "settlement_reconciliation", Title: "Settlement reconciliation (mismatches first)", Chart: barChart, X: "status", Y: "difference"},
		}},
}

// analyticsSlug is the catalogue: an index of every analytic the viewer
// may read, linking to analyticsSlug/<name>, where that analytic is drawn
// generically (new analytics appear without code changes). One page per
// analytic keeps each render to one query.
const analyticsSlug = "analytics"

func findPage(slug string) (page, bool) {
	for _, p := range pages {
		if p.Slug == slug {
			return p.expand(), true
		}
	}
	if slug == analyticsSlug {
		return page{Slug: analyticsSlug, Title: "Analytics"}, true
	}
	if name, ok := strings.CutPrefix(slug, analyticsSlug+"/"); ok {
		if a, found := marts.Lookup(name); found {
			return analyticPage(a), true
		}
	}
	return page{}, false
}
