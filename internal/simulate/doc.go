// Package simulate keeps a demo business alive: a Simulator plays the staff
// of the first organisation through the public /v1 API, on the current
// clock, with their bearer tokens. Receptionists book free slots from
// availability (days and weeks ahead, and walk-ins now) and check vehicles
// in when they arrive; advisors authorise the work; the work is completed,
// labour and parts (issued from stock) are added; finance invoices, issues
// and takes payment; stock that runs low is received; the manager keeps
// the rota planned four weeks ahead (/v1/shifts); chauffeurs accept their
// offers and drive their rides. Everything goes
// through the API and its rules: a refusal (a slot taken meanwhile, a
// vehicle sold) is logged and the next action goes on.
package simulate
