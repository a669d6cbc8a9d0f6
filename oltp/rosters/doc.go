// Package rosters serves staff shifts over /v1: the rota that availability
// (bay and technician slots) and chauffeur dispatch read. Managers plan
// every shift of their organisation; dispatchers plan chauffeurs' shifts
// (a row-level security policy enforces it); every role that works from
// the rota reads it. Shifts are versioned (ETag / If-Match); a cancelled
// shift is kept with active = false.
package rosters
