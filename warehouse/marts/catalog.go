package marts

import (
	"context"
	"slices"
)

// Business roles (the keys of oltp.Roles) analytics are granted to.
const (
	Manager      = "manager"
	Finance      = "finance"
	Technician   = "technician"
	Receptionist = "receptionist"
	Dispatcher   = "dispatcher"
)

// Analytic is one named analytic of the catalogue.
type Analytic struct {
	Name    string
	Summary string
	// Financial analytics show revenue, cost, margin or pay figures: only
	// managers and finance may read them, whatever Roles says.
	Financial bool
	// Roles may read it. Manager and finance read every analytic.
	Roles []string
	// TimeSeries analytics group by period (the granularity parameter).
	TimeSeries bool
	// compute, when set, computes the analytic in Go over the marts
	// (models); otherwise analytics/<Name>.sql is the query.
	compute func(ctx context.Context, q Querier, p Params) (*Table, error)
	// reads, for a computed analytic, are the marts its Go reads.
	reads []string
}

// Allows reports whether a business role may read the analytic.
func (a Analytic) Allows(role string) bool {
	if role == Manager || role == Finance {
		return true
	}
	return !a.Financial && slices.Contains(a.Roles, role)
}

var (
	workshopFloor = []string{Technician, Receptionist}
	frontDesk     = []string{Receptionist}
	dispatch      = []string{Dispatcher}
)

// catalog is every analytic; analytics/<Name>.sql holds its query.
var catalog = []Analytic{
	{Name: "technician_efficiency", TimeSeries: true, Roles: workshopFloor,
		Summary: "available, applied and billed hours; technician efficiency, productivity and proficiency (technicians see their own rows)"},
	{Name: "comeback_rate", TimeSeries: true, Roles: workshopFloor,
		Summary: "repair orders closed, comebacks (same vehicle and category within 30 days) and comeback rate"},
	{Name: "car_count", TimeSeries: true, Roles: frontDesk,
		Summary: "distinct vehicles with a repair order opened per business day"},
	{Name: "show_rate", TimeSeries: true, Roles: frontDesk,
		Summary: "bookings booked, arrived, no-show and late-cancelled; show and no-show rates"},
	{Name: "booking_heatmap", Roles: frontDesk,
		Summary: "bookings and show rate by weekday × hour of day (booking optimisation)"},
	{Name: "booking_hour_profile", Roles: frontDesk,
		Summary: "hour-of-day demand profile: bookings per local hour of planned start, its share of the branch's bookings and bookings per day"},
	{Name: "bay_utilisation", TimeSeries: true, Roles: frontDesk,
		Summary: "occupied bay-hours ÷ (bays × opening hours)"},
	{Name: "staff_utilisation", TimeSeries: true,
		Summary: "productive rostered hours ÷ rostered hours"},
	{Name: "inventory_reorder", Roles: workshopFloor,
		Summary: "stock per branch and part: reorder point from demand and lead time, days of cover, stockouts and reorder alerts"},
	{Name: "active_customers", Roles: frontDesk,
		Summary: "customers with at least one paid repair order or ride in the 12 months before `to`"},
	{Name: "churn_risk", Roles: frontDesk, compute: churnRisk, reads: []string{"customer_visits"},
		Summary: "days since last visit against 1.5 × the customer's median interval (shop-wide median for one-visit customers)"},
	{Name: "customer_journey", Roles: frontDesk,
		Summary: "repair order stage durations and CSAT by waiting time"},
	{Name: "chauffeur_on_time_pickup", TimeSeries: true, Roles: dispatch,
		Summary: "on-time pickups ÷ rides performed"},
	{Name: "chauffeur_utilisation", Roles: dispatch,
		Summary: "assigned hours ÷ on-duty hours per chauffeur"},
	{Name: "dead_head_ratio", TimeSeries: true, Roles: dispatch,
		Summary: "miles without passenger ÷ total miles of performed rides"},
	{Name: "effective_labour_rate", TimeSeries: true, Financial: true,
		Summary: "labour sales ÷ billed hours"},
	{Name: "average_repair_order", TimeSeries: true, Financial: true,
		Summary: "repair-order revenue (net of tax, sublet included, $0 internal/warranty excluded) ÷ repair orders invoiced"},
	{Name: "gross_profit_per_ro", TimeSeries: true, Financial: true,
		Summary: "(revenue − parts cost − technician labour cost − sublet cost) ÷ repair orders"},
	{Name: "gross_margin", TimeSeries: true, Financial: true,
		Summary: "parts, labour and total gross margin: (sales − cost) ÷ sales"},
	{Name: "service_profitability", Financial: true,
		Summary: "true margin per job category and labour operation with overhead allocated by applied hours; high-volume negative-margin flag"},
	{Name: "high_value_customers", Financial: true,
		Summary: "top 20% of customers by trailing-12-month gross profit (NTILE(5) = 1)"},
	{Name: "high_value_customer_share", Financial: true,
		Summary: "the high-value customers' share of trailing-12-month revenue and gross profit"},
	{Name: "rfm", Financial: true, compute: rfm, reads: []string{"customer_visits"},
		Summary: "recency, frequency and monetary quintiles over 24 months"},
	{Name: "rfm_segments", Financial: true, compute: rfmSegments, reads: []string{"customer_visits"},
		Summary: "the RFM segments: customers per recency × frequency quintile of rfm, with their revenue and average recency, visits and spend"},
	{Name: "customer_lifetime_value", Financial: true,
		Summary: "historical (gross profit to date) and predicted (annual gross profit × r ÷ (1 + 10% − r), r the 12-month retention) lifetime value per customer"},
	{Name: "clv_segments", Financial: true,
		Summary: "customer lifetime value, historical and predicted, per segment (workshop, chauffeur, both)"},
	{Name: "customer_margin", Financial: true,
		Summary: "revenue, gross profit and margin per customer"},
	{Name: "revenue_trend", TimeSeries: true, Financial: true,
		Summary: "revenue per month, quarter or year with the prior year and year-on-year growth"},
	{Name: "branch_benchmark", Financial: true,
		Summary: "revenue, gross margin, car count, ARO, bay and staff utilisation, CSAT, comeback rate per branch, ranked"},
	{Name: "fleet_utilisation", Financial: true,
		Summary: "vehicle hours on assignment ÷ in-service hours; revenue per vehicle hour"},
	{Name: "settlement_reconciliation", Financial: true,
		Summary: "Σ settlement lines vs Σ payable ride charges per chauffeur and period; differences listed"},
	{Name: "booking_forecast", Roles: frontDesk, compute: bookingForecast, reads: []string{"booking_outcomes"},
		Summary: "bookings per branch × day: seasonal naïve, Holt-Winters and damped Holt-Winters (weekly season) scored by rolling-origin error over the last weekly origins before `to` (MAE, RMSE, naïve MAE beside); the lowest MAE is chosen, with its next 7 days"},
	{Name: "churn_model", Roles: frontDesk, compute: churnModel, reads: []string{"customer_visits"},
		Summary: "logistic-regression churn model beside the churn rule on the held-out month before `to`: precision and recall"},
}

// Catalog returns every analytic.
func Catalog() []Analytic { return slices.Clone(catalog) }

// Lookup returns the analytic called name.
func Lookup(name string) (Analytic, bool) {
	i := slices.IndexFunc(catalog, func(a Analytic) bool { return a.Name == name })
	if i < 0 {
		return Analytic{}, false
	}
	return catalog[i], true
}
