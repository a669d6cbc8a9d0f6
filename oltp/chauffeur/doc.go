// Package chauffeur holds the /v1 workflows of the chauffeur line of
// business: ride bookings with JSONB metadata (and search by flight
// number), dispatch offers that chauffeurs accept or reject, an
// auto-dispatch worker, ride status events, priced charges and chauffeur
// settlements computed from pay rules.
//
// Every handler runs inside the request's transaction (oltp.Call.Tx) as the
// caller's database role, so row-level security (a chauffeur sees only the
// rides offered to or accepted by them), column grants (dispatchers never
// read chauffeur pay), triggers and constraints apply. Concurrency follows
// DOMAIN.md: a dispatch screen locks the ride FOR UPDATE NOWAIT (a ride
// being dispatched by someone else is a 409 at once), the worker claims
// rides FOR UPDATE SKIP LOCKED, the exclusion constraints on
// dispatch_assignment stop a chauffeur or vehicle being booked twice, and
// the UNIQUE (ride, component) key on settlement_line stops paying twice.
package chauffeur
