package marts_test

// edgeSQL is a second hand-built business, org 3, whose rows sit on the
// edges of the KPI definitions: branch 4 (UTC, open Mon–Fri 08:00–18:00,
// closed for a holiday on Friday 6 March) and branch 5 (Europe/London, where
// Sunday 29 March 2026 has 23 hours). Expected values are worked out by
// hand in edgeCases.
const edgeSQL = `
INSERT INTO core.organisation (id, name) VALUES (3, 'Edges');
INSERT INTO core.branch (id, organisation_id, code, name, timezone, opening_hours) VALUES
 (4, 3, 'E1', 'Edge UTC', 'UTC', '{"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]], "wed": [["08:00", "18:00"]],
   "thu": [["08:00", "18:00"]], "fri": [["08:00", "18:00"]], "holidays": ["2026-03-06"]}'),
 (5, 3, 'E2', 'Edge London', 'Europe/London', '{"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]], "wed": [["08:00", "18:00"]],
   "thu": [["08:00", "18:00"]], "fri": [["08:00", "18:00"]]}');
INSERT INTO workshop.service_bay (id, organisation_id, branch_id, code, name, active) VALUES (10, 3, 4, 'A', 'A', true);

-- vehicle 700: RO 300 (brakes declined, service done; invoiced without
-- invoiced_at, as the API once did), RO 301 brakes 8 days later, RO 302 cancelled (with a closed_at), RO 303 service 10 days later
INSERT INTO workshop.repair_order (id, organisation_id, branch_id, customer_id, vehicle_id, status, opened_at, closed_at, invoiced_at) VALUES
 (300, 3, 4, 800, 700, 'closed', '2026-03-02 08:00:00+00', '2026-03-02 12:00:00+00', NULL),
 (301, 3, 4, 800, 700, 'closed', '2026-03-10 09:00:00+00', '2026-03-10 12:00:00+00', NULL),
 (302, 3, 4, 800, 700, 'cancelled', '2026-03-11 09:00:00+00', '2026-03-11 10:00:00+00', NULL),
 (303, 3, 4, 800, 700, 'closed', '2026-03-12 09:00:00+00', '2026-03-12 11:00:00+00', NULL);
INSERT INTO workshop.repair_job (id, organisation_id, branch_id, repair_order_id, labour_operation_id, job_category, status, pay_type, assigned_technician_id) VALUES
 (3000, 3, 4, 300, NULL, 'brakes', 'declined', 'customer', NULL),
 (3001, 3, 4, 300, NULL, 'service', 'done', 'customer', NULL),
 (3002, 3, 4, 301, NULL, 'brakes', 'done', 'customer', NULL),
 (3003, 3, 4, 302, NULL, 'service', 'recommended', 'customer', NULL),
 (3004, 3, 4, 303, NULL, 'service', 'done', 'customer', NULL);
-- RO 300's invoice: labour 100 (cost 40) and a disposal fee 10 (cost 8);
-- ride 11's invoice: 100, of which the chauffeur is paid 60
INSERT INTO finance.invoice (id, organisation_id, branch_id, customer_id, repair_order_id, ride_booking_id, status, gross_total, issued_at) VALUES
 (3100, 3, 4, 800, 300, NULL, 'issued', 132, '2026-03-02 11:00:00+00'),
 (3101, 3, 4, 801, NULL, 11, 'issued', 120, '2026-03-03 12:00:00+00');
INSERT INTO finance.invoice_line (id, organisation_id, invoice_id, line_number, kind, net_amount, cost_amount, repair_job_id, labour_line_id, ride_charge_id) VALUES
 (300, 3, 3100, 1, 'labour', 100, 40, 3001, NULL, NULL),
 (301, 3, 3100, 2, 'fee', 10, 8, NULL, NULL, NULL),
 (302, 3, 3101, 1, 'ride_base', 100, 0, NULL, NULL, 10);
-- refunds: 10 of RO 300's invoice, 20 of the ride's
INSERT INTO finance.credit_note (id, organisation_id, branch_id, invoice_id, net_amount, tax_amount, gross_amount, reason, issued_at) VALUES
 (1, 3, 4, 3100, 10, 2, 12, 'Disposal fee waived', '2026-03-20 10:00:00+00'),
 (2, 3, 4, 3101, 20, 4, 24, 'Late pickup', '2026-03-21 10:00:00+00');

-- part 3 at branch 4: 3 on hand, no reorder point set, 30 used on 20 March,
-- lead time 2 days
INSERT INTO inventory.part (id, organisation_id, part_number, name, is_critical) VALUES (3, 3, 'E3', 'Bulbs', false);
INSERT INTO inventory.stock_level (id, organisation_id, branch_id, part_id, on_hand, reserved, reorder_point) VALUES
 (10, 3, 4, 3, 3, 0, 0);
INSERT INTO inventory.supplier_part (id, organisation_id, supplier_id, part_id, unit_cost, lead_time_days, preferred) VALUES
 (10, 3, 10, 3, 1, 2, true);
INSERT INTO inventory.inventory_transaction (id, organisation_id, branch_id, occurred_at, part_id, kind, quantity) VALUES
 (10, 3, 4, '2026-03-20 10:00:00+00', 3, 'issue', -30);

-- bay 10 reserved 17:00–20:00 on Monday 2 March: one hour inside opening hours
INSERT INTO workshop.booking (id, organisation_id, branch_id, customer_id, vehicle_id, period, status) VALUES
 (300, 3, 4, 800, 700, '["2026-03-02 17:00:00+00","2026-03-02 20:00:00+00")', 'arrived');
INSERT INTO workshop.bay_reservation (id, organisation_id, branch_id, booking_id, bay_id, period, active) VALUES
 (300, 3, 4, 300, 10, '["2026-03-02 17:00:00+00","2026-03-02 20:00:00+00")', true);

-- chauffeur 21 and vehicle 31 at the London branch: on Sunday 29 March (23
-- local hours) an 8-hour shift 16:00–24:00 BST and a ride assigned from
-- 23:30 BST to 00:30 BST (half an hour of it on the 29th)
INSERT INTO core.staff_role (id, organisation_id, staff_id, role, branch_id) VALUES (300, 3, 21, 'chauffeur', 5);
INSERT INTO core.staff_shift (id, organisation_id, branch_id, staff_id, period, break_minutes, productive, active) VALUES
 (300, 3, 5, 21, '["2026-03-29 15:00:00+00","2026-03-29 23:00:00+00")', 0, true, true);
INSERT INTO chauffeur.chauffeur (id, organisation_id, branch_id) VALUES (21, 3, 5);
INSERT INTO chauffeur.fleet_vehicle (id, organisation_id, branch_id, vehicle_class, in_service) VALUES
 (31, 3, 5, 'sedan', '["2026-03-01 00:00:00+00",)');
INSERT INTO chauffeur.ride_booking (id, organisation_id, branch_id, service_type, status, pickup_at, actual_landing_at, on_location_at, completed_at) VALUES
 (10, 3, 5, 'point_to_point', 'completed', '2026-03-29 22:45:00+00', NULL, '2026-03-29 22:40:00+00', '2026-03-29 23:30:00+00'),
 (11, 3, 4, 'point_to_point', 'completed', '2026-03-03 10:00:00+00', NULL, '2026-03-03 09:55:00+00', '2026-03-03 11:00:00+00');
INSERT INTO chauffeur.dispatch_assignment (id, organisation_id, branch_id, ride_booking_id, chauffeur_id, fleet_vehicle_id, period, status) VALUES
 (300, 3, 5, 10, 21, 31, '["2026-03-29 22:30:00+00","2026-03-29 23:30:00+00")', 'completed');
INSERT INTO chauffeur.ride_charge (id, organisation_id, ride_booking_id, component, amount, chauffeur_payable_amount) VALUES
 (10, 3, 11, 'ride_base', 100, 60);
`
