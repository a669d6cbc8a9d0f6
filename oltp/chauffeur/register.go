package chauffeur

import (
	"net/http"

	"github.com/carcarehub/cch/oltp"
)

// Business roles per operation. Receptionists, technicians and auditors
// have no business with rides; chauffeurs see their own (RLS).
var (
	rideWriters       = []string{"dispatcher", "manager"}
	rideReaders       = []string{"dispatcher", "manager", "finance", "chauffeur"}
	eventWriters      = []string{"dispatcher", "manager", "chauffeur"}
	chargeReaders     = []string{"dispatcher", "manager", "finance"}
	settlementRoles   = []string{"finance", "manager"}
	chauffeurOnly     = []string{"chauffeur"}
	payVisibleToRoles = []string{"finance", "manager"}
)

// Register mounts the chauffeur workflows on api.
func Register(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/rides", Summary: "Book a ride",
		Roles: rideWriters, Request: RideRequest{}, Response: Ride{}, Status: http.StatusCreated, Versioned: true}, createRide)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/rides/:id", Summary: "Read a ride",
		Roles: rideReaders, Response: Ride{}, Versioned: true}, getRide)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/rides", Summary: "List rides",
		Roles: rideReaders, Response: oltp.Collection[Ride]{}, Query: rideListParams}, listRides)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/rides/:id/cancel", Summary: "Cancel a ride",
		Roles: rideWriters, Request: CancelRequest{}, Response: Ride{}, Versioned: true}, cancelRide)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/rides/:id/dispatch", Summary: "Offer a ride to a chauffeur and vehicle",
		Roles: rideWriters, Request: DispatchRequest{}, Response: Assignment{}, Status: http.StatusCreated}, dispatchRide)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/dispatch/:id/accept", Summary: "Accept a dispatch offer",
		Roles: chauffeurOnly, Response: Assignment{}}, acceptOffer)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/dispatch/:id/reject", Summary: "Reject a dispatch offer",
		Roles: chauffeurOnly, Response: Assignment{}}, rejectOffer)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/rides/:id/events", Summary: "Record a ride status event",
		Roles: eventWriters, Request: EventRequest{}, Response: Ride{}, Status: http.StatusCreated}, postEvent)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/rides/:id/charges", Summary: "Add a charge to a ride",
		Roles: rideWriters, Request: ChargeRequest{}, Response: Charge{}, Status: http.StatusCreated}, addCharge)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/rides/:id/charges", Summary: "List the charges of a ride",
		Roles: chargeReaders, Response: oltp.Collection[Charge]{}}, listCharges)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/settlements", Summary: "Draft a chauffeur settlement",
		Roles: settlementRoles, Request: SettlementRequest{}, Response: Settlement{}, Status: http.StatusCreated, Versioned: true}, createSettlement)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/settlements", Summary: "List settlements without their lines",
		Roles: settlementRoles, Response: oltp.Collection[SettlementSummary]{}, Query: settlementList.Params()}, listSettlements)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/settlements/:id", Summary: "Read a settlement",
		Roles: settlementRoles, Response: Settlement{}, Versioned: true}, getSettlement)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/settlements/:id/approve", Summary: "Approve a settlement",
		Roles: settlementRoles, Response: Settlement{}, Versioned: true}, approveSettlement)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/settlements/:id/pay", Summary: "Record the payment of an approved settlement",
		Roles: settlementRoles, Request: PayRequest{}, Response: Settlement{}, Versioned: true}, paySettlement)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/settlements/:id/reconcile", Summary: "Mark a paid settlement reconciled",
		Roles: settlementRoles, Response: Settlement{}, Versioned: true}, reconcileSettlement)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/settlements/:id/export", Summary: "Export a settlement's lines as CSV rows",
		Roles: settlementRoles, Response: Export{}, Formats: []string{"text/csv"}}, exportSettlement)
}
