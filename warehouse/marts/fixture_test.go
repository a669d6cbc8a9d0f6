package marts_test

// fixtureSQL is a small hand-built business in the mirror tables: org 1
// with branches 1 and 2 (UTC, open Mon–Tue 08:00–18:00), org 2 with
// branch 3 (must never show). Expected KPI values are worked out by hand
// in kpi_test.go.
const fixtureSQL = `
INSERT INTO core.organisation (id, name) VALUES (1, 'Fixture'), (2, 'Other');
INSERT INTO core.branch (id, organisation_id, code, name, timezone, opening_hours) VALUES
 (1, 1, 'B1', 'One', 'UTC', '{"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]]}'),
 (2, 1, 'B2', 'Two', 'UTC', '{"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]]}'),
 (3, 2, 'X', 'Other', 'UTC', '{"mon": [["08:00", "18:00"]]}');
INSERT INTO core.staff_role (id, organisation_id, staff_id, role, branch_id) VALUES
 (1, 1, 10, 'technician', 1), (2, 1, 11, 'technician', 1), (3, 1, 12, 'receptionist', 1), (4, 1, 20, 'chauffeur', 1);
INSERT INTO workshop.service_bay (id, organisation_id, branch_id, code, name, active) VALUES
 (1, 1, 1, 'A', 'A', true), (2, 1, 1, 'B', 'B', true), (3, 1, 1, 'C', 'C', false), (4, 1, 2, 'A', 'A', true);

-- clock: technician 10 on Mon 2 March: 9 h attendance with a 60-minute break, 4 h + 2 h on jobs
INSERT INTO core.time_clock_entry (id, organisation_id, branch_id, staff_id, kind, period, break_minutes, repair_job_id) VALUES
 (1, 1, 1, 10, 'attendance', '["2026-03-02 08:00:00+00","2026-03-02 17:00:00+00")', 60, NULL),
 (2, 1, 1, 10, 'job', '["2026-03-02 08:00:00+00","2026-03-02 12:00:00+00")', 0, 1000),
 (3, 1, 1, 10, 'job', '["2026-03-02 13:00:00+00","2026-03-02 15:00:00+00")', 0, 1001),
 (4, 1, 1, 12, 'attendance', '["2026-03-02 08:00:00+00","2026-03-02 12:00:00+00")', 0, NULL),
 (5, 1, 1, 10, 'attendance', '["2026-03-03 08:00:00+00",)', 0, NULL);

INSERT INTO workshop.labour_operation (id, organisation_id, code, name, job_category) VALUES
 (1, 1, 'BRK', 'Brake pads', 'brakes'), (2, 1, 'SRV', 'Service', 'service');
INSERT INTO workshop.repair_order (id, organisation_id, branch_id, customer_id, vehicle_id, status, opened_at, closed_at, invoiced_at) VALUES
 (99, 1, 1, 500, 600, 'closed', '2025-03-10 09:00:00+00', '2025-03-10 12:00:00+00', '2025-03-10 11:00:00+00'),
 (100, 1, 1, 500, 600, 'closed', '2026-03-02 08:00:00+00', '2026-03-02 17:00:00+00', '2026-03-02 16:00:00+00'),
 (101, 1, 1, 501, 601, 'closed', '2026-03-03 09:00:00+00', '2026-03-03 12:00:00+00', '2026-03-03 11:00:00+00'),
 (102, 1, 1, 500, 600, 'closed', '2026-03-20 09:00:00+00', '2026-03-20 11:00:00+00', '2026-03-20 10:30:00+00'),
 (103, 1, 1, 502, 602, 'in_progress', '2026-03-02 10:00:00+00', NULL, NULL),
 (104, 1, 1, 503, 603, 'cancelled', '2026-03-02 11:00:00+00', NULL, NULL),
 (900, 2, 3, 900, 900, 'closed', '2026-03-02 09:00:00+00', '2026-03-02 10:00:00+00', '2026-03-02 10:00:00+00');
INSERT INTO workshop.repair_job (id, organisation_id, branch_id, repair_order_id, labour_operation_id, job_category, status, pay_type, assigned_technician_id) VALUES
 (1000, 1, 1, 100, 1, 'brakes', 'done', 'customer', 10),
 (1001, 1, 1, 101, 2, 'service', 'done', 'warranty', 10),
 (1003, 1, 1, 101, 2, 'service', 'done', 'warranty', 11),
 (1002, 1, 1, 102, 1, 'brakes', 'done', 'customer', 10),
 (9000, 2, 3, 900, NULL, 'brakes', 'done', 'customer', NULL);
INSERT INTO workshop.labour_line (id, organisation_id, branch_id, repair_job_id, technician_id, sold_hours, sale_amount) VALUES
 (3000, 1, 1, 1000, 10, 7.5, 750), (3001, 1, 1, 1001, 10, 0.5, 0), (3002, 1, 1, 1003, 11, 0.5, 0);
INSERT INTO finance.invoice (id, organisation_id, branch_id, customer_id, repair_order_id, ride_booking_id, status, gross_total, issued_at) VALUES
 (1999, 1, 1, 500, 99, NULL, 'issued', 1056, '2025-03-10 11:00:00+00'),
 (2000, 1, 1, 500, 100, NULL, 'issued', 1200, '2026-03-02 16:00:00+00'),
 (2001, 1, 1, 501, 101, NULL, 'issued', 0, '2026-03-03 11:00:00+00'),
 (2002, 1, 1, 500, 102, NULL, 'issued', 120, '2026-03-20 10:30:00+00'),
 (2003, 1, 1, 500, 102, NULL, 'void', 999, '2026-03-20 10:00:00+00'),
 (2004, 1, 1, 503, NULL, 1, 'issued', 240, '2025-10-10 10:00:00+00'),
 (2005, 1, 1, 503, NULL, 2, 'issued', 360, '2026-01-10 10:00:00+00'),
 (2006, 1, 1, 504, NULL, 3, 'issued', 60, '2025-06-01 10:00:00+00'),
 (2007, 1, 1, 505, NULL, 4, 'issued', 96, '2024-12-01 10:00:00+00'),
 (9900, 2, 3, 900, 900, NULL, 'issued', 6000, '2026-03-02 10:00:00+00');
INSERT INTO finance.invoice_line (id, organisation_id, invoice_id, line_number, kind, net_amount, cost_amount, repair_job_id, labour_line_id) VALUES
 (1, 1, 1999, 1, 'fee', 880, 0, NULL, NULL),
 (2, 1, 2000, 1, 'labour', 750, 200, 1000, 3000),
 (3, 1, 2000, 2, 'part', 200, 120, 1000, NULL),
 (4, 1, 2000, 3, 'sublet', 50, 40, 1000, NULL),
 (5, 1, 2001, 1, 'labour', 0, 30, 1001, 3001),
 (6, 1, 2001, 2, 'labour', 0, 30, 1003, 3002),
 (7, 1, 2002, 1, 'part', 100, 60, 1002, NULL),
 (8, 1, 2003, 1, 'part', 999, 0, 1002, NULL),
 (9, 1, 2004, 1, 'ride_base', 200, 0, NULL, NULL),
 (10, 1, 2005, 1, 'ride_base', 300, 0, NULL, NULL),
 (11, 1, 2006, 1, 'ride_base', 50, 0, NULL, NULL),
 (12, 1, 2007, 1, 'ride_base', 80, 0, NULL, NULL),
 (13, 2, 9900, 1, 'labour', 5000, 100, 9000, NULL);
INSERT INTO finance.payment_allocation (id, organisation_id, payment_id, invoice_id, amount) VALUES
 (1, 1, 1, 2000, 1200), (2, 1, 2, 2005, 360), (3, 1, 3, 2006, 30);
INSERT INTO finance.operating_expense (id, organisation_id, branch_id, month, category, amount) VALUES
 (1, 1, 1, '2026-03-01', 'rent', 450), (2, 1, 1, '2026-03-01', 'power', 150);
INSERT INTO core.customer_feedback (id, organisation_id, branch_id, customer_id, repair_order_id, csat_score, received_at) VALUES
 (1, 1, 1, 500, 100, 4, '2026-03-05 10:00:00+00'), (2, 1, 1, 501, 101, 2, '2026-03-05 11:00:00+00');

-- bookings Mon 2 and Tue 3 March (the calendar span), bays and rota
INSERT INTO workshop.booking (id, organisation_id, branch_id, customer_id, vehicle_id, period, status) VALUES
 (1, 1, 1, 500, 600, '["2026-03-02 09:00:00+00","2026-03-02 10:00:00+00")', 'arrived'),
 (2, 1, 1, 501, 601, '["2026-03-02 09:00:00+00","2026-03-02 10:00:00+00")', 'converted'),
 (3, 1, 1, 502, 602, '["2026-03-02 10:00:00+00","2026-03-02 11:00:00+00")', 'no_show'),
 (4, 1, 1, 503, 603, '["2026-03-02 11:00:00+00","2026-03-02 12:00:00+00")', 'late_cancelled'),
 (5, 1, 1, 504, 604, '["2026-03-02 12:00:00+00","2026-03-02 13:00:00+00")', 'cancelled'),
 (6, 1, 1, 505, 605, '["2026-03-03 14:00:00+00","2026-03-03 15:00:00+00")', 'booked'),
 (7, 2, 3, 900, 900, '["2026-03-02 09:00:00+00","2026-03-02 10:00:00+00")', 'no_show');
INSERT INTO workshop.bay_reservation (id, organisation_id, branch_id, booking_id, bay_id, period, active) VALUES
 (1, 1, 1, 1, 1, '["2026-03-02 09:00:00+00","2026-03-02 11:00:00+00")', true),
 (2, 1, 1, 2, 2, '["2026-03-02 10:00:00+00","2026-03-02 13:00:00+00")', true),
 (3, 1, 1, 5, 1, '["2026-03-02 14:00:00+00","2026-03-02 16:00:00+00")', false);
INSERT INTO core.staff_shift (id, organisation_id, branch_id, staff_id, period, break_minutes, productive, active) VALUES
 (1, 1, 1, 10, '["2026-03-02 08:00:00+00","2026-03-02 17:00:00+00")', 60, true, true),
 (2, 1, 1, 12, '["2026-03-02 08:00:00+00","2026-03-02 12:00:00+00")', 0, false, true),
 (3, 1, 1, 11, '["2026-03-02 08:00:00+00","2026-03-02 18:00:00+00")', 0, true, false),
 (4, 1, 1, 20, '["2026-03-02 08:00:00+00","2026-03-02 18:00:00+00")', 0, true, true);

-- inventory: part 1 used 9 on 1 Feb, 3 on 20 Mar, 6 on 30 Mar; lead time 4 days (preferred supplier)
INSERT INTO inventory.part (id, organisation_id, part_number, name, is_critical) VALUES
 (1, 1, 'P1', 'Pads', true), (2, 1, 'P2', 'Filter', false);
INSERT INTO inventory.stock_level (id, organisation_id, branch_id, part_id, on_hand, reserved, reorder_point) VALUES
 (1, 1, 1, 1, 10, 0, 5), (2, 1, 1, 2, 0, 0, 2);
INSERT INTO inventory.supplier_part (id, organisation_id, supplier_id, part_id, unit_cost, lead_time_days, preferred) VALUES
 (1, 1, 1, 1, 10, 4, true), (2, 1, 2, 1, 9, 2, false), (3, 1, 1, 2, 5, 3, true);
INSERT INTO inventory.inventory_transaction (id, organisation_id, branch_id, occurred_at, part_id, kind, quantity) VALUES
 (1, 1, 1, '2026-02-01 10:00:00+00', 1, 'issue', -9),
 (2, 1, 1, '2026-03-20 10:00:00+00', 1, 'issue', -3),
 (3, 1, 1, '2026-03-30 10:00:00+00', 1, 'issue', -6),
 (4, 1, 1, '2026-03-30 11:00:00+00', 1, 'receipt', 20),
 (5, 1, 1, '2025-12-01 10:00:00+00', 1, 'issue', -50);

-- chauffeur: chauffeur 20, vehicle 30 in service from 1 March
INSERT INTO chauffeur.chauffeur (id, organisation_id, branch_id) VALUES (20, 1, 1);
INSERT INTO chauffeur.fleet_vehicle (id, organisation_id, branch_id, vehicle_class, in_service) VALUES
 (30, 1, 1, 'sedan', '["2026-03-01 00:00:00+00",)');
INSERT INTO chauffeur.ride_booking (id, organisation_id, branch_id, service_type, status, pickup_at, actual_landing_at, on_location_at, completed_at) VALUES
 (1, 1, 1, 'point_to_point', 'completed', '2026-03-02 10:00:00+00', NULL, '2026-03-02 09:55:00+00', '2026-03-02 11:00:00+00'),
 (2, 1, 1, 'airport_arrival', 'completed', '2026-03-02 12:00:00+00', '2026-03-02 12:30:00+00', '2026-03-02 12:40:00+00', '2026-03-02 13:30:00+00'),
 (3, 1, 1, 'point_to_point', 'completed', '2026-03-02 14:00:00+00', NULL, '2026-03-02 14:10:00+00', '2026-03-02 15:00:00+00'),
 (4, 1, 1, 'point_to_point', 'cancelled', '2026-03-02 16:00:00+00', NULL, NULL, NULL);
INSERT INTO chauffeur.dispatch_assignment (id, organisation_id, branch_id, ride_booking_id, chauffeur_id, fleet_vehicle_id, period, status) VALUES
 (1, 1, 1, 1, 20, 30, '["2026-03-02 09:30:00+00","2026-03-02 11:00:00+00")', 'completed'),
 (2, 1, 1, 2, 20, 30, '["2026-03-02 11:30:00+00","2026-03-02 13:30:00+00")', 'completed'),
 (3, 1, 1, 4, 20, 30, '["2026-03-02 15:30:00+00","2026-03-02 17:00:00+00")', 'cancelled');
INSERT INTO chauffeur.ride_status_event (id, organisation_id, occurred_at, ride_booking_id, to_status, odometer_miles) VALUES
 (1, 1, '2026-03-02 09:30:00+00', 1, 'on_the_way', 100.0),
 (2, 1, '2026-03-02 10:00:00+00', 1, 'passenger_on_board', 110.0),
 (3, 1, '2026-03-02 11:00:00+00', 1, 'completed', 140.0),
 (4, 1, '2026-03-02 11:30:00+00', 2, 'accepted', 200.0),
 (5, 1, '2026-03-02 12:45:00+00', 2, 'passenger_on_board', 205.0),
 (6, 1, '2026-03-02 13:30:00+00', 2, 'completed', 225.0);
INSERT INTO chauffeur.ride_charge (id, organisation_id, ride_booking_id, component, amount, chauffeur_payable_amount) VALUES
 (1, 1, 1, 'ride_base', 100, 60), (2, 1, 1, 'gratuity', 10, 10), (3, 1, 2, 'ride_base', 150, 90);
INSERT INTO chauffeur.settlement (id, organisation_id, branch_id, chauffeur_id, period, status) VALUES
 (1, 1, 1, 20, '["2026-03-01 00:00:00+00","2026-04-01 00:00:00+00")', 'approved');
INSERT INTO chauffeur.settlement_line (id, organisation_id, settlement_id, ride_booking_id, component, amount) VALUES
 (1, 1, 1, 1, 'ride_base', 60), (2, 1, 1, 2, 'ride_base', 80);
`
