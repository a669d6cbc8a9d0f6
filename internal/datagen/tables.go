package datagen

import "strings"

// tableSpec names a table and the columns the generator writes, in order.
type tableSpec struct {
	name string
	cols []string
	// identity is true when id is an identity column whose sequence must
	// be moved past the loaded ids.
	identity bool
}

// Table indexes, in foreign-key load order.
const (
	tOrganisation = iota
	tBranch
	tStaff
	tStaffRole
	tServiceBay
	tLabourOperation
	tPart
	tSupplier
	tSupplierPart
	tInvoiceCounter
	tChauffeur
	tCustomer
	tCustomerConsent
	tVehicle
	tFleetVehicle
	tPayRule
	tStaffShift
	tBooking
	tBayReservation
	tTechnicianBooking
	tRepairOrder
	tOdometer
	tRepairJob
	tLabourLine
	tPurchaseOrder
	tPurchaseOrderLine
	tPartLine
	tInventoryTxn
	tTimeClock
	tRideBooking
	tRideStop
	tDispatch
	tRideEvent
	tRideCharge
	tInvoice
	tInvoiceLine
	tPayment
	tPaymentAllocation
	tCreditNote
	tFeedback
	tNotification
	tOperatingExpense
	tSettlement
	tSettlementLine
	tVehicleOwnership
	tStockLevel
	numTables
)

const (
	stamps = "created_at updated_at"
)

func spec(name, cols string) tableSpec {
	return tableSpec{name: name, cols: strings.Fields(cols), identity: strings.HasPrefix(cols, "id ")}
}

// specs lists every table the generator writes, indexed by the constants
// above (foreign-key order).
var specs = [numTables]tableSpec{
	tOrganisation:    spec("core.organisation", "id name currency tax_rate tax_registration timezone "+stamps),
	tBranch:          spec("core.branch", "id organisation_id code name timezone opening_hours address phone "+stamps),
	tStaff:           spec("core.staff", "id organisation_id home_branch_id given_name family_name email phone employee_number pay_basis pay_rate cost_rate employed_from "+stamps),
	tStaffRole:       spec("core.staff_role", "id organisation_id staff_id role branch_id created_at"),
	tServiceBay:      spec("workshop.service_bay", "id organisation_id branch_id code name bay_type "+stamps),
	tLabourOperation: spec("workshop.labour_operation", "id organisation_id code name job_category book_hours default_labour_rate "+stamps),
	tPart:            spec("inventory.part", "id organisation_id part_number name category is_critical "+stamps),
	tSupplier:        spec("inventory.supplier", "id organisation_id name email phone account_number "+stamps),
	tSupplierPart:    spec("inventory.supplier_part", "id organisation_id supplier_id part_id supplier_part_number unit_cost lead_time_days minimum_order_qty preferred "+stamps),
	tInvoiceCounter:  spec("finance.invoice_counter", "organisation_id branch_id next_number "+stamps),
	tChauffeur:       spec("chauffeur.chauffeur", "id organisation_id branch_id licence_number licence_expires_on permit_number permit_expires_on engagement "+stamps),
	tCustomer:        spec("core.customer", "id organisation_id home_branch_id kind parent_customer_id given_name family_name company_name email phone address postcode "+stamps),
	tCustomerConsent: spec("core.customer_consent", "id organisation_id customer_id purpose channel action recorded_at source created_at"),
	tVehicle:         spec("core.vehicle", "id organisation_id vin registration_plate make model model_year fuel_type colour "+stamps),
	tFleetVehicle:    spec("chauffeur.fleet_vehicle", "id organisation_id branch_id vehicle_class passenger_capacity luggage_capacity permit_number permit_expires_on in_service "+stamps),
	tPayRule:         spec("chauffeur.chauffeur_pay_rule", "id organisation_id chauffeur_id component basis rate effective "+stamps),
	tStaffShift:      spec("core.staff_shift", "id organisation_id branch_id staff_id period break_minutes productive "+stamps),
	tBooking: spec("workshop.booking", "id organisation_id branch_id customer_id vehicle_id period channel status labour_operation_codes notes "+
		"reminder_due_at reminder_sent_at confirmed_at arrived_at cancelled_at cancellation_reason booked_by_staff_id "+stamps),
	tBayReservation:    spec("workshop.bay_reservation", "id organisation_id branch_id booking_id bay_id period active "+stamps),
	tTechnicianBooking: spec("workshop.technician_booking", "id organisation_id branch_id booking_id technician_id period active "+stamps),
	tRepairOrder: spec("workshop.repair_order", "id organisation_id branch_id ro_number customer_id vehicle_id booking_id advisor_staff_id status "+
		"opened_at promised_at invoiced_at closed_at odometer_in_miles comeback_of_repair_order_id "+stamps),
	tOdometer: spec("core.odometer_reading", "id organisation_id vehicle_id reading_miles read_at source repair_order_id created_at"),
	tRepairJob: spec("workshop.repair_job", "id organisation_id branch_id repair_order_id labour_operation_id job_category concern cause correction "+
		"status pay_type assigned_technician_id sublet_cost approved_at completed_at "+stamps),
	tLabourLine: spec("workshop.labour_line", "id organisation_id branch_id repair_job_id labour_operation_id technician_id description sold_hours "+
		"flagged_hours labour_rate sale_amount cost_rate cost_amount "+stamps),
	tPurchaseOrder: spec("inventory.purchase_order", "id organisation_id branch_id supplier_id po_number status auto_generated ordered_at "+
		"expected_at received_at created_by_staff_id "+stamps),
	tPurchaseOrderLine: spec("inventory.purchase_order_line", "id organisation_id purchase_order_id part_id quantity_ordered quantity_received unit_cost "+stamps),
	tPartLine:          spec("workshop.part_line", "id organisation_id branch_id repair_job_id part_id quantity unit_cost unit_price sale_amount issued_at "+stamps),
	tInventoryTxn: spec("inventory.inventory_transaction", "id organisation_id branch_id occurred_at part_id kind quantity unit_cost part_line_id "+
		"purchase_order_line_id reference staff_id created_at"),
	tTimeClock: spec("core.time_clock_entry", "id organisation_id branch_id staff_id kind period break_minutes repair_job_id non_productive_reason "+stamps),
	tRideBooking: spec("chauffeur.ride_booking", "id organisation_id branch_id booker_customer_id passenger_customer_id service_type status "+
		"requested_vehicle_class pickup_at estimated_duration_minutes pickup_address dropoff_address passenger_count luggage_count metadata "+
		"quoted_amount actual_landing_at on_location_at passenger_on_board_at completed_at cancelled_at cancellation_reason "+stamps),
	tRideStop: spec("chauffeur.ride_stop", "id organisation_id ride_booking_id sequence kind address planned_at arrived_at departed_at "+stamps),
	tDispatch: spec("chauffeur.dispatch_assignment", "id organisation_id branch_id ride_booking_id chauffeur_id fleet_vehicle_id period status "+
		"offered_at responded_at dispatcher_staff_id "+stamps),
	tRideEvent:  spec("chauffeur.ride_status_event", "id organisation_id occurred_at ride_booking_id from_status to_status actor_staff_id odometer_miles note created_at"),
	tRideCharge: spec("chauffeur.ride_charge", "id organisation_id ride_booking_id component description quantity unit_amount amount taxable chauffeur_payable_amount "+stamps),
	tInvoice: spec("finance.invoice", "id organisation_id branch_id invoice_number customer_id repair_order_id ride_booking_id status currency "+
		"net_total tax_total gross_total issued_at due_at voided_at void_reason "+stamps),
	tInvoiceLine: spec("finance.invoice_line", "id organisation_id invoice_id line_number kind description quantity unit_price net_amount tax_rate "+
		"tax_amount cost_amount repair_job_id labour_line_id part_line_id ride_charge_id "+stamps),
	tPayment:           spec("finance.payment", "id organisation_id branch_id customer_id method amount received_at reference "+stamps),
	tPaymentAllocation: spec("finance.payment_allocation", "id organisation_id payment_id invoice_id amount allocated_at "+stamps),
	tCreditNote:        spec("finance.credit_note", "id organisation_id branch_id invoice_id net_amount tax_amount gross_amount reason issued_at "+stamps),
	tFeedback:          spec("core.customer_feedback", "id organisation_id branch_id customer_id repair_order_id ride_booking_id csat_score nps_score comment received_at created_at"),
	tNotification: spec("core.notification", "id organisation_id branch_id kind channel status recipient_customer_id recipient_staff_id subject payload "+
		"due_at attempts sent_at "+stamps),
	tOperatingExpense: spec("finance.operating_expense", "id organisation_id branch_id month category amount description "+stamps),
	tSettlement: spec("chauffeur.settlement", "id organisation_id branch_id chauffeur_id period status total_amount approved_at approved_by_staff_id "+
		"paid_at reconciled_at payment_reference "+stamps),
	tSettlementLine:   spec("chauffeur.settlement_line", "id organisation_id settlement_id ride_booking_id component amount ride_charge_id "+stamps),
	tVehicleOwnership: spec("core.vehicle_ownership", "id organisation_id vehicle_id customer_id period "+stamps),
	tStockLevel: spec("inventory.stock_level", "id organisation_id branch_id part_id on_hand reserved reorder_point reorder_qty average_cost "+
		"bin_location last_counted_at "+stamps),
}

// Tables returns the schema-qualified names of every table the generator
// writes, in load (foreign-key) order.
func Tables() []string {
	out := make([]string, len(specs))
	for i := range specs {
		out[i] = specs[i].name
	}
	return out
}
