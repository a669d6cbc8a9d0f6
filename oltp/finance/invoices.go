package finance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// financeRoles own invoices and payments.
var financeRoles = []string{"finance", "manager"}

// Register mounts the finance workflows on api.
func Register(api *oltp.API) {
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/invoices", Summary: "Generate a draft invoice from a repair order",
		Roles: financeRoles, Request: InvoiceRequest{}, Response: Invoice{}, Status: http.StatusCreated}, createInvoice)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/invoices", Summary: "List invoices with their balances",
		Roles: financeRoles, Response: oltp.Collection[InvoiceSummary]{}, Query: invoiceList.Params()}, listInvoices)
	api.Read(oltp.Route{Method: http.MethodGet, Path: "/v1/invoices/:id", Summary: "Read an invoice with its balance",
		Roles: financeRoles, Response: Invoice{}}, getInvoice)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/invoices/:id/issue", Summary: "Issue a draft invoice",
		Roles: financeRoles, Response: Invoice{}}, issueInvoice)
	api.Write(oltp.Route{Method: http.MethodPost, Path: "/v1/invoices/:id/void", Summary: "Void an issued invoice",
		Roles: financeRoles, Request: VoidRequest{}, Response: Invoice{}}, voidInvoice)
	registerPayments(api)
	registerCreditNotes(api)
}

// Invoice is the API view of finance.invoice with its lines, allocations
// and balance. Outstanding is gross minus paid while issued, the gross
// total while draft and zero once void.
type Invoice struct {
	InvoiceSummary
	Lines       []Line       `json:"lines"`
	Allocations []Allocation `json:"allocations"`
}

// Line is one invoice line. CostAmount is the cost behind it (finance and
// managers only — the only readers of invoices).
type Line struct {
	LineNumber   int32   `json:"line_number"`
	Kind         string  `json:"kind"`
	Description  string  `json:"description"`
	Quantity     Decimal `json:"quantity"`
	UnitPrice    Decimal `json:"unit_price"`
	NetAmount    Decimal `json:"net_amount"`
	TaxRate      Decimal `json:"tax_rate"`
	TaxAmount    Decimal `json:"tax_amount"`
	CostAmount   Decimal `json:"cost_amount"`
	RepairJobID  *int64  `json:"repair_job_id"`
	LabourLineID *int64  `json:"labour_line_id"`
	PartLineID   *int64  `json:"part_line_id"`
}

// Allocation is part of a payment applied to an invoice.
type Allocation struct {
	PaymentID int64   `json:"payment_id"`
	InvoiceID int64   `json:"invoice_id"`
	Amount    Decimal `json:"amount"`
}

// InvoiceSummary is an invoice's header and balance: an invoice in a list
// (GET /v1/invoices/{id} adds lines and allocations).
type InvoiceSummary struct {
	ID            int64      `json:"id"`
	BranchID      int64      `json:"branch_id"`
	CustomerID    int64      `json:"customer_id"`
	RepairOrderID *int64     `json:"repair_order_id"`
	InvoiceNumber *int64     `json:"invoice_number"`
	Status        string     `json:"status"`
	Currency      string     `json:"currency"`
	NetTotal      Decimal    `json:"net_total"`
	TaxTotal      Decimal    `json:"tax_total"`
	GrossTotal    Decimal    `json:"gross_total"`
	Paid          Decimal    `json:"paid"`
	Outstanding   Decimal    `json:"outstanding"`
	IssuedAt      *time.Time `json:"issued_at"`
	DueAt         *time.Time `json:"due_at"`
	VoidedAt      *time.Time `json:"voided_at"`
	VoidReason    *string    `json:"void_reason"`
}

const selectInvoices = `SELECT i.id, i.branch_id, i.customer_id, i.repair_order_id, i.invoice_number, i.status::text, i.currency,
  i.net_total::text, i.tax_total::text, i.gross_total::text, p.paid::text,
  (CASE i.status WHEN 'issued' THEN i.gross_total - p.paid WHEN 'draft' THEN i.gross_total ELSE 0 END)::numeric(12,2)::text,
  i.issued_at, i.due_at, i.voided_at, i.void_reason
FROM finance.invoice i,
  LATERAL (SELECT coalesce(sum(a.amount), 0)::numeric(12,2) AS paid FROM finance.payment_allocation a WHERE a.invoice_id = i.id) p`

func scanInvoice(row pgx.Row) (InvoiceSummary, error) {
	var v InvoiceSummary
	err := row.Scan(&v.ID, &v.BranchID, &v.CustomerID, &v.RepairOrderID, &v.InvoiceNumber,
		&v.Status, &v.Currency, &v.NetTotal, &v.TaxTotal, &v.GrossTotal, &v.Paid, &v.Outstanding,
		&v.IssuedAt, &v.DueAt, &v.VoidedAt, &v.VoidReason)
	return v, err
}

var invoiceStatuses = []string{"draft", "issued", "void"}

// listInvoices pages through the invoices the caller may see, filtered by
// branch, customer, repair order and status.
// invoiceList is the invoices collection and its filters.
var invoiceList = oltp.ListSpec{What: "invoices", Base: selectInvoices, Alias: "i.",
	IDs: []string{"branch_id", "customer_id", "repair_order_id"}, Enum: "status", EnumType: "finance.invoice_status", EnumValues: invoiceStatuses}

func listInvoices(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	col, err := oltp.ListRows(ctx, call, invoiceList, scanInvoice, func(v InvoiceSummary) int64 { return v.ID })
	return oltp.Result{Body: col}, err
}

// loadInvoice reads an invoice with its lines and allocations.
func loadInvoice(ctx context.Context, tx pgx.Tx, id int64) (Invoice, error) {
	var v Invoice
	var err error
	v.InvoiceSummary, err = scanInvoice(tx.QueryRow(ctx, selectInvoices+` WHERE i.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, oltp.NotFound("invoice " + strconv.FormatInt(id, 10) + " does not exist")
	} else if err != nil {
		return v, fmt.Errorf("read invoice: %w", err)
	}
	if v.Lines, err = loadLines(ctx, tx, id); err != nil {
		return v, err
	}
	v.Allocations, err = loadAllocations(ctx, tx, `invoice_id = $1`, id)
	return v, err
}

func loadLines(ctx context.Context, tx pgx.Tx, invoiceID int64) ([]Line, error) {
	rows, err := tx.Query(ctx, `SELECT line_number, kind::text, description, quantity::text, unit_price::text, net_amount::text,
		tax_rate::text, tax_amount::text, cost_amount::text, repair_job_id, labour_line_id, part_line_id
		FROM finance.invoice_line WHERE invoice_id = $1 ORDER BY line_number`, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("read invoice lines: %w", err)
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		var l Line
		err := r.Scan(&l.LineNumber, &l.Kind, &l.Description, &l.Quantity, &l.UnitPrice, &l.NetAmount, &l.TaxRate,
			&l.TaxAmount, &l.CostAmount, &l.RepairJobID, &l.LabourLineID, &l.PartLineID)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("read invoice lines: %w", err)
	}
	return nonNil(lines), nil
}

// loadAllocations reads allocations matching where (a constant predicate
// on payment_id or invoice_id with one parameter, arg).
func loadAllocations(ctx context.Context, tx pgx.Tx, where string, arg any) ([]Allocation, error) {
	rows, err := tx.Query(ctx, `SELECT payment_id, invoice_id, amount::text FROM finance.payment_allocation WHERE `+where+` ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("read allocations: %w", err)
	}
	allocs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Allocation, error) {
		var a Allocation
		err := r.Scan(&a.PaymentID, &a.InvoiceID, &a.Amount)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("read allocations: %w", err)
	}
	return nonNil(allocs), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func getInvoice(ctx context.Context, call *oltp.Call) (oltp.Result, error) {
	id, err := oltp.PathID(call.Gin, "id")
	if err != nil {
		return oltp.Result{}, err
	}
	v, err := loadInvoice(ctx, call.Tx, id)
	if err != nil {
		return oltp.Result{}, err
	}
	return oltp.Result{Body: v}, nil
}

// checkScope refuses a branch outside the caller's branches.
func checkScope(p oltp.Principal, field string, branchID int64) error {
	if len(p.BranchIDs) > 0 && !slices.Contains(p.BranchIDs, branchID) {
		return oltp.Forbidden(fmt.Sprintf("%s %d is not one of your branches", field, branchID))
	}
	return nil
}
