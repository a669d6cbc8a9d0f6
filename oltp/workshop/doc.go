// Package workshop holds the /v1 workflows of the service centres:
// availability and bookings, check-in to repair orders, jobs, labour and
// part lines, technician clocking. Every handler runs inside the request's
// transaction (oltp.Call.Tx) as the caller's database role, so row-level
// security, column grants, triggers and exclusion constraints apply.
package workshop
