// Package dashboards serves the executive pages under /dashboards:
// server-rendered HTML (html/template) with inline SVG charts drawn here,
// CSV downloads of every table, and live updates over server-sent events
// as the warehouse applies changes.
//
// Pages are lists of panels, each naming an analytic of the warehouse
// catalogue (marts.Catalog). A panel whose analytic is missing is left
// out, and so is one the viewer's role may not read (Config.Access: only
// analytics over tables and columns PostgreSQL grants the role, and that
// the catalogue offers it): a technician's page carries no revenue, cost
// or margin figure at all.
// Analytics no page names yet are still reachable on the Analytics page,
// rendered generically (first period or label column × first measure).
//
// The warehouse is read through the small Warehouse interface declared
// here; Marts adapts a DuckDB warehouse to it. Viewers authenticate with a
// bearer token, either per request (Authorization: Bearer) or once through
// the login form, which keeps the token in a server-side session named by
// a Secure, HttpOnly, SameSite=Strict cookie; the token is re-validated on
// every request, so revoking or expiring it ends the session.
//
// Results are cached per (analytic, parameters, applied LSN): viewers and
// live streams at the same warehouse position share one query, and the
// cache empties when the position moves. A live stream (/dashboards/events)
// polls the applied LSN every Config.Poll and, when it moved, re-renders
// the page for its viewer and sends the blocks whose HTML changed.
//
// Every asset (CSS, JS) is embedded and served by the binary; pages send a
// Content-Security-Policy that allows nothing but the server itself.
//
// A Handler is safe for concurrent use.
package dashboards
