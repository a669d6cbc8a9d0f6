# Car Care Hub system of record: the declarative schema (Atlas HCL).
#
# Source of truth for tables, columns, keys, indexes, checks, enums and
# partition keys. Change it, then `cch migrate diff NAME` writes the next
# versioned migration. What Atlas HCL cannot express (extensions, exclusion
# constraints, functions, triggers, RLS, roles, grants, partition children,
# the publication) lives in the hand-written files in migrations/.
# Conventions and the table list: docs/schema.md and ../shared/DOMAIN.md.
#
# Tenant keys: every reference between two tenant tables is the pair
# (organisation_id, x_id) referencing (organisation_id, id) of a unique
# "<table>_organisation_id_id_key", so no row can point into another
# organisation. Keys declared on_delete = SET_NULL are created in SQL as
# ON DELETE SET NULL (x_id) (PostgreSQL 15), which clears only the
# referencing column: Atlas HCL cannot say so, so hand-write such a key's
# migration (see migrations/20261203150000_tenant_keys.sql).

schema "core" {
  comment = "Tenants, branches, staff, customers, vehicles, time keeping, notifications, API tokens."
}

schema "workshop" {
  comment = "Service centre operations: bays, labour catalogue, bookings, repair orders and their lines."
}

schema "inventory" {
  comment = "Parts, suppliers, stock per branch, stock movements and purchase orders."
}

schema "finance" {
  comment = "Invoices, payments and overheads."
}

schema "chauffeur" {
  comment = "Chauffeur transfers: fleet, chauffeurs, rides, dispatch, charges, pay rules and settlements."
}

schema "audit" {
  comment = "Append-only, hash-chained staff audit log and booking history."
}

enum "business_role" {
  schema = schema.core
  values = ["technician", "receptionist", "finance", "manager", "dispatcher", "chauffeur", "auditor"]
}

enum "pay_basis" {
  schema = schema.core
  values = ["hourly", "flat_rate", "salary"]
}

enum "clock_kind" {
  schema = schema.core
  values = ["attendance", "job", "non_productive"]
}

enum "customer_kind" {
  schema = schema.core
  values = ["person", "company"]
}

enum "consent_purpose" {
  schema = schema.core
  values = ["service_reminders", "marketing", "feedback", "data_sharing"]
}

enum "contact_channel" {
  schema = schema.core
  values = ["email", "sms", "phone", "post", "push"]
}

enum "consent_action" {
  schema = schema.core
  values = ["granted", "withdrawn"]
}

enum "notification_kind" {
  schema = schema.core
  values = ["booking_reminder", "inventory_alert", "performance_notice", "ride_update", "feedback_request", "other"]
}

enum "notification_status" {
  schema = schema.core
  values = ["pending", "sending", "sent", "failed", "cancelled"]
}

enum "booking_status" {
  schema = schema.workshop
  values = ["booked", "confirmed", "arrived", "converted", "no_show", "cancelled", "late_cancelled"]
}

enum "booking_channel" {
  schema = schema.workshop
  values = ["phone", "web", "walk_in", "app", "partner"]
}

enum "repair_order_status" {
  schema = schema.workshop
  values = ["estimate", "authorised", "in_progress", "awaiting_parts", "ready", "invoiced", "closed", "cancelled"]
}

enum "repair_job_status" {
  schema = schema.workshop
  values = ["recommended", "approved", "declined", "in_progress", "done"]
}

enum "pay_type" {
  schema = schema.workshop
  values = ["customer", "warranty", "internal"]
}

enum "inventory_transaction_kind" {
  schema = schema.inventory
  values = ["receipt", "issue", "return", "adjustment", "transfer", "count"]
}

enum "purchase_order_status" {
  schema = schema.inventory
  values = ["draft", "sent", "partially_received", "received", "cancelled"]
}

enum "invoice_status" {
  schema = schema.finance
  values = ["draft", "issued", "void"]
}

enum "invoice_line_kind" {
  schema = schema.finance
  values = ["labour", "part", "fee", "sublet", "ride_base", "wait_time", "extra_stop", "toll", "parking", "gratuity", "surcharge", "discount"]
}

enum "payment_method" {
  schema = schema.finance
  values = ["card", "cash", "bank_transfer", "account", "voucher"]
}

enum "vehicle_class" {
  schema = schema.chauffeur
  values = ["sedan", "executive", "suv", "van", "minibus", "luxury"]
}

enum "engagement" {
  schema = schema.chauffeur
  values = ["employee", "contractor"]
}

enum "ride_service_type" {
  schema = schema.chauffeur
  values = ["airport_arrival", "airport_departure", "point_to_point", "hourly"]
}

enum "ride_status" {
  schema = schema.chauffeur
  values = ["quoted", "confirmed", "dispatched", "accepted", "on_the_way", "on_location", "passenger_on_board", "completed", "cancelled", "late_cancelled", "no_show"]
}

enum "dispatch_status" {
  schema = schema.chauffeur
  values = ["offered", "accepted", "declined", "cancelled", "completed", "expired"]
}

enum "charge_component" {
  schema = schema.chauffeur
  values = ["ride_base", "wait_time", "extra_stop", "toll", "parking", "gratuity", "surcharge", "discount", "cancellation_fee"]
}

enum "pay_rule_basis" {
  schema = schema.chauffeur
  values = ["fixed", "per_hour", "per_mile", "percentage"]
}

enum "settlement_status" {
  schema = schema.chauffeur
  values = ["draft", "approved", "paid", "reconciled"]
}

enum "stop_kind" {
  schema = schema.chauffeur
  values = ["pickup", "via", "dropoff"]
}

table "organisation" {
  schema  = schema.core
  comment = "Tenant. Every business table carries organisation_id = organisation.id; RLS isolates tenants by app.organisation_id."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "name" {
    null = false
    type = text
  }
  column "currency" {
    null = false
    type = character(3)
    default = "GBP"
    comment = "ISO 4217 code of every money column of the tenant"
  }
  column "tax_rate" {
    null = false
    type = numeric(5,4)
    default = 0.2
    comment = "default sales tax rate (0.2000 = 20%)"
  }
  column "tax_registration" {
    null = true
    type = text
  }
  column "timezone" {
    null = false
    type = text
    default = "Europe/London"
  }
  column "retention_months" {
    null = false
    type = integer
    default = 84
    comment = "how long financial records are kept before archival (legal retention)"
  }
  column "pii_retention_months" {
    null = false
    type = integer
    default = 36
    comment = "inactivity after which customer PII is pseudonymised"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  check "organisation_currency_iso" {
    expr = "currency ~ '^[A-Z]{3}$'"
  }
  check "organisation_tax_rate_range" {
    expr = "tax_rate >= 0 AND tax_rate < 1"
  }
  check "organisation_retention_positive" {
    expr = "retention_months > 0 AND pii_retention_months > 0"
  }
}

table "branch" {
  schema  = schema.core
  comment = "Service location (workshop and/or chauffeur base)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "code" {
    null = false
    type = text
  }
  column "name" {
    null = false
    type = text
  }
  column "timezone" {
    null = false
    type = text
    default = "Europe/London"
  }
  column "opening_hours" {
    null = false
    type = jsonb
    default = "{}"
    comment = "weekly opening hours, e.g. {\"mon\": [[\"08:00\",\"18:00\"]]}: the denominator of bay utilisation"
  }
  column "address" {
    null = true
    type = text
  }
  column "phone" {
    null = true
    type = text
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "branch_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "branch_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "branch_code_key" {
    unique  = true
    columns = [column.organisation_id, column.code]
  }
  check "branch_opening_hours_object" {
    expr = "jsonb_typeof(opening_hours) = 'object'"
  }
}

table "staff" {
  schema  = schema.core
  comment = "Employee or contractor (PII). pay_rate and cost_rate are finance-only columns (column grants)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "home_branch_id" {
    null = true
    type = bigint
  }
  column "given_name" {
    null = false
    type = text
  }
  column "family_name" {
    null = false
    type = text
  }
  column "email" {
    null = false
    type = text
  }
  column "phone" {
    null = true
    type = text
  }
  column "employee_number" {
    null = true
    type = text
  }
  column "pay_basis" {
    null = false
    type = enum.pay_basis
    default = "hourly"
  }
  column "pay_rate" {
    null = true
    type = numeric(12,2)
    comment = "MASKED: hourly rate, flat-rate per flagged hour, or annual salary per pay_basis"
  }
  column "cost_rate" {
    null = true
    type = numeric(12,2)
    comment = "MASKED: fully loaded cost per attended hour, used for technician labour cost"
  }
  column "employed_from" {
    null = false
    type = date
    default = sql("CURRENT_DATE")
  }
  column "employed_until" {
    null = true
    type = date
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "staff_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "staff_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "staff_home_branch_id_fkey" {
    columns     = [column.organisation_id, column.home_branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  index "staff_email_key" {
    unique  = true
    columns = [column.organisation_id, column.email]
  }
  check "staff_rates_non_negative" {
    expr = "pay_rate >= 0 AND cost_rate >= 0"
  }
  check "staff_employment_range" {
    expr = "employed_until IS NULL OR employed_until >= employed_from"
  }
}

table "staff_role" {
  schema  = schema.core
  comment = "Business role a staff member holds, optionally scoped to one branch (NULL = every branch of the organisation)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "staff_id" {
    null = false
    type = bigint
  }
  column "role" {
    null = false
    type = enum.business_role
  }
  column "branch_id" {
    null = true
    type = bigint
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "staff_role_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "staff_role_staff_id_fkey" {
    columns     = [column.organisation_id, column.staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "staff_role_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  index "staff_role_key" {
    unique  = true
    columns = [column.staff_id, column.role, column.branch_id]
  }
}

table "staff_shift" {
  schema  = schema.core
  comment = "Rota: planned shifts. EXCL: one active shift per staff member at a time."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "staff_id" {
    null = false
    type = bigint
  }
  column "period" {
    null = false
    type = tstzrange
    comment = "planned shift, half-open [start, end)"
  }
  column "break_minutes" {
    null = false
    type = integer
    default = 0
  }
  column "productive" {
    null = false
    type = boolean
    default = true
    comment = "rostered for productive (billable) work; staff utilisation = productive rostered hours / rostered hours"
  }
  column "active" {
    null = false
    type = boolean
    default = true
    comment = "false once the shift is cancelled; the exclusion constraint ignores inactive shifts"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "staff_shift_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "staff_shift_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "staff_shift_staff_id_fkey" {
    columns     = [column.organisation_id, column.staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  index "staff_shift_branch_idx" {
    on {
      column = column.branch_id
    }
    on {
      expr = "lower(period)"
    }
    comment = "rota and staff utilisation: shifts of a branch starting in a date range"
  }
  check "staff_shift_period_bounded" {
    expr = "NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)"
  }
  check "staff_shift_break_non_negative" {
    expr = "break_minutes >= 0"
  }
}

table "time_clock_entry" {
  schema  = schema.core
  comment = "Clock entries. kind attendance = available hours (minus break_minutes); job = applied hours on a repair job; non_productive = other clocked time. An open entry has upper(period) NULL. EXCL: attendance periods of one staff member never overlap."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "staff_id" {
    null = false
    type = bigint
  }
  column "kind" {
    null = false
    type = enum.clock_kind
  }
  column "period" {
    null = false
    type = tstzrange
    comment = "[clock on, clock off); upper bound NULL while clocked on"
  }
  column "break_minutes" {
    null = false
    type = integer
    default = 0
    comment = "unpaid break minutes inside an attendance period"
  }
  column "repair_job_id" {
    null = true
    type = bigint
    comment = "the job clocked onto (kind = job)"
  }
  column "non_productive_reason" {
    null = true
    type = text
    comment = "cleaning, training, waiting for parts, ... (kind = non_productive)"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "time_clock_entry_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "time_clock_entry_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "time_clock_entry_staff_id_fkey" {
    columns     = [column.organisation_id, column.staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "time_clock_entry_repair_job_id_fkey" {
    columns     = [column.organisation_id, column.repair_job_id]
    ref_columns = [table.repair_job.column.organisation_id, table.repair_job.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "time_clock_entry_staff_idx" {
    on {
      column = column.staff_id
    }
    on {
      column = column.kind
    }
    on {
      expr = "lower(period)"
    }
    comment = "technician KPIs: attendance/job clock entries of a staff member starting in a date range"
  }
  index "time_clock_entry_open_idx" {
    columns = [column.staff_id]
    where = "upper(period) IS NULL"
    comment = "clock-off: the open entry of a staff member"
  }
  check "time_clock_entry_period_not_empty" {
    expr = "NOT isempty(period) AND NOT lower_inf(period)"
  }
  check "time_clock_entry_job_kind" {
    expr = "(kind = 'job') = (repair_job_id IS NOT NULL)"
  }
  check "time_clock_entry_break_non_negative" {
    expr = "break_minutes >= 0"
  }
}

table "customer" {
  schema  = schema.core
  comment = "Person or company (PII): workshop customers, ride bookers and passengers. RLS by role and branch; erasure pseudonymises (pseudonymised_at) rather than deletes."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "home_branch_id" {
    null = true
    type = bigint
    comment = "branch that owns the relationship; NULL = organisation-wide (corporate accounts)"
  }
  column "kind" {
    null = false
    type = enum.customer_kind
    default = "person"
  }
  column "parent_customer_id" {
    null = true
    type = bigint
    comment = "corporate account this person or company belongs to"
  }
  column "given_name" {
    null = true
    type = text
  }
  column "family_name" {
    null = true
    type = text
  }
  column "company_name" {
    null = true
    type = text
  }
  column "email" {
    null = true
    type = text
  }
  column "phone" {
    null = true
    type = text
  }
  column "address" {
    null = true
    type = text
  }
  column "postcode" {
    null = true
    type = text
  }
  column "pseudonymised_at" {
    null = true
    type = timestamptz
    comment = "set when GDPR erasure replaced the PII columns"
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  column "pseudonym" {
    null    = false
    type    = text
    comment = "stable pseudonymous key: HMAC-SHA256 under the organisation's secret (core.pseudonym_key) of the id; kept on erasure"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "customer_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "customer_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "customer_home_branch_id_fkey" {
    columns     = [column.organisation_id, column.home_branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  foreign_key "customer_parent_customer_id_fkey" {
    columns     = [column.organisation_id, column.parent_customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  index "customer_home_branch_idx" {
    columns = [column.home_branch_id]
    comment = "RLS receptionist policy: customers of my branches"
  }
  index "customer_email_idx" {
    on {
      column = column.organisation_id
    }
    on {
      expr = "lower(email)"
    }
    where = "email IS NOT NULL"
    comment = "customer lookup by e-mail at the front desk and subject-access requests"
  }
  check "customer_named" {
    expr = "pseudonymised_at IS NOT NULL OR (kind = 'person' AND family_name IS NOT NULL) OR (kind = 'company' AND company_name IS NOT NULL)"
  }
  check "customer_not_own_parent" {
    expr = "parent_customer_id <> id"
  }
}

table "customer_consent" {
  schema  = schema.core
  comment = "APPEND: consent events per purpose and channel; the latest row per (customer, purpose, channel) is the current state."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "customer_id" {
    null = false
    type = bigint
  }
  column "purpose" {
    null = false
    type = enum.consent_purpose
  }
  column "channel" {
    null = false
    type = enum.contact_channel
  }
  column "action" {
    null = false
    type = enum.consent_action
  }
  column "recorded_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "source" {
    null = true
    type = text
    comment = "where consent was captured: web form, phone, in branch"
  }
  column "recorded_by_staff_id" {
    null = true
    type = bigint
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "customer_consent_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "customer_consent_customer_id_fkey" {
    columns     = [column.organisation_id, column.customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "customer_consent_recorded_by_staff_id_fkey" {
    columns     = [column.organisation_id, column.recorded_by_staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
}

table "vehicle" {
  schema  = schema.core
  comment = "Customer or fleet vehicle. VIN unique per organisation."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "vin" {
    null = false
    type = text
    comment = "vehicle identification number (upper case, no I/O/Q)"
  }
  column "registration_plate" {
    null = true
    type = text
  }
  column "make" {
    null = false
    type = text
  }
  column "model" {
    null = false
    type = text
  }
  column "model_year" {
    null = true
    type = integer
  }
  column "fuel_type" {
    null = true
    type = text
  }
  column "colour" {
    null = true
    type = text
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "vehicle_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "vehicle_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "vehicle_vin_key" {
    unique  = true
    columns = [column.organisation_id, column.vin]
  }
  index "vehicle_plate_idx" {
    columns = [column.organisation_id, column.registration_plate]
    comment = "front desk: find a vehicle by registration plate"
  }
  check "vehicle_vin_format" {
    expr = "vin ~ '^[A-HJ-NPR-Z0-9]{11,17}$'"
  }
  check "vehicle_model_year_range" {
    expr = "model_year BETWEEN 1900 AND 2100"
  }
}

table "vehicle_ownership" {
  schema  = schema.core
  comment = "Keeper history. EXCL: one keeper per vehicle at a time."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "vehicle_id" {
    null = false
    type = bigint
  }
  column "customer_id" {
    null = false
    type = bigint
  }
  column "period" {
    null = false
    type = tstzrange
    comment = "[from, until); upper NULL = current keeper"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "vehicle_ownership_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "vehicle_ownership_vehicle_id_fkey" {
    columns     = [column.organisation_id, column.vehicle_id]
    ref_columns = [table.vehicle.column.organisation_id, table.vehicle.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "vehicle_ownership_customer_id_fkey" {
    columns     = [column.organisation_id, column.customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  check "vehicle_ownership_period_not_empty" {
    expr = "NOT isempty(period) AND NOT lower_inf(period)"
  }
}

table "odometer_reading" {
  schema  = schema.core
  comment = "Odometer readings (miles) taken at check-in, on rides or reported by the customer."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "vehicle_id" {
    null = false
    type = bigint
  }
  column "reading_miles" {
    null = false
    type = integer
  }
  column "read_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "source" {
    null = false
    type = text
    default = "check_in"
  }
  column "repair_order_id" {
    null = true
    type = bigint
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "odometer_reading_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "odometer_reading_vehicle_id_fkey" {
    columns     = [column.organisation_id, column.vehicle_id]
    ref_columns = [table.vehicle.column.organisation_id, table.vehicle.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "odometer_reading_repair_order_id_fkey" {
    columns     = [column.organisation_id, column.repair_order_id]
    ref_columns = [table.repair_order.column.organisation_id, table.repair_order.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  check "odometer_reading_non_negative" {
    expr = "reading_miles >= 0"
  }
}

table "customer_feedback" {
  schema  = schema.core
  comment = "CSAT (1-5) and NPS (0-10) after a repair order or a ride."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = true
    type = bigint
  }
  column "customer_id" {
    null = false
    type = bigint
  }
  column "repair_order_id" {
    null = true
    type = bigint
  }
  column "ride_booking_id" {
    null = true
    type = bigint
  }
  column "csat_score" {
    null = true
    type = smallint
  }
  column "nps_score" {
    null = true
    type = smallint
  }
  column "comment" {
    null = true
    type = text
  }
  column "received_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "customer_feedback_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "customer_feedback_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  foreign_key "customer_feedback_customer_id_fkey" {
    columns     = [column.organisation_id, column.customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "customer_feedback_repair_order_id_fkey" {
    columns     = [column.organisation_id, column.repair_order_id]
    ref_columns = [table.repair_order.column.organisation_id, table.repair_order.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  foreign_key "customer_feedback_ride_booking_id_fkey" {
    columns     = [column.organisation_id, column.ride_booking_id]
    ref_columns = [table.ride_booking.column.organisation_id, table.ride_booking.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  check "customer_feedback_csat_range" {
    expr = "csat_score BETWEEN 1 AND 5"
  }
  check "customer_feedback_nps_range" {
    expr = "nps_score BETWEEN 0 AND 10"
  }
  check "customer_feedback_subject" {
    expr = "num_nonnulls(repair_order_id, ride_booking_id) <= 1"
  }
}

table "notification" {
  schema  = schema.core
  comment = "PART-M outbox (by created_at): reminders, inventory alerts, performance notices. Workers claim due rows with FOR UPDATE SKIP LOCKED."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = true
    type = bigint
  }
  column "kind" {
    null = false
    type = enum.notification_kind
  }
  column "channel" {
    null = false
    type = enum.contact_channel
  }
  column "status" {
    null = false
    type = enum.notification_status
    default = "pending"
  }
  column "recipient_customer_id" {
    null = true
    type = bigint
  }
  column "recipient_staff_id" {
    null = true
    type = bigint
  }
  column "subject" {
    null = true
    type = text
  }
  column "payload" {
    null = false
    type = jsonb
    default = "{}"
  }
  column "due_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "attempts" {
    null = false
    type = integer
    default = 0
  }
  column "last_error" {
    null = true
    type = text
  }
  column "sent_at" {
    null = true
    type = timestamptz
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id, column.created_at]
  }
  foreign_key "notification_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "notification_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "notification_recipient_customer_id_fkey" {
    columns     = [column.organisation_id, column.recipient_customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "notification_recipient_staff_id_fkey" {
    columns     = [column.organisation_id, column.recipient_staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  index "notification_due_idx" {
    columns = [column.due_at]
    where = "status = 'pending'"
    comment = "outbox worker: pending notifications due now (FOR UPDATE SKIP LOCKED)"
  }
  check "notification_attempts_non_negative" {
    expr = "attempts >= 0"
  }
  check "notification_recipient" {
    expr = "num_nonnulls(recipient_customer_id, recipient_staff_id) >= 1"
  }
  partition {
    type    = RANGE
    columns = [column.created_at]
  }
}

table "pseudonym_key" {
  schema  = schema.core
  comment = "Per-organisation HMAC key of the customer pseudonyms. secret is never published and readable by no business role."
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "secret" {
    null = false
    type = bytea
  }
  column "created_at" {
    null    = false
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.organisation_id]
  }
  foreign_key "pseudonym_key_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  check "pseudonym_key_secret_length" {
    expr = "length(secret) = 32"
  }
}

table "api_token" {
  schema  = schema.core
  comment = "Bearer tokens: only the SHA-256 of the secret is stored. The API login (cch_app) reads it before switching role."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "staff_id" {
    null = false
    type = bigint
  }
  column "role" {
    null = false
    type = enum.business_role
  }
  column "token_hash" {
    null = false
    type = bytea
    comment = "sha256 of the bearer secret"
  }
  column "label" {
    null = true
    type = text
  }
  column "expires_at" {
    null = false
    type = timestamptz
  }
  column "revoked_at" {
    null = true
    type = timestamptz
  }
  column "last_used_at" {
    null = true
    type = timestamptz
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "api_token_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "api_token_staff_id_fkey" {
    columns     = [column.organisation_id, column.staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  index "api_token_hash_key" {
    unique  = true
    columns = [column.token_hash]
  }
  index "api_token_staff_idx" {
    columns = [column.staff_id]
    where = "revoked_at IS NULL"
    comment = "token management: a staff member's live tokens"
  }
  check "api_token_hash_length" {
    expr = "octet_length(token_hash) = 32"
  }
}

table "service_bay" {
  schema  = schema.workshop
  comment = "Workshop bay (lift, MOT lane, alignment ...)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "code" {
    null = false
    type = text
  }
  column "name" {
    null = false
    type = text
  }
  column "bay_type" {
    null = false
    type = text
    default = "general"
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "service_bay_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "service_bay_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "service_bay_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "service_bay_code_key" {
    unique  = true
    columns = [column.branch_id, column.code]
  }
}

table "labour_operation" {
  schema  = schema.workshop
  comment = "Labour catalogue: operation code, book hours and job category (service profitability groups by these)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "code" {
    null = false
    type = text
  }
  column "name" {
    null = false
    type = text
  }
  column "job_category" {
    null = false
    type = text
    comment = "service, brakes, tyres, diagnostics, MOT, ..."
  }
  column "book_hours" {
    null = false
    type = numeric(6,2)
    comment = "manufacturer/book time sold for the operation"
  }
  column "default_labour_rate" {
    null = true
    type = numeric(12,2)
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "labour_operation_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "labour_operation_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "labour_operation_code_key" {
    unique  = true
    columns = [column.organisation_id, column.code]
  }
  check "labour_operation_book_hours_non_negative" {
    expr = "book_hours >= 0"
  }
  check "labour_operation_rate_non_negative" {
    expr = "default_labour_rate >= 0"
  }
}

table "booking" {
  schema  = schema.workshop
  comment = "Workshop appointment (OPT). Partitioning-ready, NOT partitioned: partition it by RANGE (lower(period)) monthly once it passes ~50M rows or ~20 GB (about 10 years at 10k bookings/month per 4 branches x 10 tenants): add a period_start timestamptz column = lower(period), make the primary key (id, period_start), keep exclusion constraints on bay_reservation and technician_booking (they stay unpartitioned and span month boundaries), and attach the history as partitions created by core.ensure_partitions."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "customer_id" {
    null = false
    type = bigint
  }
  column "vehicle_id" {
    null = false
    type = bigint
  }
  column "period" {
    null = false
    type = tstzrange
    comment = "planned [start, end) in the shop"
  }
  column "channel" {
    null = false
    type = enum.booking_channel
    default = "phone"
  }
  column "status" {
    null = false
    type = enum.booking_status
    default = "booked"
  }
  column "labour_operation_codes" {
    null = false
    type = sql("text[]")
    default = sql("'{}'::text[]")
    comment = "requested labour operations (codes of labour_operation)"
  }
  column "notes" {
    null = true
    type = text
  }
  column "reminder_due_at" {
    null = true
    type = timestamptz
  }
  column "reminder_sent_at" {
    null = true
    type = timestamptz
  }
  column "confirmed_at" {
    null = true
    type = timestamptz
  }
  column "arrived_at" {
    null = true
    type = timestamptz
  }
  column "cancelled_at" {
    null = true
    type = timestamptz
  }
  column "cancellation_reason" {
    null = true
    type = text
  }
  column "booked_by_staff_id" {
    null = true
    type = bigint
  }
  column "idempotency_key" {
    null = true
    type = text
    comment = "client Idempotency-Key of the creating POST"
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "booking_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "booking_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "booking_customer_id_fkey" {
    columns     = [column.organisation_id, column.customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "booking_vehicle_id_fkey" {
    columns     = [column.organisation_id, column.vehicle_id]
    ref_columns = [table.vehicle.column.organisation_id, table.vehicle.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "booking_booked_by_staff_id_fkey" {
    columns     = [column.organisation_id, column.booked_by_staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  index "booking_branch_period_idx" {
    on {
      column = column.branch_id
    }
    on {
      expr = "lower(period)"
    }
    comment = "day sheet and availability: bookings of a branch starting in a time window (branch_id = $1 AND lower(period) >= $2 AND lower(period) < $3)"
  }
  index "booking_customer_idx" {
    columns = [column.customer_id, column.period]
    comment = "customer history: bookings of a customer, newest first (churn, RFM)"
  }
  index "booking_reminder_due_idx" {
    columns = [column.reminder_due_at]
    where = "status IN ('booked', 'confirmed') AND reminder_sent_at IS NULL"
    comment = "reminder worker: bookings whose reminder is due and not yet sent"
  }
  index "booking_idempotency_key" {
    unique = true
    columns = [column.organisation_id, column.idempotency_key]
    where = "idempotency_key IS NOT NULL"
    comment = "POST /v1/bookings retry: find the booking created with this Idempotency-Key"
  }
  check "booking_period_bounded" {
    expr = "NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)"
  }
}

table "bay_reservation" {
  schema  = schema.workshop
  comment = "Bay held for a booking. EXCL: (bay_id =, period &&) WHERE active."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "booking_id" {
    null = false
    type = bigint
  }
  column "bay_id" {
    null = false
    type = bigint
  }
  column "period" {
    null = false
    type = tstzrange
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "bay_reservation_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "bay_reservation_booking_id_fkey" {
    columns     = [column.organisation_id, column.booking_id]
    ref_columns = [table.booking.column.organisation_id, table.booking.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "bay_reservation_bay_id_fkey" {
    columns     = [column.organisation_id, column.bay_id]
    ref_columns = [table.service_bay.column.organisation_id, table.service_bay.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "bay_reservation_booking_idx" {
    columns = [column.booking_id]
    comment = "booking detail and cancellation: reservations of a booking"
  }
  check "bay_reservation_period_bounded" {
    expr = "NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)"
  }
}

table "technician_booking" {
  schema  = schema.workshop
  comment = "Technician held for a booking. EXCL: (technician_id =, period &&) WHERE active."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "booking_id" {
    null = false
    type = bigint
  }
  column "technician_id" {
    null = false
    type = bigint
  }
  column "period" {
    null = false
    type = tstzrange
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "technician_booking_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "technician_booking_booking_id_fkey" {
    columns     = [column.organisation_id, column.booking_id]
    ref_columns = [table.booking.column.organisation_id, table.booking.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "technician_booking_technician_id_fkey" {
    columns     = [column.organisation_id, column.technician_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "technician_booking_booking_idx" {
    columns = [column.booking_id]
    comment = "booking detail and cancellation: technicians held for a booking"
  }
  check "technician_booking_period_bounded" {
    expr = "NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)"
  }
}

table "repair_order" {
  schema  = schema.workshop
  comment = "Repair order (OPT): estimate -> authorised -> in_progress -> awaiting_parts -> ready -> invoiced -> closed | cancelled."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "ro_number" {
    null = true
    type = text
  }
  column "customer_id" {
    null = false
    type = bigint
  }
  column "vehicle_id" {
    null = false
    type = bigint
  }
  column "booking_id" {
    null = true
    type = bigint
  }
  column "advisor_staff_id" {
    null = true
    type = bigint
  }
  column "status" {
    null = false
    type = enum.repair_order_status
    default = "estimate"
  }
  column "opened_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "promised_at" {
    null = true
    type = timestamptz
  }
  column "invoiced_at" {
    null = true
    type = timestamptz
  }
  column "closed_at" {
    null = true
    type = timestamptz
  }
  column "odometer_in_miles" {
    null = true
    type = integer
  }
  column "comeback_of_repair_order_id" {
    null = true
    type = bigint
    comment = "earlier RO this one redoes (comeback rate)"
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "repair_order_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "repair_order_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "repair_order_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "repair_order_customer_id_fkey" {
    columns     = [column.organisation_id, column.customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "repair_order_vehicle_id_fkey" {
    columns     = [column.organisation_id, column.vehicle_id]
    ref_columns = [table.vehicle.column.organisation_id, table.vehicle.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "repair_order_booking_id_fkey" {
    columns     = [column.organisation_id, column.booking_id]
    ref_columns = [table.booking.column.organisation_id, table.booking.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  foreign_key "repair_order_advisor_staff_id_fkey" {
    columns     = [column.organisation_id, column.advisor_staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  foreign_key "repair_order_comeback_of_repair_order_id_fkey" {
    columns     = [column.organisation_id, column.comeback_of_repair_order_id]
    ref_columns = [table.repair_order.column.organisation_id, table.repair_order.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  index "repair_order_number_key" {
    unique  = true
    columns = [column.branch_id, column.ro_number]
  }
  index "repair_order_booking_key" {
    unique  = true
    columns = [column.booking_id]
  }
  index "repair_order_open_idx" {
    columns = [column.branch_id, column.status, column.opened_at]
    where = "status NOT IN ('closed', 'cancelled')"
    comment = "workshop board: open repair orders of a branch by status"
  }
  index "repair_order_vehicle_idx" {
    columns = [column.vehicle_id, column.opened_at]
    comment = "comeback detection and service history: ROs of a vehicle by date"
  }
  index "repair_order_customer_idx" {
    columns = [column.customer_id]
    comment = "RLS technician policy and customer history: ROs of a customer"
  }
  check "repair_order_odometer_non_negative" {
    expr = "odometer_in_miles >= 0"
  }
  check "repair_order_closed_after_open" {
    expr = "closed_at IS NULL OR closed_at >= opened_at"
  }
}

table "repair_job" {
  schema  = schema.workshop
  comment = "One concern on a repair order (OPT): concern / cause / correction. sublet_cost is finance-only."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "repair_order_id" {
    null = false
    type = bigint
  }
  column "labour_operation_id" {
    null = true
    type = bigint
  }
  column "job_category" {
    null = false
    type = text
  }
  column "concern" {
    null = false
    type = text
  }
  column "cause" {
    null = true
    type = text
  }
  column "correction" {
    null = true
    type = text
  }
  column "status" {
    null = false
    type = enum.repair_job_status
    default = "recommended"
  }
  column "pay_type" {
    null = false
    type = enum.pay_type
    default = "customer"
  }
  column "assigned_technician_id" {
    null = true
    type = bigint
  }
  column "sublet_cost" {
    null = false
    type = numeric(12,2)
    default = 0
    comment = "MASKED: cost of sublet work bought in"
  }
  column "approved_at" {
    null = true
    type = timestamptz
  }
  column "completed_at" {
    null = true
    type = timestamptz
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "repair_job_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "repair_job_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "repair_job_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "repair_job_repair_order_id_fkey" {
    columns     = [column.organisation_id, column.repair_order_id]
    ref_columns = [table.repair_order.column.organisation_id, table.repair_order.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "repair_job_labour_operation_id_fkey" {
    columns     = [column.organisation_id, column.labour_operation_id]
    ref_columns = [table.labour_operation.column.organisation_id, table.labour_operation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "repair_job_assigned_technician_id_fkey" {
    columns     = [column.organisation_id, column.assigned_technician_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  index "repair_job_technician_idx" {
    columns = [column.assigned_technician_id, column.status]
    where = "assigned_technician_id IS NOT NULL"
    comment = "technician's job list and the customer RLS policy (jobs assigned to app.staff_id)"
  }
  index "repair_job_order_idx" {
    columns = [column.repair_order_id]
    comment = "repair order detail: jobs of an RO"
  }
  check "repair_job_sublet_cost_non_negative" {
    expr = "sublet_cost >= 0"
  }
}

table "labour_line" {
  schema  = schema.workshop
  comment = "Labour sold on a job. Billed (flagged) hours = sold_hours of invoiced lines; cost_rate/cost_amount are finance-only."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "repair_job_id" {
    null = false
    type = bigint
  }
  column "labour_operation_id" {
    null = true
    type = bigint
  }
  column "technician_id" {
    null = true
    type = bigint
  }
  column "description" {
    null = true
    type = text
  }
  column "sold_hours" {
    null = false
    type = numeric(6,2)
    comment = "hours sold to the customer (billed/flagged hours)"
  }
  column "flagged_hours" {
    null = true
    type = numeric(6,2)
    comment = "hours credited to a flat-rate technician when they differ from sold_hours"
  }
  column "labour_rate" {
    null = false
    type = numeric(12,2)
    comment = "sell rate per sold hour"
  }
  column "sale_amount" {
    null = false
    type = numeric(12,2)
    comment = "net labour sale = sold_hours x labour_rate - discounts"
  }
  column "cost_rate" {
    null = false
    type = numeric(12,2)
    default = 0
    comment = "MASKED: technician cost per hour"
  }
  column "cost_amount" {
    null = false
    type = numeric(12,2)
    default = 0
    comment = "MASKED: technician labour cost of the line"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "labour_line_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "labour_line_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "labour_line_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "labour_line_repair_job_id_fkey" {
    columns     = [column.organisation_id, column.repair_job_id]
    ref_columns = [table.repair_job.column.organisation_id, table.repair_job.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "labour_line_labour_operation_id_fkey" {
    columns     = [column.organisation_id, column.labour_operation_id]
    ref_columns = [table.labour_operation.column.organisation_id, table.labour_operation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "labour_line_technician_id_fkey" {
    columns     = [column.organisation_id, column.technician_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  index "labour_line_job_idx" {
    columns = [column.repair_job_id]
    comment = "invoice generation: labour lines of a job"
  }
  check "labour_line_hours_non_negative" {
    expr = "sold_hours >= 0 AND flagged_hours >= 0"
  }
  check "labour_line_money_non_negative" {
    expr = "labour_rate >= 0 AND sale_amount >= 0 AND cost_rate >= 0 AND cost_amount >= 0"
  }
}

table "part_line" {
  schema  = schema.workshop
  comment = "Parts on a job. unit_cost is finance-only; issuing writes an inventory_transaction (kind issue)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "repair_job_id" {
    null = false
    type = bigint
  }
  column "part_id" {
    null = false
    type = bigint
  }
  column "quantity" {
    null = false
    type = numeric(10,3)
  }
  column "unit_cost" {
    null = false
    type = numeric(12,2)
    default = 0
    comment = "MASKED: average cost at issue"
  }
  column "unit_price" {
    null = false
    type = numeric(12,2)
  }
  column "sale_amount" {
    null = false
    type = numeric(12,2)
    comment = "net parts sale of the line"
  }
  column "issued_at" {
    null = true
    type = timestamptz
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "part_line_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "part_line_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "part_line_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "part_line_repair_job_id_fkey" {
    columns     = [column.organisation_id, column.repair_job_id]
    ref_columns = [table.repair_job.column.organisation_id, table.repair_job.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "part_line_part_id_fkey" {
    columns     = [column.organisation_id, column.part_id]
    ref_columns = [table.part.column.organisation_id, table.part.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "part_line_job_idx" {
    columns = [column.repair_job_id]
    comment = "invoice generation: part lines of a job"
  }
  check "part_line_quantity_positive" {
    expr = "quantity > 0"
  }
  check "part_line_money_non_negative" {
    expr = "unit_cost >= 0 AND unit_price >= 0 AND sale_amount >= 0"
  }
}

table "part" {
  schema  = schema.inventory
  comment = "Part master."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "part_number" {
    null = false
    type = text
  }
  column "name" {
    null = false
    type = text
  }
  column "category" {
    null = true
    type = text
  }
  column "unit_of_measure" {
    null = false
    type = text
    default = "each"
  }
  column "is_critical" {
    null = false
    type = boolean
    default = false
    comment = "stock-out stops jobs: alert early"
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "part_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "part_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "part_number_key" {
    unique  = true
    columns = [column.organisation_id, column.part_number]
  }
}

table "supplier" {
  schema  = schema.inventory
  comment = "Parts supplier."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "name" {
    null = false
    type = text
  }
  column "email" {
    null = true
    type = text
  }
  column "phone" {
    null = true
    type = text
  }
  column "account_number" {
    null = true
    type = text
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "supplier_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "supplier_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
}

table "supplier_part" {
  schema  = schema.inventory
  comment = "What a supplier sells: price (finance-only), lead time, minimum order quantity."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "supplier_id" {
    null = false
    type = bigint
  }
  column "part_id" {
    null = false
    type = bigint
  }
  column "supplier_part_number" {
    null = true
    type = text
  }
  column "unit_cost" {
    null = false
    type = numeric(12,2)
    comment = "MASKED: supplier price"
  }
  column "lead_time_days" {
    null = false
    type = integer
  }
  column "minimum_order_qty" {
    null = false
    type = numeric(10,3)
    default = 1
  }
  column "preferred" {
    null = false
    type = boolean
    default = false
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "supplier_part_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "supplier_part_supplier_id_fkey" {
    columns     = [column.organisation_id, column.supplier_id]
    ref_columns = [table.supplier.column.organisation_id, table.supplier.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "supplier_part_part_id_fkey" {
    columns     = [column.organisation_id, column.part_id]
    ref_columns = [table.part.column.organisation_id, table.part.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  index "supplier_part_key" {
    unique  = true
    columns = [column.supplier_id, column.part_id]
  }
  check "supplier_part_values" {
    expr = "unit_cost >= 0 AND lead_time_days >= 0 AND minimum_order_qty > 0"
  }
}

table "stock_level" {
  schema  = schema.inventory
  comment = "Stock per branch x part (OPT and ROW: decrement with UPDATE ... SET on_hand = on_hand - n WHERE on_hand >= n). average_cost is finance-only."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "part_id" {
    null = false
    type = bigint
  }
  column "on_hand" {
    null = false
    type = numeric(10,3)
    default = 0
  }
  column "reserved" {
    null = false
    type = numeric(10,3)
    default = 0
  }
  column "reorder_point" {
    null = false
    type = numeric(10,3)
    default = 0
  }
  column "reorder_qty" {
    null = false
    type = numeric(10,3)
    default = 0
  }
  column "average_cost" {
    null = false
    type = numeric(12,2)
    default = 0
    comment = "MASKED: moving average cost"
  }
  column "bin_location" {
    null = true
    type = text
  }
  column "last_counted_at" {
    null = true
    type = timestamptz
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "stock_level_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "stock_level_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "stock_level_part_id_fkey" {
    columns     = [column.organisation_id, column.part_id]
    ref_columns = [table.part.column.organisation_id, table.part.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "stock_level_branch_part_key" {
    unique  = true
    columns = [column.branch_id, column.part_id]
  }
  index "stock_level_reorder_idx" {
    columns = [column.branch_id, column.part_id]
    where = "on_hand - reserved <= reorder_point"
    comment = "inventory alert and auto purchase orders: parts at or below reorder point"
  }
  check "stock_level_non_negative" {
    expr = "on_hand >= 0 AND reserved >= 0 AND reorder_point >= 0 AND reorder_qty >= 0 AND average_cost >= 0"
  }
}

table "inventory_transaction" {
  schema  = schema.inventory
  comment = "APPEND, PART-M (by occurred_at): stock movements. quantity is signed (+ in, - out). version is kept at 1 (OPT column the seed asked for; rows never change)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "occurred_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "part_id" {
    null = false
    type = bigint
  }
  column "kind" {
    null = false
    type = enum.inventory_transaction_kind
  }
  column "quantity" {
    null = false
    type = numeric(10,3)
  }
  column "unit_cost" {
    null = true
    type = numeric(12,2)
    comment = "MASKED: cost per unit moved"
  }
  column "part_line_id" {
    null = true
    type = bigint
  }
  column "purchase_order_line_id" {
    null = true
    type = bigint
  }
  column "transfer_branch_id" {
    null = true
    type = bigint
    comment = "other branch of a transfer"
  }
  column "reference" {
    null = true
    type = text
  }
  column "staff_id" {
    null = true
    type = bigint
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id, column.occurred_at]
  }
  foreign_key "inventory_transaction_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "inventory_transaction_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "inventory_transaction_part_id_fkey" {
    columns     = [column.organisation_id, column.part_id]
    ref_columns = [table.part.column.organisation_id, table.part.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "inventory_transaction_part_line_id_fkey" {
    columns     = [column.organisation_id, column.part_line_id]
    ref_columns = [table.part_line.column.organisation_id, table.part_line.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "inventory_transaction_purchase_order_line_id_fkey" {
    columns     = [column.organisation_id, column.purchase_order_line_id]
    ref_columns = [table.purchase_order_line.column.organisation_id, table.purchase_order_line.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "inventory_transaction_transfer_branch_id_fkey" {
    columns     = [column.organisation_id, column.transfer_branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "inventory_transaction_staff_id_fkey" {
    columns     = [column.organisation_id, column.staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "inventory_transaction_part_idx" {
    columns = [column.part_id, column.branch_id, column.occurred_at]
    comment = "days of cover and reorder point: issues of a part at a branch over the last N days"
  }
  index "inventory_transaction_occurred_brin" {
    type = BRIN
    columns = [column.occurred_at]
    comment = "time-range scans of stock movements (monthly reports, archival)"
  }
  check "inventory_transaction_quantity" {
    expr = "quantity <> 0 OR kind = 'count'"
  }
  check "inventory_transaction_unit_cost_non_negative" {
    expr = "unit_cost >= 0"
  }
  partition {
    type    = RANGE
    columns = [column.occurred_at]
  }
}

table "purchase_order" {
  schema  = schema.inventory
  comment = "Purchase order (OPT): draft -> sent -> partially_received -> received | cancelled."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "supplier_id" {
    null = false
    type = bigint
  }
  column "po_number" {
    null = true
    type = text
  }
  column "status" {
    null = false
    type = enum.purchase_order_status
    default = "draft"
  }
  column "auto_generated" {
    null = false
    type = boolean
    default = false
    comment = "raised by the reorder-point job"
  }
  column "ordered_at" {
    null = true
    type = timestamptz
  }
  column "expected_at" {
    null = true
    type = timestamptz
  }
  column "received_at" {
    null = true
    type = timestamptz
  }
  column "created_by_staff_id" {
    null = true
    type = bigint
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "purchase_order_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "purchase_order_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "purchase_order_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "purchase_order_supplier_id_fkey" {
    columns     = [column.organisation_id, column.supplier_id]
    ref_columns = [table.supplier.column.organisation_id, table.supplier.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "purchase_order_created_by_staff_id_fkey" {
    columns     = [column.organisation_id, column.created_by_staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  index "purchase_order_number_key" {
    unique  = true
    columns = [column.branch_id, column.po_number]
  }
}

table "purchase_order_line" {
  schema  = schema.inventory
  comment = "Line of a purchase order. unit_cost is finance-only."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "purchase_order_id" {
    null = false
    type = bigint
  }
  column "part_id" {
    null = false
    type = bigint
  }
  column "quantity_ordered" {
    null = false
    type = numeric(10,3)
  }
  column "quantity_received" {
    null = false
    type = numeric(10,3)
    default = 0
  }
  column "unit_cost" {
    null = false
    type = numeric(12,2)
    comment = "MASKED"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "purchase_order_line_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "purchase_order_line_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "purchase_order_line_purchase_order_id_fkey" {
    columns     = [column.organisation_id, column.purchase_order_id]
    ref_columns = [table.purchase_order.column.organisation_id, table.purchase_order.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "purchase_order_line_part_id_fkey" {
    columns     = [column.organisation_id, column.part_id]
    ref_columns = [table.part.column.organisation_id, table.part.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  check "purchase_order_line_quantities" {
    expr = "quantity_ordered > 0 AND quantity_received >= 0 AND unit_cost >= 0"
  }
}

table "invoice" {
  schema  = schema.finance
  comment = "Invoice: one gapless invoice_number series per branch (finance.invoice_counter row locked by finance.issue_invoice); immutable once issued; void, never delete."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "invoice_number" {
    null = true
    type = bigint
    comment = "assigned at issue; NULL while draft"
  }
  column "customer_id" {
    null = false
    type = bigint
  }
  column "repair_order_id" {
    null = true
    type = bigint
  }
  column "ride_booking_id" {
    null = true
    type = bigint
  }
  column "status" {
    null = false
    type = enum.invoice_status
    default = "draft"
  }
  column "currency" {
    null = false
    type = character(3)
    default = "GBP"
  }
  column "net_total" {
    null = false
    type = numeric(12,2)
    default = 0
  }
  column "tax_total" {
    null = false
    type = numeric(12,2)
    default = 0
  }
  column "gross_total" {
    null = false
    type = numeric(12,2)
    default = 0
  }
  column "issued_at" {
    null = true
    type = timestamptz
  }
  column "due_at" {
    null = true
    type = timestamptz
  }
  column "voided_at" {
    null = true
    type = timestamptz
  }
  column "void_reason" {
    null = true
    type = text
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "invoice_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "invoice_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_customer_id_fkey" {
    columns     = [column.organisation_id, column.customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_repair_order_id_fkey" {
    columns     = [column.organisation_id, column.repair_order_id]
    ref_columns = [table.repair_order.column.organisation_id, table.repair_order.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_ride_booking_id_fkey" {
    columns     = [column.organisation_id, column.ride_booking_id]
    ref_columns = [table.ride_booking.column.organisation_id, table.ride_booking.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "invoice_number_key" {
    unique  = true
    columns = [column.branch_id, column.invoice_number]
  }
  index "invoice_customer_idx" {
    columns = [column.customer_id, column.issued_at]
    comment = "customer statement and high-value customers: invoices of a customer by date"
  }
  index "invoice_open_idx" {
    columns = [column.branch_id, column.due_at]
    where = "status = 'issued'"
    comment = "accounts receivable: issued invoices of a branch by due date"
  }
  index "invoice_repair_order_idx" {
    columns = [column.repair_order_id]
    where = "repair_order_id IS NOT NULL"
    comment = "invoice generation: existing invoice of a repair order"
  }
  check "invoice_issued_numbered" {
    expr = "status = 'draft' OR (invoice_number IS NOT NULL AND issued_at IS NOT NULL)"
  }
  check "invoice_void_reason" {
    expr = "(status = 'void') = (voided_at IS NOT NULL)"
  }
  check "invoice_totals_add_up" {
    expr = "gross_total = net_total + tax_total"
  }
  check "invoice_number_positive" {
    expr = "invoice_number > 0"
  }
}

table "invoice_counter" {
  schema  = schema.finance
  comment = "Helper: next invoice number per branch. Locked (UPDATE ... RETURNING) inside the issuing transaction so the series is gapless."
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "next_number" {
    null = false
    type = bigint
    default = 1
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.branch_id]
  }
  foreign_key "invoice_counter_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_counter_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  check "invoice_counter_positive" {
    expr = "next_number > 0"
  }
}

table "invoice_line" {
  schema  = schema.finance
  comment = "Invoice line by kind. cost_amount (parts, labour, sublet cost) is finance-only and feeds gross profit."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "invoice_id" {
    null = false
    type = bigint
  }
  column "line_number" {
    null = false
    type = integer
  }
  column "kind" {
    null = false
    type = enum.invoice_line_kind
  }
  column "description" {
    null = false
    type = text
  }
  column "quantity" {
    null = false
    type = numeric(10,3)
    default = 1
  }
  column "unit_price" {
    null = false
    type = numeric(12,2)
  }
  column "net_amount" {
    null = false
    type = numeric(12,2)
  }
  column "tax_rate" {
    null = false
    type = numeric(5,4)
    default = 0
  }
  column "tax_amount" {
    null = false
    type = numeric(12,2)
    default = 0
  }
  column "cost_amount" {
    null = false
    type = numeric(12,2)
    default = 0
    comment = "MASKED: cost behind the line"
  }
  column "repair_job_id" {
    null = true
    type = bigint
  }
  column "labour_line_id" {
    null = true
    type = bigint
  }
  column "part_line_id" {
    null = true
    type = bigint
  }
  column "ride_charge_id" {
    null = true
    type = bigint
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "invoice_line_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_line_invoice_id_fkey" {
    columns     = [column.organisation_id, column.invoice_id]
    ref_columns = [table.invoice.column.organisation_id, table.invoice.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "invoice_line_repair_job_id_fkey" {
    columns     = [column.organisation_id, column.repair_job_id]
    ref_columns = [table.repair_job.column.organisation_id, table.repair_job.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_line_labour_line_id_fkey" {
    columns     = [column.organisation_id, column.labour_line_id]
    ref_columns = [table.labour_line.column.organisation_id, table.labour_line.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_line_part_line_id_fkey" {
    columns     = [column.organisation_id, column.part_line_id]
    ref_columns = [table.part_line.column.organisation_id, table.part_line.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "invoice_line_ride_charge_id_fkey" {
    columns     = [column.organisation_id, column.ride_charge_id]
    ref_columns = [table.ride_charge.column.organisation_id, table.ride_charge.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "invoice_line_number_key" {
    unique  = true
    columns = [column.invoice_id, column.line_number]
  }
  index "invoice_line_invoice_idx" {
    columns = [column.invoice_id]
    comment = "invoice rendering: lines of an invoice"
  }
  check "invoice_line_quantity_positive" {
    expr = "quantity > 0"
  }
  check "invoice_line_sign" {
    expr = "kind = 'discount' OR (unit_price >= 0 AND net_amount >= 0)"
  }
  check "invoice_line_discount_sign" {
    expr = "kind <> 'discount' OR net_amount <= 0"
  }
  check "invoice_line_tax" {
    expr = "tax_rate >= 0 AND tax_rate < 1 AND cost_amount >= 0"
  }
}

table "credit_note" {
  schema  = schema.finance
  comment = "Refund of a paid invoice, partial or full, with a reason (APPEND; audited). Analytics net it on its issue day."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "invoice_id" {
    null = false
    type = bigint
  }
  column "net_amount" {
    null = false
    type = numeric(12,2)
  }
  column "tax_amount" {
    null    = false
    type    = numeric(12,2)
    default = 0
  }
  column "gross_amount" {
    null = false
    type = numeric(12,2)
  }
  column "reason" {
    null = false
    type = text
  }
  column "issued_at" {
    null    = false
    type    = timestamptz
    default = sql("now()")
  }
  column "created_at" {
    null    = false
    type    = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null    = false
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "credit_note_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "credit_note_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "credit_note_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "credit_note_invoice_id_fkey" {
    columns     = [column.organisation_id, column.invoice_id]
    ref_columns = [table.invoice.column.organisation_id, table.invoice.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "credit_note_invoice_idx" {
    columns = [column.invoice_id]
    comment = "invoice balance and refund limit: credit notes of an invoice"
  }
  check "credit_note_amounts" {
    expr = "(net_amount > 0) AND (tax_amount >= 0) AND (gross_amount = (net_amount + tax_amount))"
  }
  check "credit_note_reason_length" {
    expr = "(length(reason) >= 3) AND (length(reason) <= 500)"
  }
}

table "payment" {
  schema  = schema.finance
  comment = "Money received from a customer."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "customer_id" {
    null = false
    type = bigint
  }
  column "method" {
    null = false
    type = enum.payment_method
  }
  column "amount" {
    null = false
    type = numeric(12,2)
  }
  column "received_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "reference" {
    null = true
    type = text
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "payment_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "payment_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "payment_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "payment_customer_id_fkey" {
    columns     = [column.organisation_id, column.customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  check "payment_amount_positive" {
    expr = "amount > 0"
  }
}

table "payment_allocation" {
  schema  = schema.finance
  comment = "Part of a payment applied to an invoice (partial and split payments)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "payment_id" {
    null = false
    type = bigint
  }
  column "invoice_id" {
    null = false
    type = bigint
  }
  column "amount" {
    null = false
    type = numeric(12,2)
  }
  column "allocated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "payment_allocation_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "payment_allocation_payment_id_fkey" {
    columns     = [column.organisation_id, column.payment_id]
    ref_columns = [table.payment.column.organisation_id, table.payment.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "payment_allocation_invoice_id_fkey" {
    columns     = [column.organisation_id, column.invoice_id]
    ref_columns = [table.invoice.column.organisation_id, table.invoice.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "payment_allocation_key" {
    unique  = true
    columns = [column.payment_id, column.invoice_id]
  }
  index "payment_allocation_invoice_idx" {
    columns = [column.invoice_id]
    comment = "invoice balance: allocations against an invoice"
  }
  check "payment_allocation_amount_positive" {
    expr = "amount > 0"
  }
}

table "operating_expense" {
  schema  = schema.finance
  comment = "Overhead per branch x month x category: allocated to services by applied hours for true margin."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "month" {
    null = false
    type = date
    comment = "first day of the month"
  }
  column "category" {
    null = false
    type = text
  }
  column "amount" {
    null = false
    type = numeric(12,2)
  }
  column "description" {
    null = true
    type = text
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "operating_expense_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "operating_expense_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "operating_expense_key" {
    unique  = true
    columns = [column.branch_id, column.month, column.category]
  }
  check "operating_expense_month_start" {
    expr = "extract(day FROM month) = 1"
  }
  check "operating_expense_amount_non_negative" {
    expr = "amount >= 0"
  }
}

table "fleet_vehicle" {
  schema  = schema.chauffeur
  comment = "1:1 subtype of core.vehicle (id = vehicle.id). branch_id is the base branch."
  column "id" {
    null = false
    type = bigint
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "vehicle_class" {
    null = false
    type = enum.vehicle_class
  }
  column "passenger_capacity" {
    null = false
    type = integer
  }
  column "luggage_capacity" {
    null = false
    type = integer
    default = 0
  }
  column "permit_number" {
    null = true
    type = text
  }
  column "permit_expires_on" {
    null = true
    type = date
  }
  column "in_service" {
    null = false
    type = tstzrange
    comment = "[in service from, until): denominator of fleet utilisation"
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "fleet_vehicle_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "fleet_vehicle_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "fleet_vehicle_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "fleet_vehicle_id_fkey" {
    columns     = [column.organisation_id, column.id]
    ref_columns = [table.vehicle.column.organisation_id, table.vehicle.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  check "fleet_vehicle_capacity" {
    expr = "passenger_capacity BETWEEN 1 AND 60 AND luggage_capacity >= 0"
  }
  check "fleet_vehicle_in_service_not_empty" {
    expr = "NOT isempty(in_service) AND NOT lower_inf(in_service)"
  }
}

table "chauffeur" {
  schema  = schema.chauffeur
  comment = "1:1 subtype of core.staff (id = staff.id). branch_id is the base branch."
  column "id" {
    null = false
    type = bigint
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "licence_number" {
    null = false
    type = text
  }
  column "licence_expires_on" {
    null = false
    type = date
  }
  column "permit_number" {
    null = true
    type = text
  }
  column "permit_expires_on" {
    null = true
    type = date
  }
  column "engagement" {
    null = false
    type = enum.engagement
    default = "employee"
  }
  column "active" {
    null = false
    type = boolean
    default = true
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "chauffeur_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "chauffeur_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "chauffeur_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "chauffeur_id_fkey" {
    columns     = [column.organisation_id, column.id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
}

table "ride_booking" {
  schema  = schema.chauffeur
  comment = "Chauffeur ride (OPT). metadata holds flexible details (flight_number, airline, terminal, sign_text, child_seats, meet_and_greet notes)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "booker_customer_id" {
    null = false
    type = bigint
  }
  column "passenger_customer_id" {
    null = false
    type = bigint
  }
  column "service_type" {
    null = false
    type = enum.ride_service_type
  }
  column "status" {
    null = false
    type = enum.ride_status
    default = "quoted"
  }
  column "requested_vehicle_class" {
    null = true
    type = enum.vehicle_class
  }
  column "pickup_at" {
    null = false
    type = timestamptz
    comment = "scheduled pickup (on-time pickup KPI)"
  }
  column "estimated_duration_minutes" {
    null = false
    type = integer
  }
  column "pickup_address" {
    null = false
    type = text
  }
  column "dropoff_address" {
    null = true
    type = text
  }
  column "passenger_count" {
    null = false
    type = integer
    default = 1
  }
  column "luggage_count" {
    null = false
    type = integer
    default = 0
  }
  column "metadata" {
    null = false
    type = jsonb
    default = "{}"
  }
  column "quoted_amount" {
    null = true
    type = numeric(12,2)
  }
  column "actual_landing_at" {
    null = true
    type = timestamptz
    comment = "airport arrivals: actual landing; on time = on_location_at <= actual_landing_at + grace"
  }
  column "on_location_at" {
    null = true
    type = timestamptz
  }
  column "passenger_on_board_at" {
    null = true
    type = timestamptz
  }
  column "completed_at" {
    null = true
    type = timestamptz
  }
  column "cancelled_at" {
    null = true
    type = timestamptz
  }
  column "cancellation_reason" {
    null = true
    type = text
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "ride_booking_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "ride_booking_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "ride_booking_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "ride_booking_booker_customer_id_fkey" {
    columns     = [column.organisation_id, column.booker_customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "ride_booking_passenger_customer_id_fkey" {
    columns     = [column.organisation_id, column.passenger_customer_id]
    ref_columns = [table.customer.column.organisation_id, table.customer.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "ride_booking_metadata_gin" {
    type = GIN
    on {
      column = column.metadata
      ops    = jsonb_path_ops
    }
    comment = "ride search by metadata containment, e.g. metadata @> {flight_number: BA117} with jsonb_path_ops"
  }
  index "ride_booking_pickup_idx" {
    columns = [column.branch_id, column.pickup_at]
    where = "status NOT IN ('completed', 'cancelled', 'late_cancelled', 'no_show')"
    comment = "dispatch board: upcoming rides of a base by pickup time"
  }
  index "ride_booking_passenger_idx" {
    columns = [column.passenger_customer_id]
    comment = "RLS chauffeur policy and passenger history: rides of a passenger"
  }
  check "ride_booking_metadata_object" {
    expr = "jsonb_typeof(metadata) = 'object'"
  }
  check "ride_booking_counts" {
    expr = "passenger_count >= 1 AND luggage_count >= 0 AND estimated_duration_minutes > 0"
  }
  check "ride_booking_quote_non_negative" {
    expr = "quoted_amount >= 0"
  }
}

table "ride_stop" {
  schema  = schema.chauffeur
  comment = "Ordered stops of a ride."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "ride_booking_id" {
    null = false
    type = bigint
  }
  column "sequence" {
    null = false
    type = integer
  }
  column "kind" {
    null = false
    type = enum.stop_kind
  }
  column "address" {
    null = false
    type = text
  }
  column "planned_at" {
    null = true
    type = timestamptz
  }
  column "arrived_at" {
    null = true
    type = timestamptz
  }
  column "departed_at" {
    null = true
    type = timestamptz
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "ride_stop_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "ride_stop_ride_booking_id_fkey" {
    columns     = [column.organisation_id, column.ride_booking_id]
    ref_columns = [table.ride_booking.column.organisation_id, table.ride_booking.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  index "ride_stop_sequence_key" {
    unique  = true
    columns = [column.ride_booking_id, column.sequence]
  }
  check "ride_stop_sequence_positive" {
    expr = "sequence >= 1"
  }
}

table "dispatch_assignment" {
  schema  = schema.chauffeur
  comment = "Chauffeur + fleet vehicle offered/assigned to a ride (ROW lock on the ride while dispatching). EXCL: chauffeur x period and fleet vehicle x period while offered or accepted."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "ride_booking_id" {
    null = false
    type = bigint
  }
  column "chauffeur_id" {
    null = false
    type = bigint
  }
  column "fleet_vehicle_id" {
    null = false
    type = bigint
  }
  column "period" {
    null = false
    type = tstzrange
    comment = "[dispatch, expected release): chauffeur utilisation numerator"
  }
  column "status" {
    null = false
    type = enum.dispatch_status
    default = "offered"
  }
  column "offered_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "responded_at" {
    null = true
    type = timestamptz
  }
  column "dispatcher_staff_id" {
    null = true
    type = bigint
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "dispatch_assignment_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "dispatch_assignment_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "dispatch_assignment_ride_booking_id_fkey" {
    columns     = [column.organisation_id, column.ride_booking_id]
    ref_columns = [table.ride_booking.column.organisation_id, table.ride_booking.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "dispatch_assignment_chauffeur_id_fkey" {
    columns     = [column.organisation_id, column.chauffeur_id]
    ref_columns = [table.chauffeur.column.organisation_id, table.chauffeur.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "dispatch_assignment_fleet_vehicle_id_fkey" {
    columns     = [column.organisation_id, column.fleet_vehicle_id]
    ref_columns = [table.fleet_vehicle.column.organisation_id, table.fleet_vehicle.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "dispatch_assignment_dispatcher_staff_id_fkey" {
    columns     = [column.organisation_id, column.dispatcher_staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  index "dispatch_assignment_ride_idx" {
    columns = [column.ride_booking_id]
    comment = "ride detail and RLS chauffeur policy: assignments of a ride"
  }
  index "dispatch_assignment_chauffeur_idx" {
    columns = [column.chauffeur_id, column.status]
    comment = "chauffeur app: my offered and accepted rides"
  }
  check "dispatch_assignment_period_bounded" {
    expr = "NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)"
  }
}

table "ride_status_event" {
  schema  = schema.chauffeur
  comment = "APPEND, PART-M (by occurred_at): every ride state change with time, actor and odometer (dead-head miles)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "occurred_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "ride_booking_id" {
    null = false
    type = bigint
  }
  column "from_status" {
    null = true
    type = enum.ride_status
  }
  column "to_status" {
    null = false
    type = enum.ride_status
  }
  column "actor_staff_id" {
    null = true
    type = bigint
  }
  column "odometer_miles" {
    null = true
    type = numeric(10,1)
  }
  column "note" {
    null = true
    type = text
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id, column.occurred_at]
  }
  foreign_key "ride_status_event_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "ride_status_event_ride_booking_id_fkey" {
    columns     = [column.organisation_id, column.ride_booking_id]
    ref_columns = [table.ride_booking.column.organisation_id, table.ride_booking.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "ride_status_event_actor_staff_id_fkey" {
    columns     = [column.organisation_id, column.actor_staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "ride_status_event_ride_idx" {
    columns = [column.ride_booking_id, column.occurred_at]
    comment = "ride timeline and on-time pickup: events of a ride in order"
  }
  index "ride_status_event_occurred_brin" {
    type = BRIN
    columns = [column.occurred_at]
    comment = "time-range scans of ride events (dead-head and utilisation reports)"
  }
  check "ride_status_event_odometer_non_negative" {
    expr = "odometer_miles >= 0"
  }
  partition {
    type    = RANGE
    columns = [column.occurred_at]
  }
}

table "ride_charge" {
  schema  = schema.chauffeur
  comment = "Priced components of a ride. chauffeur_payable_amount (what the chauffeur earns from the component) is finance-only."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "ride_booking_id" {
    null = false
    type = bigint
  }
  column "component" {
    null = false
    type = enum.charge_component
  }
  column "description" {
    null = true
    type = text
  }
  column "quantity" {
    null = false
    type = numeric(10,3)
    default = 1
  }
  column "unit_amount" {
    null = false
    type = numeric(12,2)
  }
  column "amount" {
    null = false
    type = numeric(12,2)
  }
  column "taxable" {
    null = false
    type = boolean
    default = true
  }
  column "chauffeur_payable_amount" {
    null = false
    type = numeric(12,2)
    default = 0
    comment = "MASKED: settlement reconciliation compares settlement lines to this"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "ride_charge_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "ride_charge_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "ride_charge_ride_booking_id_fkey" {
    columns     = [column.organisation_id, column.ride_booking_id]
    ref_columns = [table.ride_booking.column.organisation_id, table.ride_booking.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  index "ride_charge_ride_idx" {
    columns = [column.ride_booking_id]
    comment = "ride pricing and settlement reconciliation: charges of a ride"
  }
  check "ride_charge_quantity_positive" {
    expr = "quantity > 0"
  }
  check "ride_charge_sign" {
    expr = "component = 'discount' OR (unit_amount >= 0 AND amount >= 0)"
  }
  check "ride_charge_payable_non_negative" {
    expr = "chauffeur_payable_amount >= 0"
  }
}

table "chauffeur_pay_rule" {
  schema  = schema.chauffeur
  comment = "Pay rule per chauffeur x component over an effective range (finance-only). EXCL: no overlapping rules for one chauffeur and component."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "chauffeur_id" {
    null = false
    type = bigint
  }
  column "component" {
    null = false
    type = enum.charge_component
  }
  column "basis" {
    null = false
    type = enum.pay_rule_basis
  }
  column "rate" {
    null = false
    type = numeric(12,2)
    comment = "amount, per-hour/per-mile rate, or percentage points per basis"
  }
  column "effective" {
    null = false
    type = tstzrange
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "chauffeur_pay_rule_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "chauffeur_pay_rule_chauffeur_id_fkey" {
    columns     = [column.organisation_id, column.chauffeur_id]
    ref_columns = [table.chauffeur.column.organisation_id, table.chauffeur.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  check "chauffeur_pay_rule_rate_non_negative" {
    expr = "rate >= 0"
  }
  check "chauffeur_pay_rule_effective_not_empty" {
    expr = "NOT isempty(effective) AND NOT lower_inf(effective)"
  }
}

table "settlement" {
  schema  = schema.chauffeur
  comment = "Chauffeur settlement (OPT): draft -> approved -> paid -> reconciled. Finance-only."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "chauffeur_id" {
    null = false
    type = bigint
  }
  column "period" {
    null = false
    type = tstzrange
    comment = "settled period"
  }
  column "status" {
    null = false
    type = enum.settlement_status
    default = "draft"
  }
  column "total_amount" {
    null = false
    type = numeric(12,2)
    default = 0
  }
  column "approved_at" {
    null = true
    type = timestamptz
  }
  column "approved_by_staff_id" {
    null = true
    type = bigint
  }
  column "paid_at" {
    null = true
    type = timestamptz
  }
  column "reconciled_at" {
    null = true
    type = timestamptz
  }
  column "payment_reference" {
    null = true
    type = text
  }
  column "version" {
    null = false
    type = integer
    default = 1
    comment = "optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected"
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  # tenant key: target of the composite (organisation_id, x_id) foreign keys
  unique "settlement_organisation_id_id_key" {
    columns = [column.organisation_id, column.id]
  }
  foreign_key "settlement_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "settlement_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "settlement_chauffeur_id_fkey" {
    columns     = [column.organisation_id, column.chauffeur_id]
    ref_columns = [table.chauffeur.column.organisation_id, table.chauffeur.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "settlement_approved_by_staff_id_fkey" {
    columns     = [column.organisation_id, column.approved_by_staff_id]
    ref_columns = [table.staff.column.organisation_id, table.staff.column.id]
    on_update   = NO_ACTION
    on_delete   = SET_NULL
  }
  check "settlement_period_bounded" {
    expr = "NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)"
  }
}

table "settlement_line" {
  schema  = schema.chauffeur
  comment = "What a settlement pays per ride component. UNIQUE (ride_booking_id, component): never pay twice."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "settlement_id" {
    null = false
    type = bigint
  }
  column "ride_booking_id" {
    null = false
    type = bigint
  }
  column "component" {
    null = false
    type = enum.charge_component
  }
  column "amount" {
    null = false
    type = numeric(12,2)
  }
  column "ride_charge_id" {
    null = true
    type = bigint
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "settlement_line_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "settlement_line_settlement_id_fkey" {
    columns     = [column.organisation_id, column.settlement_id]
    ref_columns = [table.settlement.column.organisation_id, table.settlement.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  foreign_key "settlement_line_ride_booking_id_fkey" {
    columns     = [column.organisation_id, column.ride_booking_id]
    ref_columns = [table.ride_booking.column.organisation_id, table.ride_booking.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "settlement_line_ride_charge_id_fkey" {
    columns     = [column.organisation_id, column.ride_charge_id]
    ref_columns = [table.ride_charge.column.organisation_id, table.ride_charge.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "settlement_line_ride_component_key" {
    unique  = true
    columns = [column.ride_booking_id, column.component]
  }
  index "settlement_line_settlement_idx" {
    columns = [column.settlement_id]
    comment = "settlement detail: lines of a settlement"
  }
}

table "staff_audit_log" {
  schema  = schema.audit
  comment = "APPEND, PART-M (by occurred_at): sensitive changes and admin actions. Hash chain per organisation in id order: hash = sha256(prev_hash || audit.entry_payload(row)); audit.verify_chain() reports the first broken link."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "occurred_at" {
    null = false
    type = timestamptz
    default = sql("statement_timestamp()")
  }
  column "actor_staff_id" {
    null = true
    type = bigint
    comment = "app.staff_id"
  }
  column "actor_role" {
    null = false
    type = text
    comment = "app.role, else the database role"
  }
  column "db_role" {
    null = false
    type = text
    comment = "current_user at the time of the change"
  }
  column "request_id" {
    null = true
    type = text
    comment = "app.request_id"
  }
  column "action" {
    null = false
    type = text
    comment = "INSERT, UPDATE, DELETE or an admin action name"
  }
  column "table_name" {
    null = true
    type = text
    comment = "schema-qualified table"
  }
  column "row_key" {
    null = true
    type = jsonb
  }
  column "old_values" {
    null = true
    type = jsonb
    comment = "changed columns before (PII columns replaced by [redacted])"
  }
  column "new_values" {
    null = true
    type = jsonb
    comment = "changed columns after (PII columns replaced by [redacted])"
  }
  column "transaction_id" {
    null = false
    type = bigint
    default = sql("txid_current()")
  }
  column "prev_hash" {
    null = true
    type = bytea
  }
  column "hash" {
    null = false
    type = bytea
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id, column.occurred_at]
  }
  foreign_key "staff_audit_log_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "staff_audit_log_occurred_brin" {
    type = BRIN
    columns = [column.occurred_at]
    comment = "auditor time-range queries over the audit log"
  }
  index "staff_audit_log_chain_idx" {
    columns = [column.organisation_id, column.id]
    comment = "audit.verify_chain: walk one organisation's chain in id order"
  }
  check "staff_audit_log_action_not_blank" {
    expr = "action <> ''"
  }
  partition {
    type    = RANGE
    columns = [column.occurred_at]
  }
}

table "chain_head" {
  schema  = schema.audit
  comment = "Helper: last entry of each organisation's audit hash chain; the row lock serialises appends to the chain."
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "last_entry_id" {
    null = false
    type = bigint
  }
  column "last_hash" {
    null = false
    type = bytea
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    null = false
    type = timestamptz
    default = sql("now()")
    comment = "maintained by trigger"
  }
  primary_key {
    columns = [column.organisation_id]
  }
  foreign_key "chain_head_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
}

table "booking_history" {
  schema  = schema.audit
  comment = "APPEND: every booking status or period change, for auditors (written by trigger)."
  column "id" {
    null = false
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "organisation_id" {
    null = false
    type = bigint
  }
  column "branch_id" {
    null = false
    type = bigint
  }
  column "booking_id" {
    null = false
    type = bigint
  }
  column "from_status" {
    null = true
    type = enum.booking_status
  }
  column "to_status" {
    null = false
    type = enum.booking_status
  }
  column "period" {
    null = false
    type = tstzrange
  }
  column "changed_at" {
    null = false
    type = timestamptz
    default = sql("statement_timestamp()")
  }
  column "actor_staff_id" {
    null = true
    type = bigint
  }
  column "actor_role" {
    null = false
    type = text
  }
  column "request_id" {
    null = true
    type = text
  }
  column "created_at" {
    null = false
    type = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "booking_history_organisation_id_fkey" {
    columns     = [column.organisation_id]
    ref_columns = [table.organisation.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "booking_history_booking_id_fkey" {
    columns     = [column.organisation_id, column.booking_id]
    ref_columns = [table.booking.column.organisation_id, table.booking.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  foreign_key "booking_history_branch_id_fkey" {
    columns     = [column.organisation_id, column.branch_id]
    ref_columns = [table.branch.column.organisation_id, table.branch.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "booking_history_booking_idx" {
    columns = [column.booking_id, column.changed_at]
    comment = "auditor: history of one booking"
  }
}
