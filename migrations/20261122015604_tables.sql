-- Set comment to schema: "audit"
COMMENT ON SCHEMA "audit" IS 'Append-only, hash-chained staff audit log and booking history.';
-- Set comment to schema: "chauffeur"
COMMENT ON SCHEMA "chauffeur" IS 'Chauffeur transfers: fleet, chauffeurs, rides, dispatch, charges, pay rules and settlements.';
-- Set comment to schema: "core"
COMMENT ON SCHEMA "core" IS 'Tenants, branches, staff, customers, vehicles, time keeping, notifications, API tokens.';
-- Set comment to schema: "finance"
COMMENT ON SCHEMA "finance" IS 'Invoices, payments and overheads.';
-- Set comment to schema: "inventory"
COMMENT ON SCHEMA "inventory" IS 'Parts, suppliers, stock per branch, stock movements and purchase orders.';
-- Set comment to schema: "workshop"
COMMENT ON SCHEMA "workshop" IS 'Service centre operations: bays, labour catalogue, bookings, repair orders and their lines.';
-- Create enum type "booking_channel"
CREATE TYPE "workshop"."booking_channel" AS ENUM ('phone', 'web', 'walk_in', 'app', 'partner');
-- Create enum type "pay_basis"
CREATE TYPE "core"."pay_basis" AS ENUM ('hourly', 'flat_rate', 'salary');
-- Create enum type "booking_status"
CREATE TYPE "workshop"."booking_status" AS ENUM ('booked', 'confirmed', 'arrived', 'converted', 'no_show', 'cancelled', 'late_cancelled');
-- Create enum type "stop_kind"
CREATE TYPE "chauffeur"."stop_kind" AS ENUM ('pickup', 'via', 'dropoff');
-- Create enum type "settlement_status"
CREATE TYPE "chauffeur"."settlement_status" AS ENUM ('draft', 'approved', 'paid', 'reconciled');
-- Create enum type "pay_rule_basis"
CREATE TYPE "chauffeur"."pay_rule_basis" AS ENUM ('fixed', 'per_hour', 'per_mile', 'percentage');
-- Create enum type "charge_component"
CREATE TYPE "chauffeur"."charge_component" AS ENUM ('ride_base', 'wait_time', 'extra_stop', 'toll', 'parking', 'gratuity', 'surcharge', 'discount', 'cancellation_fee');
-- Create enum type "dispatch_status"
CREATE TYPE "chauffeur"."dispatch_status" AS ENUM ('offered', 'accepted', 'declined', 'cancelled', 'completed', 'expired');
-- Create enum type "ride_status"
CREATE TYPE "chauffeur"."ride_status" AS ENUM ('quoted', 'confirmed', 'dispatched', 'accepted', 'on_the_way', 'on_location', 'passenger_on_board', 'completed', 'cancelled', 'late_cancelled', 'no_show');
-- Create enum type "vehicle_class"
CREATE TYPE "chauffeur"."vehicle_class" AS ENUM ('sedan', 'executive', 'suv', 'van', 'minibus', 'luxury');
-- Create enum type "ride_service_type"
CREATE TYPE "chauffeur"."ride_service_type" AS ENUM ('airport_arrival', 'airport_departure', 'point_to_point', 'hourly');
-- Create enum type "engagement"
CREATE TYPE "chauffeur"."engagement" AS ENUM ('employee', 'contractor');
-- Create enum type "clock_kind"
CREATE TYPE "core"."clock_kind" AS ENUM ('attendance', 'job', 'non_productive');
-- Create enum type "inventory_transaction_kind"
CREATE TYPE "inventory"."inventory_transaction_kind" AS ENUM ('receipt', 'issue', 'return', 'adjustment', 'transfer', 'count');
-- Create enum type "purchase_order_status"
CREATE TYPE "inventory"."purchase_order_status" AS ENUM ('draft', 'sent', 'partially_received', 'received', 'cancelled');
-- Create enum type "payment_method"
CREATE TYPE "finance"."payment_method" AS ENUM ('card', 'cash', 'bank_transfer', 'account', 'voucher');
-- Create enum type "invoice_line_kind"
CREATE TYPE "finance"."invoice_line_kind" AS ENUM ('labour', 'part', 'fee', 'sublet', 'ride_base', 'wait_time', 'extra_stop', 'toll', 'parking', 'gratuity', 'surcharge', 'discount');
-- Create enum type "invoice_status"
CREATE TYPE "finance"."invoice_status" AS ENUM ('draft', 'issued', 'void');
-- Create enum type "pay_type"
CREATE TYPE "workshop"."pay_type" AS ENUM ('customer', 'warranty', 'internal');
-- Create "organisation" table
CREATE TABLE "core"."organisation" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "name" text NOT NULL, "currency" character(3) NOT NULL DEFAULT 'GBP', "tax_rate" numeric(5,4) NOT NULL DEFAULT 0.2, "tax_registration" text NULL, "timezone" text NOT NULL DEFAULT 'Europe/London', "retention_months" integer NOT NULL DEFAULT 84, "pii_retention_months" integer NOT NULL DEFAULT 36, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "organisation_currency_iso" CHECK (currency ~ '^[A-Z]{3}$'::text), CONSTRAINT "organisation_retention_positive" CHECK ((retention_months > 0) AND (pii_retention_months > 0)), CONSTRAINT "organisation_tax_rate_range" CHECK ((tax_rate >= (0)::numeric) AND (tax_rate < (1)::numeric)));
-- Set comment to table: "organisation"
COMMENT ON TABLE "core"."organisation" IS 'Tenant. Every business table carries organisation_id = organisation.id; RLS isolates tenants by app.organisation_id.';
-- Set comment to column: "currency" on table: "organisation"
COMMENT ON COLUMN "core"."organisation"."currency" IS 'ISO 4217 code of every money column of the tenant';
-- Set comment to column: "tax_rate" on table: "organisation"
COMMENT ON COLUMN "core"."organisation"."tax_rate" IS 'default sales tax rate (0.2000 = 20%)';
-- Set comment to column: "retention_months" on table: "organisation"
COMMENT ON COLUMN "core"."organisation"."retention_months" IS 'how long financial records are kept before archival (legal retention)';
-- Set comment to column: "pii_retention_months" on table: "organisation"
COMMENT ON COLUMN "core"."organisation"."pii_retention_months" IS 'inactivity after which customer PII is pseudonymised';
-- Set comment to column: "updated_at" on table: "organisation"
COMMENT ON COLUMN "core"."organisation"."updated_at" IS 'maintained by trigger';
-- Create enum type "repair_job_status"
CREATE TYPE "workshop"."repair_job_status" AS ENUM ('recommended', 'approved', 'declined', 'in_progress', 'done');
-- Create enum type "customer_kind"
CREATE TYPE "core"."customer_kind" AS ENUM ('person', 'company');
-- Create enum type "consent_action"
CREATE TYPE "core"."consent_action" AS ENUM ('granted', 'withdrawn');
-- Create enum type "notification_status"
CREATE TYPE "core"."notification_status" AS ENUM ('pending', 'sending', 'sent', 'failed', 'cancelled');
-- Create enum type "business_role"
CREATE TYPE "core"."business_role" AS ENUM ('technician', 'receptionist', 'finance', 'manager', 'dispatcher', 'chauffeur', 'auditor');
-- Create enum type "contact_channel"
CREATE TYPE "core"."contact_channel" AS ENUM ('email', 'sms', 'phone', 'post', 'push');
-- Create enum type "repair_order_status"
CREATE TYPE "workshop"."repair_order_status" AS ENUM ('estimate', 'authorised', 'in_progress', 'awaiting_parts', 'ready', 'invoiced', 'closed', 'cancelled');
-- Create enum type "notification_kind"
CREATE TYPE "core"."notification_kind" AS ENUM ('booking_reminder', 'inventory_alert', 'performance_notice', 'ride_update', 'feedback_request', 'other');
-- Create enum type "consent_purpose"
CREATE TYPE "core"."consent_purpose" AS ENUM ('service_reminders', 'marketing', 'feedback', 'data_sharing');
-- Create "branch" table
CREATE TABLE "core"."branch" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "code" text NOT NULL, "name" text NOT NULL, "timezone" text NOT NULL DEFAULT 'Europe/London', "opening_hours" jsonb NOT NULL DEFAULT '{}', "address" text NULL, "phone" text NULL, "active" boolean NOT NULL DEFAULT true, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "branch_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "branch_opening_hours_object" CHECK (jsonb_typeof(opening_hours) = 'object'::text));
-- Create index "branch_code_key" to table: "branch"
CREATE UNIQUE INDEX "branch_code_key" ON "core"."branch" ("organisation_id", "code");
-- Set comment to table: "branch"
COMMENT ON TABLE "core"."branch" IS 'Service location (workshop and/or chauffeur base).';
-- Set comment to column: "opening_hours" on table: "branch"
COMMENT ON COLUMN "core"."branch"."opening_hours" IS 'weekly opening hours, e.g. {"mon": [["08:00","18:00"]]}: the denominator of bay utilisation';
-- Set comment to column: "version" on table: "branch"
COMMENT ON COLUMN "core"."branch"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "branch"
COMMENT ON COLUMN "core"."branch"."updated_at" IS 'maintained by trigger';
-- Create "staff" table
CREATE TABLE "core"."staff" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "home_branch_id" bigint NULL, "given_name" text NOT NULL, "family_name" text NOT NULL, "email" text NOT NULL, "phone" text NULL, "employee_number" text NULL, "pay_basis" "core"."pay_basis" NOT NULL DEFAULT 'hourly', "pay_rate" numeric(12,2) NULL, "cost_rate" numeric(12,2) NULL, "employed_from" date NOT NULL DEFAULT CURRENT_DATE, "employed_until" date NULL, "active" boolean NOT NULL DEFAULT true, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "staff_home_branch_id_fkey" FOREIGN KEY ("home_branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "staff_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "staff_employment_range" CHECK ((employed_until IS NULL) OR (employed_until >= employed_from)), CONSTRAINT "staff_rates_non_negative" CHECK ((pay_rate >= (0)::numeric) AND (cost_rate >= (0)::numeric)));
-- Create index "staff_email_key" to table: "staff"
CREATE UNIQUE INDEX "staff_email_key" ON "core"."staff" ("organisation_id", "email");
-- Set comment to table: "staff"
COMMENT ON TABLE "core"."staff" IS 'Employee or contractor (PII). pay_rate and cost_rate are finance-only columns (column grants).';
-- Set comment to column: "pay_rate" on table: "staff"
COMMENT ON COLUMN "core"."staff"."pay_rate" IS 'MASKED: hourly rate, flat-rate per flagged hour, or annual salary per pay_basis';
-- Set comment to column: "cost_rate" on table: "staff"
COMMENT ON COLUMN "core"."staff"."cost_rate" IS 'MASKED: fully loaded cost per attended hour, used for technician labour cost';
-- Set comment to column: "version" on table: "staff"
COMMENT ON COLUMN "core"."staff"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "staff"
COMMENT ON COLUMN "core"."staff"."updated_at" IS 'maintained by trigger';
-- Create "api_token" table
CREATE TABLE "core"."api_token" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "staff_id" bigint NOT NULL, "role" "core"."business_role" NOT NULL, "token_hash" bytea NOT NULL, "label" text NULL, "expires_at" timestamptz NOT NULL, "revoked_at" timestamptz NULL, "last_used_at" timestamptz NULL, "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "api_token_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "api_token_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "api_token_hash_length" CHECK (octet_length(token_hash) = 32));
-- Create index "api_token_hash_key" to table: "api_token"
CREATE UNIQUE INDEX "api_token_hash_key" ON "core"."api_token" ("token_hash");
-- Create index "api_token_staff_idx" to table: "api_token"
CREATE INDEX "api_token_staff_idx" ON "core"."api_token" ("staff_id") WHERE (revoked_at IS NULL);
-- Set comment to table: "api_token"
COMMENT ON TABLE "core"."api_token" IS 'Bearer tokens: only the SHA-256 of the secret is stored. The API login (cch_app) reads it before switching role.';
-- Set comment to column: "token_hash" on table: "api_token"
COMMENT ON COLUMN "core"."api_token"."token_hash" IS 'sha256 of the bearer secret';
-- Set comment to index: "api_token_staff_idx" on table: "api_token"
COMMENT ON INDEX "core"."api_token_staff_idx" IS 'token management: a staff member''s live tokens';
-- Create "service_bay" table
CREATE TABLE "workshop"."service_bay" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "code" text NOT NULL, "name" text NOT NULL, "bay_type" text NOT NULL DEFAULT 'general', "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "service_bay_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "service_bay_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT);
-- Create index "service_bay_code_key" to table: "service_bay"
CREATE UNIQUE INDEX "service_bay_code_key" ON "workshop"."service_bay" ("branch_id", "code");
-- Set comment to table: "service_bay"
COMMENT ON TABLE "workshop"."service_bay" IS 'Workshop bay (lift, MOT lane, alignment ...).';
-- Set comment to column: "updated_at" on table: "service_bay"
COMMENT ON COLUMN "workshop"."service_bay"."updated_at" IS 'maintained by trigger';
-- Create "customer" table
CREATE TABLE "core"."customer" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "home_branch_id" bigint NULL, "kind" "core"."customer_kind" NOT NULL DEFAULT 'person', "parent_customer_id" bigint NULL, "given_name" text NULL, "family_name" text NULL, "company_name" text NULL, "email" text NULL, "phone" text NULL, "address" text NULL, "postcode" text NULL, "pseudonymised_at" timestamptz NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "customer_home_branch_id_fkey" FOREIGN KEY ("home_branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "customer_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "customer_parent_customer_id_fkey" FOREIGN KEY ("parent_customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "customer_named" CHECK ((pseudonymised_at IS NOT NULL) OR ((kind = 'person'::core.customer_kind) AND (family_name IS NOT NULL)) OR ((kind = 'company'::core.customer_kind) AND (company_name IS NOT NULL))), CONSTRAINT "customer_not_own_parent" CHECK (parent_customer_id <> id));
-- Create index "customer_email_idx" to table: "customer"
CREATE INDEX "customer_email_idx" ON "core"."customer" ("organisation_id", (lower(email))) WHERE (email IS NOT NULL);
-- Create index "customer_home_branch_idx" to table: "customer"
CREATE INDEX "customer_home_branch_idx" ON "core"."customer" ("home_branch_id");
-- Set comment to table: "customer"
COMMENT ON TABLE "core"."customer" IS 'Person or company (PII): workshop customers, ride bookers and passengers. RLS by role and branch; erasure pseudonymises (pseudonymised_at) rather than deletes.';
-- Set comment to column: "home_branch_id" on table: "customer"
COMMENT ON COLUMN "core"."customer"."home_branch_id" IS 'branch that owns the relationship; NULL = organisation-wide (corporate accounts)';
-- Set comment to column: "parent_customer_id" on table: "customer"
COMMENT ON COLUMN "core"."customer"."parent_customer_id" IS 'corporate account this person or company belongs to';
-- Set comment to column: "pseudonymised_at" on table: "customer"
COMMENT ON COLUMN "core"."customer"."pseudonymised_at" IS 'set when GDPR erasure replaced the PII columns';
-- Set comment to column: "version" on table: "customer"
COMMENT ON COLUMN "core"."customer"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "customer"
COMMENT ON COLUMN "core"."customer"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "customer_email_idx" on table: "customer"
COMMENT ON INDEX "core"."customer_email_idx" IS 'customer lookup by e-mail at the front desk and subject-access requests';
-- Set comment to index: "customer_home_branch_idx" on table: "customer"
COMMENT ON INDEX "core"."customer_home_branch_idx" IS 'RLS receptionist policy: customers of my branches';
-- Create "vehicle" table
CREATE TABLE "core"."vehicle" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "vin" text NOT NULL, "registration_plate" text NULL, "make" text NOT NULL, "model" text NOT NULL, "model_year" integer NULL, "fuel_type" text NULL, "colour" text NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "vehicle_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "vehicle_model_year_range" CHECK ((model_year >= 1900) AND (model_year <= 2100)), CONSTRAINT "vehicle_vin_format" CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{11,17}$'::text));
-- Create index "vehicle_plate_idx" to table: "vehicle"
CREATE INDEX "vehicle_plate_idx" ON "core"."vehicle" ("organisation_id", "registration_plate");
-- Create index "vehicle_vin_key" to table: "vehicle"
CREATE UNIQUE INDEX "vehicle_vin_key" ON "core"."vehicle" ("organisation_id", "vin");
-- Set comment to table: "vehicle"
COMMENT ON TABLE "core"."vehicle" IS 'Customer or fleet vehicle. VIN unique per organisation.';
-- Set comment to column: "vin" on table: "vehicle"
COMMENT ON COLUMN "core"."vehicle"."vin" IS 'vehicle identification number (upper case, no I/O/Q)';
-- Set comment to column: "version" on table: "vehicle"
COMMENT ON COLUMN "core"."vehicle"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "vehicle"
COMMENT ON COLUMN "core"."vehicle"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "vehicle_plate_idx" on table: "vehicle"
COMMENT ON INDEX "core"."vehicle_plate_idx" IS 'front desk: find a vehicle by registration plate';
-- Create "booking" table
CREATE TABLE "workshop"."booking" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "customer_id" bigint NOT NULL, "vehicle_id" bigint NOT NULL, "period" tstzrange NOT NULL, "channel" "workshop"."booking_channel" NOT NULL DEFAULT 'phone', "status" "workshop"."booking_status" NOT NULL DEFAULT 'booked', "labour_operation_codes" text[] NOT NULL DEFAULT '{}', "notes" text NULL, "reminder_due_at" timestamptz NULL, "reminder_sent_at" timestamptz NULL, "confirmed_at" timestamptz NULL, "arrived_at" timestamptz NULL, "cancelled_at" timestamptz NULL, "cancellation_reason" text NULL, "booked_by_staff_id" bigint NULL, "idempotency_key" text NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "booking_booked_by_staff_id_fkey" FOREIGN KEY ("booked_by_staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "booking_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "booking_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "booking_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "booking_vehicle_id_fkey" FOREIGN KEY ("vehicle_id") REFERENCES "core"."vehicle" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "booking_period_bounded" CHECK ((NOT isempty(period)) AND (NOT lower_inf(period)) AND (NOT upper_inf(period))));
-- Create index "booking_branch_period_idx" to table: "booking"
CREATE INDEX "booking_branch_period_idx" ON "workshop"."booking" ("branch_id", (lower(period)));
-- Create index "booking_customer_idx" to table: "booking"
CREATE INDEX "booking_customer_idx" ON "workshop"."booking" ("customer_id", "period");
-- Create index "booking_idempotency_key" to table: "booking"
CREATE UNIQUE INDEX "booking_idempotency_key" ON "workshop"."booking" ("organisation_id", "idempotency_key") WHERE (idempotency_key IS NOT NULL);
-- Create index "booking_reminder_due_idx" to table: "booking"
CREATE INDEX "booking_reminder_due_idx" ON "workshop"."booking" ("reminder_due_at") WHERE ((status = ANY (ARRAY['booked'::workshop.booking_status, 'confirmed'::workshop.booking_status])) AND (reminder_sent_at IS NULL));
-- Set comment to table: "booking"
COMMENT ON TABLE "workshop"."booking" IS 'Workshop appointment (OPT). Partitioning-ready, NOT partitioned: partition it by RANGE (lower(period)) monthly once it passes ~50M rows or ~20 GB (about 10 years at 10k bookings/month per 4 branches x 10 tenants): add a period_start timestamptz column = lower(period), make the primary key (id, period_start), keep exclusion constraints on bay_reservation and technician_booking (they stay unpartitioned and span month boundaries), and attach the history as partitions created by core.ensure_partitions.';
-- Set comment to column: "period" on table: "booking"
COMMENT ON COLUMN "workshop"."booking"."period" IS 'planned [start, end) in the shop';
-- Set comment to column: "labour_operation_codes" on table: "booking"
COMMENT ON COLUMN "workshop"."booking"."labour_operation_codes" IS 'requested labour operations (codes of labour_operation)';
-- Set comment to column: "idempotency_key" on table: "booking"
COMMENT ON COLUMN "workshop"."booking"."idempotency_key" IS 'client Idempotency-Key of the creating POST';
-- Set comment to column: "version" on table: "booking"
COMMENT ON COLUMN "workshop"."booking"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "booking"
COMMENT ON COLUMN "workshop"."booking"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "booking_branch_period_idx" on table: "booking"
COMMENT ON INDEX "workshop"."booking_branch_period_idx" IS 'day sheet and availability: bookings of a branch starting in a time window (branch_id = $1 AND lower(period) >= $2 AND lower(period) < $3)';
-- Set comment to index: "booking_customer_idx" on table: "booking"
COMMENT ON INDEX "workshop"."booking_customer_idx" IS 'customer history: bookings of a customer, newest first (churn, RFM)';
-- Set comment to index: "booking_idempotency_key" on table: "booking"
COMMENT ON INDEX "workshop"."booking_idempotency_key" IS 'POST /v1/bookings retry: find the booking created with this Idempotency-Key';
-- Set comment to index: "booking_reminder_due_idx" on table: "booking"
COMMENT ON INDEX "workshop"."booking_reminder_due_idx" IS 'reminder worker: bookings whose reminder is due and not yet sent';
-- Create "bay_reservation" table
CREATE TABLE "workshop"."bay_reservation" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "booking_id" bigint NOT NULL, "bay_id" bigint NOT NULL, "period" tstzrange NOT NULL, "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "bay_reservation_bay_id_fkey" FOREIGN KEY ("bay_id") REFERENCES "workshop"."service_bay" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "bay_reservation_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "workshop"."booking" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "bay_reservation_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "bay_reservation_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "bay_reservation_period_bounded" CHECK ((NOT isempty(period)) AND (NOT lower_inf(period)) AND (NOT upper_inf(period))));
-- Create index "bay_reservation_booking_idx" to table: "bay_reservation"
CREATE INDEX "bay_reservation_booking_idx" ON "workshop"."bay_reservation" ("booking_id");
-- Set comment to table: "bay_reservation"
COMMENT ON TABLE "workshop"."bay_reservation" IS 'Bay held for a booking. EXCL: (bay_id =, period &&) WHERE active.';
-- Set comment to column: "updated_at" on table: "bay_reservation"
COMMENT ON COLUMN "workshop"."bay_reservation"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "bay_reservation_booking_idx" on table: "bay_reservation"
COMMENT ON INDEX "workshop"."bay_reservation_booking_idx" IS 'booking detail and cancellation: reservations of a booking';
-- Create "booking_history" table
CREATE TABLE "audit"."booking_history" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "booking_id" bigint NOT NULL, "from_status" "workshop"."booking_status" NULL, "to_status" "workshop"."booking_status" NOT NULL, "period" tstzrange NOT NULL, "changed_at" timestamptz NOT NULL DEFAULT statement_timestamp(), "actor_staff_id" bigint NULL, "actor_role" text NOT NULL, "request_id" text NULL, "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "booking_history_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "workshop"."booking" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "booking_history_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "booking_history_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT);
-- Create index "booking_history_booking_idx" to table: "booking_history"
CREATE INDEX "booking_history_booking_idx" ON "audit"."booking_history" ("booking_id", "changed_at");
-- Set comment to table: "booking_history"
COMMENT ON TABLE "audit"."booking_history" IS 'APPEND: every booking status or period change, for auditors (written by trigger).';
-- Set comment to index: "booking_history_booking_idx" on table: "booking_history"
COMMENT ON INDEX "audit"."booking_history_booking_idx" IS 'auditor: history of one booking';
-- Create "chain_head" table
CREATE TABLE "audit"."chain_head" ("organisation_id" bigint NOT NULL, "last_entry_id" bigint NOT NULL, "last_hash" bytea NOT NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("organisation_id"), CONSTRAINT "chain_head_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT);
-- Set comment to table: "chain_head"
COMMENT ON TABLE "audit"."chain_head" IS 'Helper: last entry of each organisation''s audit hash chain; the row lock serialises appends to the chain.';
-- Set comment to column: "updated_at" on table: "chain_head"
COMMENT ON COLUMN "audit"."chain_head"."updated_at" IS 'maintained by trigger';
-- Create "chauffeur" table
CREATE TABLE "chauffeur"."chauffeur" ("id" bigint NOT NULL, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "licence_number" text NOT NULL, "licence_expires_on" date NOT NULL, "permit_number" text NULL, "permit_expires_on" date NULL, "engagement" "chauffeur"."engagement" NOT NULL DEFAULT 'employee', "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "chauffeur_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "chauffeur_id_fkey" FOREIGN KEY ("id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "chauffeur_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT);
-- Set comment to table: "chauffeur"
COMMENT ON TABLE "chauffeur"."chauffeur" IS '1:1 subtype of core.staff (id = staff.id). branch_id is the base branch.';
-- Set comment to column: "updated_at" on table: "chauffeur"
COMMENT ON COLUMN "chauffeur"."chauffeur"."updated_at" IS 'maintained by trigger';
-- Create "chauffeur_pay_rule" table
CREATE TABLE "chauffeur"."chauffeur_pay_rule" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "chauffeur_id" bigint NOT NULL, "component" "chauffeur"."charge_component" NOT NULL, "basis" "chauffeur"."pay_rule_basis" NOT NULL, "rate" numeric(12,2) NOT NULL, "effective" tstzrange NOT NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "chauffeur_pay_rule_chauffeur_id_fkey" FOREIGN KEY ("chauffeur_id") REFERENCES "chauffeur"."chauffeur" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "chauffeur_pay_rule_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "chauffeur_pay_rule_effective_not_empty" CHECK ((NOT isempty(effective)) AND (NOT lower_inf(effective))), CONSTRAINT "chauffeur_pay_rule_rate_non_negative" CHECK (rate >= (0)::numeric));
-- Set comment to table: "chauffeur_pay_rule"
COMMENT ON TABLE "chauffeur"."chauffeur_pay_rule" IS 'Pay rule per chauffeur x component over an effective range (finance-only). EXCL: no overlapping rules for one chauffeur and component.';
-- Set comment to column: "rate" on table: "chauffeur_pay_rule"
COMMENT ON COLUMN "chauffeur"."chauffeur_pay_rule"."rate" IS 'amount, per-hour/per-mile rate, or percentage points per basis';
-- Set comment to column: "updated_at" on table: "chauffeur_pay_rule"
COMMENT ON COLUMN "chauffeur"."chauffeur_pay_rule"."updated_at" IS 'maintained by trigger';
-- Create "customer_consent" table
CREATE TABLE "core"."customer_consent" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "customer_id" bigint NOT NULL, "purpose" "core"."consent_purpose" NOT NULL, "channel" "core"."contact_channel" NOT NULL, "action" "core"."consent_action" NOT NULL, "recorded_at" timestamptz NOT NULL DEFAULT now(), "source" text NULL, "recorded_by_staff_id" bigint NULL, "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "customer_consent_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "customer_consent_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "customer_consent_recorded_by_staff_id_fkey" FOREIGN KEY ("recorded_by_staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT);
-- Set comment to table: "customer_consent"
COMMENT ON TABLE "core"."customer_consent" IS 'APPEND: consent events per purpose and channel; the latest row per (customer, purpose, channel) is the current state.';
-- Set comment to column: "source" on table: "customer_consent"
COMMENT ON COLUMN "core"."customer_consent"."source" IS 'where consent was captured: web form, phone, in branch';
-- Create "repair_order" table
CREATE TABLE "workshop"."repair_order" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "ro_number" text NULL, "customer_id" bigint NOT NULL, "vehicle_id" bigint NOT NULL, "booking_id" bigint NULL, "advisor_staff_id" bigint NULL, "status" "workshop"."repair_order_status" NOT NULL DEFAULT 'estimate', "opened_at" timestamptz NOT NULL DEFAULT now(), "promised_at" timestamptz NULL, "invoiced_at" timestamptz NULL, "closed_at" timestamptz NULL, "odometer_in_miles" integer NULL, "comeback_of_repair_order_id" bigint NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "repair_order_advisor_staff_id_fkey" FOREIGN KEY ("advisor_staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "repair_order_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "workshop"."booking" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "repair_order_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "repair_order_comeback_of_repair_order_id_fkey" FOREIGN KEY ("comeback_of_repair_order_id") REFERENCES "workshop"."repair_order" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "repair_order_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "repair_order_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "repair_order_vehicle_id_fkey" FOREIGN KEY ("vehicle_id") REFERENCES "core"."vehicle" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "repair_order_closed_after_open" CHECK ((closed_at IS NULL) OR (closed_at >= opened_at)), CONSTRAINT "repair_order_odometer_non_negative" CHECK (odometer_in_miles >= 0));
-- Create index "repair_order_booking_key" to table: "repair_order"
CREATE UNIQUE INDEX "repair_order_booking_key" ON "workshop"."repair_order" ("booking_id");
-- Create index "repair_order_customer_idx" to table: "repair_order"
CREATE INDEX "repair_order_customer_idx" ON "workshop"."repair_order" ("customer_id");
-- Create index "repair_order_number_key" to table: "repair_order"
CREATE UNIQUE INDEX "repair_order_number_key" ON "workshop"."repair_order" ("branch_id", "ro_number");
-- Create index "repair_order_open_idx" to table: "repair_order"
CREATE INDEX "repair_order_open_idx" ON "workshop"."repair_order" ("branch_id", "status", "opened_at") WHERE (status <> ALL (ARRAY['closed'::workshop.repair_order_status, 'cancelled'::workshop.repair_order_status]));
-- Create index "repair_order_vehicle_idx" to table: "repair_order"
CREATE INDEX "repair_order_vehicle_idx" ON "workshop"."repair_order" ("vehicle_id", "opened_at");
-- Set comment to table: "repair_order"
COMMENT ON TABLE "workshop"."repair_order" IS 'Repair order (OPT): estimate -> authorised -> in_progress -> awaiting_parts -> ready -> invoiced -> closed | cancelled.';
-- Set comment to column: "comeback_of_repair_order_id" on table: "repair_order"
COMMENT ON COLUMN "workshop"."repair_order"."comeback_of_repair_order_id" IS 'earlier RO this one redoes (comeback rate)';
-- Set comment to column: "version" on table: "repair_order"
COMMENT ON COLUMN "workshop"."repair_order"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "repair_order"
COMMENT ON COLUMN "workshop"."repair_order"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "repair_order_customer_idx" on table: "repair_order"
COMMENT ON INDEX "workshop"."repair_order_customer_idx" IS 'RLS technician policy and customer history: ROs of a customer';
-- Set comment to index: "repair_order_open_idx" on table: "repair_order"
COMMENT ON INDEX "workshop"."repair_order_open_idx" IS 'workshop board: open repair orders of a branch by status';
-- Set comment to index: "repair_order_vehicle_idx" on table: "repair_order"
COMMENT ON INDEX "workshop"."repair_order_vehicle_idx" IS 'comeback detection and service history: ROs of a vehicle by date';
-- Create "ride_booking" table
CREATE TABLE "chauffeur"."ride_booking" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "booker_customer_id" bigint NOT NULL, "passenger_customer_id" bigint NOT NULL, "service_type" "chauffeur"."ride_service_type" NOT NULL, "status" "chauffeur"."ride_status" NOT NULL DEFAULT 'quoted', "requested_vehicle_class" "chauffeur"."vehicle_class" NULL, "pickup_at" timestamptz NOT NULL, "estimated_duration_minutes" integer NOT NULL, "pickup_address" text NOT NULL, "dropoff_address" text NULL, "passenger_count" integer NOT NULL DEFAULT 1, "luggage_count" integer NOT NULL DEFAULT 0, "metadata" jsonb NOT NULL DEFAULT '{}', "quoted_amount" numeric(12,2) NULL, "actual_landing_at" timestamptz NULL, "on_location_at" timestamptz NULL, "passenger_on_board_at" timestamptz NULL, "completed_at" timestamptz NULL, "cancelled_at" timestamptz NULL, "cancellation_reason" text NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "ride_booking_booker_customer_id_fkey" FOREIGN KEY ("booker_customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_booking_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_booking_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_booking_passenger_customer_id_fkey" FOREIGN KEY ("passenger_customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_booking_counts" CHECK ((passenger_count >= 1) AND (luggage_count >= 0) AND (estimated_duration_minutes > 0)), CONSTRAINT "ride_booking_metadata_object" CHECK (jsonb_typeof(metadata) = 'object'::text), CONSTRAINT "ride_booking_quote_non_negative" CHECK (quoted_amount >= (0)::numeric));
-- Create index "ride_booking_metadata_gin" to table: "ride_booking"
CREATE INDEX "ride_booking_metadata_gin" ON "chauffeur"."ride_booking" USING gin ("metadata" jsonb_path_ops);
-- Create index "ride_booking_passenger_idx" to table: "ride_booking"
CREATE INDEX "ride_booking_passenger_idx" ON "chauffeur"."ride_booking" ("passenger_customer_id");
-- Create index "ride_booking_pickup_idx" to table: "ride_booking"
CREATE INDEX "ride_booking_pickup_idx" ON "chauffeur"."ride_booking" ("branch_id", "pickup_at") WHERE (status <> ALL (ARRAY['completed'::chauffeur.ride_status, 'cancelled'::chauffeur.ride_status, 'late_cancelled'::chauffeur.ride_status, 'no_show'::chauffeur.ride_status]));
-- Set comment to table: "ride_booking"
COMMENT ON TABLE "chauffeur"."ride_booking" IS 'Chauffeur ride (OPT). metadata holds flexible details (flight_number, airline, terminal, sign_text, child_seats, meet_and_greet notes).';
-- Set comment to column: "pickup_at" on table: "ride_booking"
COMMENT ON COLUMN "chauffeur"."ride_booking"."pickup_at" IS 'scheduled pickup (on-time pickup KPI)';
-- Set comment to column: "actual_landing_at" on table: "ride_booking"
COMMENT ON COLUMN "chauffeur"."ride_booking"."actual_landing_at" IS 'airport arrivals: actual landing; on time = on_location_at <= actual_landing_at + grace';
-- Set comment to column: "version" on table: "ride_booking"
COMMENT ON COLUMN "chauffeur"."ride_booking"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "ride_booking"
COMMENT ON COLUMN "chauffeur"."ride_booking"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "ride_booking_metadata_gin" on table: "ride_booking"
COMMENT ON INDEX "chauffeur"."ride_booking_metadata_gin" IS 'ride search by metadata containment, e.g. metadata @> {flight_number: BA117} with jsonb_path_ops';
-- Set comment to index: "ride_booking_passenger_idx" on table: "ride_booking"
COMMENT ON INDEX "chauffeur"."ride_booking_passenger_idx" IS 'RLS chauffeur policy and passenger history: rides of a passenger';
-- Set comment to index: "ride_booking_pickup_idx" on table: "ride_booking"
COMMENT ON INDEX "chauffeur"."ride_booking_pickup_idx" IS 'dispatch board: upcoming rides of a base by pickup time';
-- Create "customer_feedback" table
CREATE TABLE "core"."customer_feedback" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NULL, "customer_id" bigint NOT NULL, "repair_order_id" bigint NULL, "ride_booking_id" bigint NULL, "csat_score" smallint NULL, "nps_score" smallint NULL, "comment" text NULL, "received_at" timestamptz NOT NULL DEFAULT now(), "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "customer_feedback_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "customer_feedback_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "customer_feedback_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "customer_feedback_repair_order_id_fkey" FOREIGN KEY ("repair_order_id") REFERENCES "workshop"."repair_order" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "customer_feedback_ride_booking_id_fkey" FOREIGN KEY ("ride_booking_id") REFERENCES "chauffeur"."ride_booking" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "customer_feedback_csat_range" CHECK ((csat_score >= 1) AND (csat_score <= 5)), CONSTRAINT "customer_feedback_nps_range" CHECK ((nps_score >= 0) AND (nps_score <= 10)), CONSTRAINT "customer_feedback_subject" CHECK (num_nonnulls(repair_order_id, ride_booking_id) <= 1));
-- Set comment to table: "customer_feedback"
COMMENT ON TABLE "core"."customer_feedback" IS 'CSAT (1-5) and NPS (0-10) after a repair order or a ride.';
-- Create "fleet_vehicle" table
CREATE TABLE "chauffeur"."fleet_vehicle" ("id" bigint NOT NULL, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "vehicle_class" "chauffeur"."vehicle_class" NOT NULL, "passenger_capacity" integer NOT NULL, "luggage_capacity" integer NOT NULL DEFAULT 0, "permit_number" text NULL, "permit_expires_on" date NULL, "in_service" tstzrange NOT NULL, "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "fleet_vehicle_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "fleet_vehicle_id_fkey" FOREIGN KEY ("id") REFERENCES "core"."vehicle" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "fleet_vehicle_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "fleet_vehicle_capacity" CHECK (((passenger_capacity >= 1) AND (passenger_capacity <= 60)) AND (luggage_capacity >= 0)), CONSTRAINT "fleet_vehicle_in_service_not_empty" CHECK ((NOT isempty(in_service)) AND (NOT lower_inf(in_service))));
-- Set comment to table: "fleet_vehicle"
COMMENT ON TABLE "chauffeur"."fleet_vehicle" IS '1:1 subtype of core.vehicle (id = vehicle.id). branch_id is the base branch.';
-- Set comment to column: "in_service" on table: "fleet_vehicle"
COMMENT ON COLUMN "chauffeur"."fleet_vehicle"."in_service" IS '[in service from, until): denominator of fleet utilisation';
-- Set comment to column: "updated_at" on table: "fleet_vehicle"
COMMENT ON COLUMN "chauffeur"."fleet_vehicle"."updated_at" IS 'maintained by trigger';
-- Create "dispatch_assignment" table
CREATE TABLE "chauffeur"."dispatch_assignment" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "ride_booking_id" bigint NOT NULL, "chauffeur_id" bigint NOT NULL, "fleet_vehicle_id" bigint NOT NULL, "period" tstzrange NOT NULL, "status" "chauffeur"."dispatch_status" NOT NULL DEFAULT 'offered', "offered_at" timestamptz NOT NULL DEFAULT now(), "responded_at" timestamptz NULL, "dispatcher_staff_id" bigint NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "dispatch_assignment_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "dispatch_assignment_chauffeur_id_fkey" FOREIGN KEY ("chauffeur_id") REFERENCES "chauffeur"."chauffeur" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "dispatch_assignment_dispatcher_staff_id_fkey" FOREIGN KEY ("dispatcher_staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "dispatch_assignment_fleet_vehicle_id_fkey" FOREIGN KEY ("fleet_vehicle_id") REFERENCES "chauffeur"."fleet_vehicle" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "dispatch_assignment_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "dispatch_assignment_ride_booking_id_fkey" FOREIGN KEY ("ride_booking_id") REFERENCES "chauffeur"."ride_booking" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "dispatch_assignment_period_bounded" CHECK ((NOT isempty(period)) AND (NOT lower_inf(period)) AND (NOT upper_inf(period))));
-- Create index "dispatch_assignment_chauffeur_idx" to table: "dispatch_assignment"
CREATE INDEX "dispatch_assignment_chauffeur_idx" ON "chauffeur"."dispatch_assignment" ("chauffeur_id", "status");
-- Create index "dispatch_assignment_ride_idx" to table: "dispatch_assignment"
CREATE INDEX "dispatch_assignment_ride_idx" ON "chauffeur"."dispatch_assignment" ("ride_booking_id");
-- Set comment to table: "dispatch_assignment"
COMMENT ON TABLE "chauffeur"."dispatch_assignment" IS 'Chauffeur + fleet vehicle offered/assigned to a ride (ROW lock on the ride while dispatching). EXCL: chauffeur x period and fleet vehicle x period while offered or accepted.';
-- Set comment to column: "period" on table: "dispatch_assignment"
COMMENT ON COLUMN "chauffeur"."dispatch_assignment"."period" IS '[dispatch, expected release): chauffeur utilisation numerator';
-- Set comment to column: "updated_at" on table: "dispatch_assignment"
COMMENT ON COLUMN "chauffeur"."dispatch_assignment"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "dispatch_assignment_chauffeur_idx" on table: "dispatch_assignment"
COMMENT ON INDEX "chauffeur"."dispatch_assignment_chauffeur_idx" IS 'chauffeur app: my offered and accepted rides';
-- Set comment to index: "dispatch_assignment_ride_idx" on table: "dispatch_assignment"
COMMENT ON INDEX "chauffeur"."dispatch_assignment_ride_idx" IS 'ride detail and RLS chauffeur policy: assignments of a ride';
-- Create "part" table
CREATE TABLE "inventory"."part" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "part_number" text NOT NULL, "name" text NOT NULL, "category" text NULL, "unit_of_measure" text NOT NULL DEFAULT 'each', "is_critical" boolean NOT NULL DEFAULT false, "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "part_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT);
-- Create index "part_number_key" to table: "part"
CREATE UNIQUE INDEX "part_number_key" ON "inventory"."part" ("organisation_id", "part_number");
-- Set comment to table: "part"
COMMENT ON TABLE "inventory"."part" IS 'Part master.';
-- Set comment to column: "is_critical" on table: "part"
COMMENT ON COLUMN "inventory"."part"."is_critical" IS 'stock-out stops jobs: alert early';
-- Set comment to column: "updated_at" on table: "part"
COMMENT ON COLUMN "inventory"."part"."updated_at" IS 'maintained by trigger';
-- Create "labour_operation" table
CREATE TABLE "workshop"."labour_operation" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "code" text NOT NULL, "name" text NOT NULL, "job_category" text NOT NULL, "book_hours" numeric(6,2) NOT NULL, "default_labour_rate" numeric(12,2) NULL, "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "labour_operation_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "labour_operation_book_hours_non_negative" CHECK (book_hours >= (0)::numeric), CONSTRAINT "labour_operation_rate_non_negative" CHECK (default_labour_rate >= (0)::numeric));
-- Create index "labour_operation_code_key" to table: "labour_operation"
CREATE UNIQUE INDEX "labour_operation_code_key" ON "workshop"."labour_operation" ("organisation_id", "code");
-- Set comment to table: "labour_operation"
COMMENT ON TABLE "workshop"."labour_operation" IS 'Labour catalogue: operation code, book hours and job category (service profitability groups by these).';
-- Set comment to column: "job_category" on table: "labour_operation"
COMMENT ON COLUMN "workshop"."labour_operation"."job_category" IS 'service, brakes, tyres, diagnostics, MOT, ...';
-- Set comment to column: "book_hours" on table: "labour_operation"
COMMENT ON COLUMN "workshop"."labour_operation"."book_hours" IS 'manufacturer/book time sold for the operation';
-- Set comment to column: "updated_at" on table: "labour_operation"
COMMENT ON COLUMN "workshop"."labour_operation"."updated_at" IS 'maintained by trigger';
-- Create "repair_job" table
CREATE TABLE "workshop"."repair_job" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "repair_order_id" bigint NOT NULL, "labour_operation_id" bigint NULL, "job_category" text NOT NULL, "concern" text NOT NULL, "cause" text NULL, "correction" text NULL, "status" "workshop"."repair_job_status" NOT NULL DEFAULT 'recommended', "pay_type" "workshop"."pay_type" NOT NULL DEFAULT 'customer', "assigned_technician_id" bigint NULL, "sublet_cost" numeric(12,2) NOT NULL DEFAULT 0, "approved_at" timestamptz NULL, "completed_at" timestamptz NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "repair_job_assigned_technician_id_fkey" FOREIGN KEY ("assigned_technician_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "repair_job_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "repair_job_labour_operation_id_fkey" FOREIGN KEY ("labour_operation_id") REFERENCES "workshop"."labour_operation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "repair_job_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "repair_job_repair_order_id_fkey" FOREIGN KEY ("repair_order_id") REFERENCES "workshop"."repair_order" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "repair_job_sublet_cost_non_negative" CHECK (sublet_cost >= (0)::numeric));
-- Create index "repair_job_order_idx" to table: "repair_job"
CREATE INDEX "repair_job_order_idx" ON "workshop"."repair_job" ("repair_order_id");
-- Create index "repair_job_technician_idx" to table: "repair_job"
CREATE INDEX "repair_job_technician_idx" ON "workshop"."repair_job" ("assigned_technician_id", "status") WHERE (assigned_technician_id IS NOT NULL);
-- Set comment to table: "repair_job"
COMMENT ON TABLE "workshop"."repair_job" IS 'One concern on a repair order (OPT): concern / cause / correction. sublet_cost is finance-only.';
-- Set comment to column: "sublet_cost" on table: "repair_job"
COMMENT ON COLUMN "workshop"."repair_job"."sublet_cost" IS 'MASKED: cost of sublet work bought in';
-- Set comment to column: "version" on table: "repair_job"
COMMENT ON COLUMN "workshop"."repair_job"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "repair_job"
COMMENT ON COLUMN "workshop"."repair_job"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "repair_job_order_idx" on table: "repair_job"
COMMENT ON INDEX "workshop"."repair_job_order_idx" IS 'repair order detail: jobs of an RO';
-- Set comment to index: "repair_job_technician_idx" on table: "repair_job"
COMMENT ON INDEX "workshop"."repair_job_technician_idx" IS 'technician''s job list and the customer RLS policy (jobs assigned to app.staff_id)';
-- Create "part_line" table
CREATE TABLE "workshop"."part_line" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "repair_job_id" bigint NOT NULL, "part_id" bigint NOT NULL, "quantity" numeric(10,3) NOT NULL, "unit_cost" numeric(12,2) NOT NULL DEFAULT 0, "unit_price" numeric(12,2) NOT NULL, "sale_amount" numeric(12,2) NOT NULL, "issued_at" timestamptz NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "part_line_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "part_line_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "part_line_part_id_fkey" FOREIGN KEY ("part_id") REFERENCES "inventory"."part" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "part_line_repair_job_id_fkey" FOREIGN KEY ("repair_job_id") REFERENCES "workshop"."repair_job" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "part_line_money_non_negative" CHECK ((unit_cost >= (0)::numeric) AND (unit_price >= (0)::numeric) AND (sale_amount >= (0)::numeric)), CONSTRAINT "part_line_quantity_positive" CHECK (quantity > (0)::numeric));
-- Create index "part_line_job_idx" to table: "part_line"
CREATE INDEX "part_line_job_idx" ON "workshop"."part_line" ("repair_job_id");
-- Set comment to table: "part_line"
COMMENT ON TABLE "workshop"."part_line" IS 'Parts on a job. unit_cost is finance-only; issuing writes an inventory_transaction (kind issue).';
-- Set comment to column: "unit_cost" on table: "part_line"
COMMENT ON COLUMN "workshop"."part_line"."unit_cost" IS 'MASKED: average cost at issue';
-- Set comment to column: "sale_amount" on table: "part_line"
COMMENT ON COLUMN "workshop"."part_line"."sale_amount" IS 'net parts sale of the line';
-- Set comment to column: "updated_at" on table: "part_line"
COMMENT ON COLUMN "workshop"."part_line"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "part_line_job_idx" on table: "part_line"
COMMENT ON INDEX "workshop"."part_line_job_idx" IS 'invoice generation: part lines of a job';
-- Create "supplier" table
CREATE TABLE "inventory"."supplier" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "name" text NOT NULL, "email" text NULL, "phone" text NULL, "account_number" text NULL, "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "supplier_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT);
-- Set comment to table: "supplier"
COMMENT ON TABLE "inventory"."supplier" IS 'Parts supplier.';
-- Set comment to column: "updated_at" on table: "supplier"
COMMENT ON COLUMN "inventory"."supplier"."updated_at" IS 'maintained by trigger';
-- Create "purchase_order" table
CREATE TABLE "inventory"."purchase_order" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "supplier_id" bigint NOT NULL, "po_number" text NULL, "status" "inventory"."purchase_order_status" NOT NULL DEFAULT 'draft', "auto_generated" boolean NOT NULL DEFAULT false, "ordered_at" timestamptz NULL, "expected_at" timestamptz NULL, "received_at" timestamptz NULL, "created_by_staff_id" bigint NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "purchase_order_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "purchase_order_created_by_staff_id_fkey" FOREIGN KEY ("created_by_staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "purchase_order_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "purchase_order_supplier_id_fkey" FOREIGN KEY ("supplier_id") REFERENCES "inventory"."supplier" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT);
-- Create index "purchase_order_number_key" to table: "purchase_order"
CREATE UNIQUE INDEX "purchase_order_number_key" ON "inventory"."purchase_order" ("branch_id", "po_number");
-- Set comment to table: "purchase_order"
COMMENT ON TABLE "inventory"."purchase_order" IS 'Purchase order (OPT): draft -> sent -> partially_received -> received | cancelled.';
-- Set comment to column: "auto_generated" on table: "purchase_order"
COMMENT ON COLUMN "inventory"."purchase_order"."auto_generated" IS 'raised by the reorder-point job';
-- Set comment to column: "version" on table: "purchase_order"
COMMENT ON COLUMN "inventory"."purchase_order"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "purchase_order"
COMMENT ON COLUMN "inventory"."purchase_order"."updated_at" IS 'maintained by trigger';
-- Create "purchase_order_line" table
CREATE TABLE "inventory"."purchase_order_line" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "purchase_order_id" bigint NOT NULL, "part_id" bigint NOT NULL, "quantity_ordered" numeric(10,3) NOT NULL, "quantity_received" numeric(10,3) NOT NULL DEFAULT 0, "unit_cost" numeric(12,2) NOT NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "purchase_order_line_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "purchase_order_line_part_id_fkey" FOREIGN KEY ("part_id") REFERENCES "inventory"."part" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "purchase_order_line_purchase_order_id_fkey" FOREIGN KEY ("purchase_order_id") REFERENCES "inventory"."purchase_order" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "purchase_order_line_quantities" CHECK ((quantity_ordered > (0)::numeric) AND (quantity_received >= (0)::numeric) AND (unit_cost >= (0)::numeric)));
-- Set comment to table: "purchase_order_line"
COMMENT ON TABLE "inventory"."purchase_order_line" IS 'Line of a purchase order. unit_cost is finance-only.';
-- Set comment to column: "unit_cost" on table: "purchase_order_line"
COMMENT ON COLUMN "inventory"."purchase_order_line"."unit_cost" IS 'MASKED';
-- Set comment to column: "updated_at" on table: "purchase_order_line"
COMMENT ON COLUMN "inventory"."purchase_order_line"."updated_at" IS 'maintained by trigger';
-- Create "inventory_transaction" table
CREATE TABLE "inventory"."inventory_transaction" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "occurred_at" timestamptz NOT NULL DEFAULT now(), "part_id" bigint NOT NULL, "kind" "inventory"."inventory_transaction_kind" NOT NULL, "quantity" numeric(10,3) NOT NULL, "unit_cost" numeric(12,2) NULL, "part_line_id" bigint NULL, "purchase_order_line_id" bigint NULL, "transfer_branch_id" bigint NULL, "reference" text NULL, "staff_id" bigint NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id", "occurred_at"), CONSTRAINT "inventory_transaction_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "inventory_transaction_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "inventory_transaction_part_id_fkey" FOREIGN KEY ("part_id") REFERENCES "inventory"."part" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "inventory_transaction_part_line_id_fkey" FOREIGN KEY ("part_line_id") REFERENCES "workshop"."part_line" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "inventory_transaction_purchase_order_line_id_fkey" FOREIGN KEY ("purchase_order_line_id") REFERENCES "inventory"."purchase_order_line" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "inventory_transaction_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "inventory_transaction_transfer_branch_id_fkey" FOREIGN KEY ("transfer_branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "inventory_transaction_quantity" CHECK ((quantity <> (0)::numeric) OR (kind = 'count'::inventory.inventory_transaction_kind)), CONSTRAINT "inventory_transaction_unit_cost_non_negative" CHECK (unit_cost >= (0)::numeric)) PARTITION BY RANGE ("occurred_at");
-- Create index "inventory_transaction_occurred_brin" to table: "inventory_transaction"
CREATE INDEX "inventory_transaction_occurred_brin" ON "inventory"."inventory_transaction" USING brin ("occurred_at");
-- Create index "inventory_transaction_part_idx" to table: "inventory_transaction"
CREATE INDEX "inventory_transaction_part_idx" ON "inventory"."inventory_transaction" ("part_id", "branch_id", "occurred_at");
-- Set comment to table: "inventory_transaction"
COMMENT ON TABLE "inventory"."inventory_transaction" IS 'APPEND, PART-M (by occurred_at): stock movements. quantity is signed (+ in, - out). version is kept at 1 (OPT column the seed asked for; rows never change).';
-- Set comment to column: "unit_cost" on table: "inventory_transaction"
COMMENT ON COLUMN "inventory"."inventory_transaction"."unit_cost" IS 'MASKED: cost per unit moved';
-- Set comment to column: "transfer_branch_id" on table: "inventory_transaction"
COMMENT ON COLUMN "inventory"."inventory_transaction"."transfer_branch_id" IS 'other branch of a transfer';
-- Set comment to column: "version" on table: "inventory_transaction"
COMMENT ON COLUMN "inventory"."inventory_transaction"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to index: "inventory_transaction_occurred_brin" on table: "inventory_transaction"
COMMENT ON INDEX "inventory"."inventory_transaction_occurred_brin" IS 'time-range scans of stock movements (monthly reports, archival)';
-- Set comment to index: "inventory_transaction_part_idx" on table: "inventory_transaction"
COMMENT ON INDEX "inventory"."inventory_transaction_part_idx" IS 'days of cover and reorder point: issues of a part at a branch over the last N days';
-- Create "invoice" table
CREATE TABLE "finance"."invoice" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "invoice_number" bigint NULL, "customer_id" bigint NOT NULL, "repair_order_id" bigint NULL, "ride_booking_id" bigint NULL, "status" "finance"."invoice_status" NOT NULL DEFAULT 'draft', "currency" character(3) NOT NULL DEFAULT 'GBP', "net_total" numeric(12,2) NOT NULL DEFAULT 0, "tax_total" numeric(12,2) NOT NULL DEFAULT 0, "gross_total" numeric(12,2) NOT NULL DEFAULT 0, "issued_at" timestamptz NULL, "due_at" timestamptz NULL, "voided_at" timestamptz NULL, "void_reason" text NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "invoice_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_repair_order_id_fkey" FOREIGN KEY ("repair_order_id") REFERENCES "workshop"."repair_order" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_ride_booking_id_fkey" FOREIGN KEY ("ride_booking_id") REFERENCES "chauffeur"."ride_booking" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_issued_numbered" CHECK ((status = 'draft'::finance.invoice_status) OR ((invoice_number IS NOT NULL) AND (issued_at IS NOT NULL))), CONSTRAINT "invoice_number_positive" CHECK (invoice_number > 0), CONSTRAINT "invoice_totals_add_up" CHECK (gross_total = (net_total + tax_total)), CONSTRAINT "invoice_void_reason" CHECK ((status = 'void'::finance.invoice_status) = (voided_at IS NOT NULL)));
-- Create index "invoice_customer_idx" to table: "invoice"
CREATE INDEX "invoice_customer_idx" ON "finance"."invoice" ("customer_id", "issued_at");
-- Create index "invoice_number_key" to table: "invoice"
CREATE UNIQUE INDEX "invoice_number_key" ON "finance"."invoice" ("branch_id", "invoice_number");
-- Create index "invoice_open_idx" to table: "invoice"
CREATE INDEX "invoice_open_idx" ON "finance"."invoice" ("branch_id", "due_at") WHERE (status = 'issued'::finance.invoice_status);
-- Create index "invoice_repair_order_idx" to table: "invoice"
CREATE INDEX "invoice_repair_order_idx" ON "finance"."invoice" ("repair_order_id") WHERE (repair_order_id IS NOT NULL);
-- Set comment to table: "invoice"
COMMENT ON TABLE "finance"."invoice" IS 'Invoice: one gapless invoice_number series per branch (finance.invoice_counter row locked by finance.issue_invoice); immutable once issued; void, never delete.';
-- Set comment to column: "invoice_number" on table: "invoice"
COMMENT ON COLUMN "finance"."invoice"."invoice_number" IS 'assigned at issue; NULL while draft';
-- Set comment to column: "updated_at" on table: "invoice"
COMMENT ON COLUMN "finance"."invoice"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "invoice_customer_idx" on table: "invoice"
COMMENT ON INDEX "finance"."invoice_customer_idx" IS 'customer statement and high-value customers: invoices of a customer by date';
-- Set comment to index: "invoice_open_idx" on table: "invoice"
COMMENT ON INDEX "finance"."invoice_open_idx" IS 'accounts receivable: issued invoices of a branch by due date';
-- Set comment to index: "invoice_repair_order_idx" on table: "invoice"
COMMENT ON INDEX "finance"."invoice_repair_order_idx" IS 'invoice generation: existing invoice of a repair order';
-- Create "invoice_counter" table
CREATE TABLE "finance"."invoice_counter" ("organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "next_number" bigint NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("branch_id"), CONSTRAINT "invoice_counter_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "invoice_counter_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_counter_positive" CHECK (next_number > 0));
-- Set comment to table: "invoice_counter"
COMMENT ON TABLE "finance"."invoice_counter" IS 'Helper: next invoice number per branch. Locked (UPDATE ... RETURNING) inside the issuing transaction so the series is gapless.';
-- Set comment to column: "updated_at" on table: "invoice_counter"
COMMENT ON COLUMN "finance"."invoice_counter"."updated_at" IS 'maintained by trigger';
-- Create "labour_line" table
CREATE TABLE "workshop"."labour_line" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "repair_job_id" bigint NOT NULL, "labour_operation_id" bigint NULL, "technician_id" bigint NULL, "description" text NULL, "sold_hours" numeric(6,2) NOT NULL, "flagged_hours" numeric(6,2) NULL, "labour_rate" numeric(12,2) NOT NULL, "sale_amount" numeric(12,2) NOT NULL, "cost_rate" numeric(12,2) NOT NULL DEFAULT 0, "cost_amount" numeric(12,2) NOT NULL DEFAULT 0, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "labour_line_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "labour_line_labour_operation_id_fkey" FOREIGN KEY ("labour_operation_id") REFERENCES "workshop"."labour_operation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "labour_line_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "labour_line_repair_job_id_fkey" FOREIGN KEY ("repair_job_id") REFERENCES "workshop"."repair_job" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "labour_line_technician_id_fkey" FOREIGN KEY ("technician_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "labour_line_hours_non_negative" CHECK ((sold_hours >= (0)::numeric) AND (flagged_hours >= (0)::numeric)), CONSTRAINT "labour_line_money_non_negative" CHECK ((labour_rate >= (0)::numeric) AND (sale_amount >= (0)::numeric) AND (cost_rate >= (0)::numeric) AND (cost_amount >= (0)::numeric)));
-- Create index "labour_line_job_idx" to table: "labour_line"
CREATE INDEX "labour_line_job_idx" ON "workshop"."labour_line" ("repair_job_id");
-- Set comment to table: "labour_line"
COMMENT ON TABLE "workshop"."labour_line" IS 'Labour sold on a job. Billed (flagged) hours = sold_hours of invoiced lines; cost_rate/cost_amount are finance-only.';
-- Set comment to column: "sold_hours" on table: "labour_line"
COMMENT ON COLUMN "workshop"."labour_line"."sold_hours" IS 'hours sold to the customer (billed/flagged hours)';
-- Set comment to column: "flagged_hours" on table: "labour_line"
COMMENT ON COLUMN "workshop"."labour_line"."flagged_hours" IS 'hours credited to a flat-rate technician when they differ from sold_hours';
-- Set comment to column: "labour_rate" on table: "labour_line"
COMMENT ON COLUMN "workshop"."labour_line"."labour_rate" IS 'sell rate per sold hour';
-- Set comment to column: "sale_amount" on table: "labour_line"
COMMENT ON COLUMN "workshop"."labour_line"."sale_amount" IS 'net labour sale = sold_hours x labour_rate - discounts';
-- Set comment to column: "cost_rate" on table: "labour_line"
COMMENT ON COLUMN "workshop"."labour_line"."cost_rate" IS 'MASKED: technician cost per hour';
-- Set comment to column: "cost_amount" on table: "labour_line"
COMMENT ON COLUMN "workshop"."labour_line"."cost_amount" IS 'MASKED: technician labour cost of the line';
-- Set comment to column: "updated_at" on table: "labour_line"
COMMENT ON COLUMN "workshop"."labour_line"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "labour_line_job_idx" on table: "labour_line"
COMMENT ON INDEX "workshop"."labour_line_job_idx" IS 'invoice generation: labour lines of a job';
-- Create "ride_charge" table
CREATE TABLE "chauffeur"."ride_charge" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "ride_booking_id" bigint NOT NULL, "component" "chauffeur"."charge_component" NOT NULL, "description" text NULL, "quantity" numeric(10,3) NOT NULL DEFAULT 1, "unit_amount" numeric(12,2) NOT NULL, "amount" numeric(12,2) NOT NULL, "taxable" boolean NOT NULL DEFAULT true, "chauffeur_payable_amount" numeric(12,2) NOT NULL DEFAULT 0, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "ride_charge_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_charge_ride_booking_id_fkey" FOREIGN KEY ("ride_booking_id") REFERENCES "chauffeur"."ride_booking" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "ride_charge_payable_non_negative" CHECK (chauffeur_payable_amount >= (0)::numeric), CONSTRAINT "ride_charge_quantity_positive" CHECK (quantity > (0)::numeric), CONSTRAINT "ride_charge_sign" CHECK ((component = 'discount'::chauffeur.charge_component) OR ((unit_amount >= (0)::numeric) AND (amount >= (0)::numeric))));
-- Create index "ride_charge_ride_idx" to table: "ride_charge"
CREATE INDEX "ride_charge_ride_idx" ON "chauffeur"."ride_charge" ("ride_booking_id");
-- Set comment to table: "ride_charge"
COMMENT ON TABLE "chauffeur"."ride_charge" IS 'Priced components of a ride. chauffeur_payable_amount (what the chauffeur earns from the component) is finance-only.';
-- Set comment to column: "chauffeur_payable_amount" on table: "ride_charge"
COMMENT ON COLUMN "chauffeur"."ride_charge"."chauffeur_payable_amount" IS 'MASKED: settlement reconciliation compares settlement lines to this';
-- Set comment to column: "updated_at" on table: "ride_charge"
COMMENT ON COLUMN "chauffeur"."ride_charge"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "ride_charge_ride_idx" on table: "ride_charge"
COMMENT ON INDEX "chauffeur"."ride_charge_ride_idx" IS 'ride pricing and settlement reconciliation: charges of a ride';
-- Create "invoice_line" table
CREATE TABLE "finance"."invoice_line" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "invoice_id" bigint NOT NULL, "line_number" integer NOT NULL, "kind" "finance"."invoice_line_kind" NOT NULL, "description" text NOT NULL, "quantity" numeric(10,3) NOT NULL DEFAULT 1, "unit_price" numeric(12,2) NOT NULL, "net_amount" numeric(12,2) NOT NULL, "tax_rate" numeric(5,4) NOT NULL DEFAULT 0, "tax_amount" numeric(12,2) NOT NULL DEFAULT 0, "cost_amount" numeric(12,2) NOT NULL DEFAULT 0, "repair_job_id" bigint NULL, "labour_line_id" bigint NULL, "part_line_id" bigint NULL, "ride_charge_id" bigint NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "invoice_line_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "finance"."invoice" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "invoice_line_labour_line_id_fkey" FOREIGN KEY ("labour_line_id") REFERENCES "workshop"."labour_line" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_line_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_line_part_line_id_fkey" FOREIGN KEY ("part_line_id") REFERENCES "workshop"."part_line" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_line_repair_job_id_fkey" FOREIGN KEY ("repair_job_id") REFERENCES "workshop"."repair_job" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_line_ride_charge_id_fkey" FOREIGN KEY ("ride_charge_id") REFERENCES "chauffeur"."ride_charge" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "invoice_line_discount_sign" CHECK ((kind <> 'discount'::finance.invoice_line_kind) OR (net_amount <= (0)::numeric)), CONSTRAINT "invoice_line_quantity_positive" CHECK (quantity > (0)::numeric), CONSTRAINT "invoice_line_sign" CHECK ((kind = 'discount'::finance.invoice_line_kind) OR ((unit_price >= (0)::numeric) AND (net_amount >= (0)::numeric))), CONSTRAINT "invoice_line_tax" CHECK ((tax_rate >= (0)::numeric) AND (tax_rate < (1)::numeric) AND (cost_amount >= (0)::numeric)));
-- Create index "invoice_line_invoice_idx" to table: "invoice_line"
CREATE INDEX "invoice_line_invoice_idx" ON "finance"."invoice_line" ("invoice_id");
-- Create index "invoice_line_number_key" to table: "invoice_line"
CREATE UNIQUE INDEX "invoice_line_number_key" ON "finance"."invoice_line" ("invoice_id", "line_number");
-- Set comment to table: "invoice_line"
COMMENT ON TABLE "finance"."invoice_line" IS 'Invoice line by kind. cost_amount (parts, labour, sublet cost) is finance-only and feeds gross profit.';
-- Set comment to column: "cost_amount" on table: "invoice_line"
COMMENT ON COLUMN "finance"."invoice_line"."cost_amount" IS 'MASKED: cost behind the line';
-- Set comment to column: "updated_at" on table: "invoice_line"
COMMENT ON COLUMN "finance"."invoice_line"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "invoice_line_invoice_idx" on table: "invoice_line"
COMMENT ON INDEX "finance"."invoice_line_invoice_idx" IS 'invoice rendering: lines of an invoice';
-- Create "notification" table
CREATE TABLE "core"."notification" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NULL, "kind" "core"."notification_kind" NOT NULL, "channel" "core"."contact_channel" NOT NULL, "status" "core"."notification_status" NOT NULL DEFAULT 'pending', "recipient_customer_id" bigint NULL, "recipient_staff_id" bigint NULL, "subject" text NULL, "payload" jsonb NOT NULL DEFAULT '{}', "due_at" timestamptz NOT NULL DEFAULT now(), "attempts" integer NOT NULL DEFAULT 0, "last_error" text NULL, "sent_at" timestamptz NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id", "created_at"), CONSTRAINT "notification_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "notification_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "notification_recipient_customer_id_fkey" FOREIGN KEY ("recipient_customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "notification_recipient_staff_id_fkey" FOREIGN KEY ("recipient_staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "notification_attempts_non_negative" CHECK (attempts >= 0), CONSTRAINT "notification_recipient" CHECK (num_nonnulls(recipient_customer_id, recipient_staff_id) >= 1)) PARTITION BY RANGE ("created_at");
-- Create index "notification_due_idx" to table: "notification"
CREATE INDEX "notification_due_idx" ON "core"."notification" ("due_at") WHERE (status = 'pending'::core.notification_status);
-- Set comment to table: "notification"
COMMENT ON TABLE "core"."notification" IS 'PART-M outbox (by created_at): reminders, inventory alerts, performance notices. Workers claim due rows with FOR UPDATE SKIP LOCKED.';
-- Set comment to column: "updated_at" on table: "notification"
COMMENT ON COLUMN "core"."notification"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "notification_due_idx" on table: "notification"
COMMENT ON INDEX "core"."notification_due_idx" IS 'outbox worker: pending notifications due now (FOR UPDATE SKIP LOCKED)';
-- Create "odometer_reading" table
CREATE TABLE "core"."odometer_reading" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "vehicle_id" bigint NOT NULL, "reading_miles" integer NOT NULL, "read_at" timestamptz NOT NULL DEFAULT now(), "source" text NOT NULL DEFAULT 'check_in', "repair_order_id" bigint NULL, "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "odometer_reading_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "odometer_reading_repair_order_id_fkey" FOREIGN KEY ("repair_order_id") REFERENCES "workshop"."repair_order" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "odometer_reading_vehicle_id_fkey" FOREIGN KEY ("vehicle_id") REFERENCES "core"."vehicle" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "odometer_reading_non_negative" CHECK (reading_miles >= 0));
-- Set comment to table: "odometer_reading"
COMMENT ON TABLE "core"."odometer_reading" IS 'Odometer readings (miles) taken at check-in, on rides or reported by the customer.';
-- Create "operating_expense" table
CREATE TABLE "finance"."operating_expense" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "month" date NOT NULL, "category" text NOT NULL, "amount" numeric(12,2) NOT NULL, "description" text NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "operating_expense_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "operating_expense_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "operating_expense_amount_non_negative" CHECK (amount >= (0)::numeric), CONSTRAINT "operating_expense_month_start" CHECK (EXTRACT(day FROM month) = (1)::numeric));
-- Create index "operating_expense_key" to table: "operating_expense"
CREATE UNIQUE INDEX "operating_expense_key" ON "finance"."operating_expense" ("branch_id", "month", "category");
-- Set comment to table: "operating_expense"
COMMENT ON TABLE "finance"."operating_expense" IS 'Overhead per branch x month x category: allocated to services by applied hours for true margin.';
-- Set comment to column: "month" on table: "operating_expense"
COMMENT ON COLUMN "finance"."operating_expense"."month" IS 'first day of the month';
-- Set comment to column: "updated_at" on table: "operating_expense"
COMMENT ON COLUMN "finance"."operating_expense"."updated_at" IS 'maintained by trigger';
-- Create "payment" table
CREATE TABLE "finance"."payment" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "customer_id" bigint NOT NULL, "method" "finance"."payment_method" NOT NULL, "amount" numeric(12,2) NOT NULL, "received_at" timestamptz NOT NULL DEFAULT now(), "reference" text NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "payment_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "payment_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "payment_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "payment_amount_positive" CHECK (amount > (0)::numeric));
-- Set comment to table: "payment"
COMMENT ON TABLE "finance"."payment" IS 'Money received from a customer.';
-- Set comment to column: "updated_at" on table: "payment"
COMMENT ON COLUMN "finance"."payment"."updated_at" IS 'maintained by trigger';
-- Create "payment_allocation" table
CREATE TABLE "finance"."payment_allocation" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "payment_id" bigint NOT NULL, "invoice_id" bigint NOT NULL, "amount" numeric(12,2) NOT NULL, "allocated_at" timestamptz NOT NULL DEFAULT now(), "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "payment_allocation_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "finance"."invoice" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "payment_allocation_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "payment_allocation_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "finance"."payment" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "payment_allocation_amount_positive" CHECK (amount > (0)::numeric));
-- Create index "payment_allocation_invoice_idx" to table: "payment_allocation"
CREATE INDEX "payment_allocation_invoice_idx" ON "finance"."payment_allocation" ("invoice_id");
-- Create index "payment_allocation_key" to table: "payment_allocation"
CREATE UNIQUE INDEX "payment_allocation_key" ON "finance"."payment_allocation" ("payment_id", "invoice_id");
-- Set comment to table: "payment_allocation"
COMMENT ON TABLE "finance"."payment_allocation" IS 'Part of a payment applied to an invoice (partial and split payments).';
-- Set comment to column: "updated_at" on table: "payment_allocation"
COMMENT ON COLUMN "finance"."payment_allocation"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "payment_allocation_invoice_idx" on table: "payment_allocation"
COMMENT ON INDEX "finance"."payment_allocation_invoice_idx" IS 'invoice balance: allocations against an invoice';
-- Create "ride_status_event" table
CREATE TABLE "chauffeur"."ride_status_event" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "occurred_at" timestamptz NOT NULL DEFAULT now(), "ride_booking_id" bigint NOT NULL, "from_status" "chauffeur"."ride_status" NULL, "to_status" "chauffeur"."ride_status" NOT NULL, "actor_staff_id" bigint NULL, "odometer_miles" numeric(10,1) NULL, "note" text NULL, "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id", "occurred_at"), CONSTRAINT "ride_status_event_actor_staff_id_fkey" FOREIGN KEY ("actor_staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_status_event_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_status_event_ride_booking_id_fkey" FOREIGN KEY ("ride_booking_id") REFERENCES "chauffeur"."ride_booking" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_status_event_odometer_non_negative" CHECK (odometer_miles >= (0)::numeric)) PARTITION BY RANGE ("occurred_at");
-- Create index "ride_status_event_occurred_brin" to table: "ride_status_event"
CREATE INDEX "ride_status_event_occurred_brin" ON "chauffeur"."ride_status_event" USING brin ("occurred_at");
-- Create index "ride_status_event_ride_idx" to table: "ride_status_event"
CREATE INDEX "ride_status_event_ride_idx" ON "chauffeur"."ride_status_event" ("ride_booking_id", "occurred_at");
-- Set comment to table: "ride_status_event"
COMMENT ON TABLE "chauffeur"."ride_status_event" IS 'APPEND, PART-M (by occurred_at): every ride state change with time, actor and odometer (dead-head miles).';
-- Set comment to index: "ride_status_event_occurred_brin" on table: "ride_status_event"
COMMENT ON INDEX "chauffeur"."ride_status_event_occurred_brin" IS 'time-range scans of ride events (dead-head and utilisation reports)';
-- Set comment to index: "ride_status_event_ride_idx" on table: "ride_status_event"
COMMENT ON INDEX "chauffeur"."ride_status_event_ride_idx" IS 'ride timeline and on-time pickup: events of a ride in order';
-- Create "ride_stop" table
CREATE TABLE "chauffeur"."ride_stop" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "ride_booking_id" bigint NOT NULL, "sequence" integer NOT NULL, "kind" "chauffeur"."stop_kind" NOT NULL, "address" text NOT NULL, "planned_at" timestamptz NULL, "arrived_at" timestamptz NULL, "departed_at" timestamptz NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "ride_stop_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "ride_stop_ride_booking_id_fkey" FOREIGN KEY ("ride_booking_id") REFERENCES "chauffeur"."ride_booking" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "ride_stop_sequence_positive" CHECK (sequence >= 1));
-- Create index "ride_stop_sequence_key" to table: "ride_stop"
CREATE UNIQUE INDEX "ride_stop_sequence_key" ON "chauffeur"."ride_stop" ("ride_booking_id", "sequence");
-- Set comment to table: "ride_stop"
COMMENT ON TABLE "chauffeur"."ride_stop" IS 'Ordered stops of a ride.';
-- Set comment to column: "updated_at" on table: "ride_stop"
COMMENT ON COLUMN "chauffeur"."ride_stop"."updated_at" IS 'maintained by trigger';
-- Create "settlement" table
CREATE TABLE "chauffeur"."settlement" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "chauffeur_id" bigint NOT NULL, "period" tstzrange NOT NULL, "status" "chauffeur"."settlement_status" NOT NULL DEFAULT 'draft', "total_amount" numeric(12,2) NOT NULL DEFAULT 0, "approved_at" timestamptz NULL, "approved_by_staff_id" bigint NULL, "paid_at" timestamptz NULL, "reconciled_at" timestamptz NULL, "payment_reference" text NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "settlement_approved_by_staff_id_fkey" FOREIGN KEY ("approved_by_staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "settlement_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "settlement_chauffeur_id_fkey" FOREIGN KEY ("chauffeur_id") REFERENCES "chauffeur"."chauffeur" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "settlement_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "settlement_period_bounded" CHECK ((NOT isempty(period)) AND (NOT lower_inf(period)) AND (NOT upper_inf(period))));
-- Set comment to table: "settlement"
COMMENT ON TABLE "chauffeur"."settlement" IS 'Chauffeur settlement (OPT): draft -> approved -> paid -> reconciled. Finance-only.';
-- Set comment to column: "period" on table: "settlement"
COMMENT ON COLUMN "chauffeur"."settlement"."period" IS 'settled period';
-- Set comment to column: "version" on table: "settlement"
COMMENT ON COLUMN "chauffeur"."settlement"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "settlement"
COMMENT ON COLUMN "chauffeur"."settlement"."updated_at" IS 'maintained by trigger';
-- Create "settlement_line" table
CREATE TABLE "chauffeur"."settlement_line" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "settlement_id" bigint NOT NULL, "ride_booking_id" bigint NOT NULL, "component" "chauffeur"."charge_component" NOT NULL, "amount" numeric(12,2) NOT NULL, "ride_charge_id" bigint NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "settlement_line_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "settlement_line_ride_booking_id_fkey" FOREIGN KEY ("ride_booking_id") REFERENCES "chauffeur"."ride_booking" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "settlement_line_ride_charge_id_fkey" FOREIGN KEY ("ride_charge_id") REFERENCES "chauffeur"."ride_charge" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "settlement_line_settlement_id_fkey" FOREIGN KEY ("settlement_id") REFERENCES "chauffeur"."settlement" ("id") ON UPDATE NO ACTION ON DELETE CASCADE);
-- Create index "settlement_line_ride_component_key" to table: "settlement_line"
CREATE UNIQUE INDEX "settlement_line_ride_component_key" ON "chauffeur"."settlement_line" ("ride_booking_id", "component");
-- Create index "settlement_line_settlement_idx" to table: "settlement_line"
CREATE INDEX "settlement_line_settlement_idx" ON "chauffeur"."settlement_line" ("settlement_id");
-- Set comment to table: "settlement_line"
COMMENT ON TABLE "chauffeur"."settlement_line" IS 'What a settlement pays per ride component. UNIQUE (ride_booking_id, component): never pay twice.';
-- Set comment to column: "updated_at" on table: "settlement_line"
COMMENT ON COLUMN "chauffeur"."settlement_line"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "settlement_line_settlement_idx" on table: "settlement_line"
COMMENT ON INDEX "chauffeur"."settlement_line_settlement_idx" IS 'settlement detail: lines of a settlement';
-- Create "staff_audit_log" table
CREATE TABLE "audit"."staff_audit_log" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "occurred_at" timestamptz NOT NULL DEFAULT statement_timestamp(), "actor_staff_id" bigint NULL, "actor_role" text NOT NULL, "db_role" text NOT NULL, "request_id" text NULL, "action" text NOT NULL, "table_name" text NULL, "row_key" jsonb NULL, "old_values" jsonb NULL, "new_values" jsonb NULL, "transaction_id" bigint NOT NULL DEFAULT txid_current(), "prev_hash" bytea NULL, "hash" bytea NOT NULL, "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id", "occurred_at"), CONSTRAINT "staff_audit_log_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "staff_audit_log_action_not_blank" CHECK (action <> ''::text)) PARTITION BY RANGE ("occurred_at");
-- Create index "staff_audit_log_chain_idx" to table: "staff_audit_log"
CREATE INDEX "staff_audit_log_chain_idx" ON "audit"."staff_audit_log" ("organisation_id", "id");
-- Create index "staff_audit_log_occurred_brin" to table: "staff_audit_log"
CREATE INDEX "staff_audit_log_occurred_brin" ON "audit"."staff_audit_log" USING brin ("occurred_at");
-- Set comment to table: "staff_audit_log"
COMMENT ON TABLE "audit"."staff_audit_log" IS 'APPEND, PART-M (by occurred_at): sensitive changes and admin actions. Hash chain per organisation in id order: hash = sha256(prev_hash || audit.entry_payload(row)); audit.verify_chain() reports the first broken link.';
-- Set comment to column: "actor_staff_id" on table: "staff_audit_log"
COMMENT ON COLUMN "audit"."staff_audit_log"."actor_staff_id" IS 'app.staff_id';
-- Set comment to column: "actor_role" on table: "staff_audit_log"
COMMENT ON COLUMN "audit"."staff_audit_log"."actor_role" IS 'app.role, else the database role';
-- Set comment to column: "db_role" on table: "staff_audit_log"
COMMENT ON COLUMN "audit"."staff_audit_log"."db_role" IS 'current_user at the time of the change';
-- Set comment to column: "request_id" on table: "staff_audit_log"
COMMENT ON COLUMN "audit"."staff_audit_log"."request_id" IS 'app.request_id';
-- Set comment to column: "action" on table: "staff_audit_log"
COMMENT ON COLUMN "audit"."staff_audit_log"."action" IS 'INSERT, UPDATE, DELETE or an admin action name';
-- Set comment to column: "table_name" on table: "staff_audit_log"
COMMENT ON COLUMN "audit"."staff_audit_log"."table_name" IS 'schema-qualified table';
-- Set comment to column: "old_values" on table: "staff_audit_log"
COMMENT ON COLUMN "audit"."staff_audit_log"."old_values" IS 'changed columns before (PII columns replaced by [redacted])';
-- Set comment to column: "new_values" on table: "staff_audit_log"
COMMENT ON COLUMN "audit"."staff_audit_log"."new_values" IS 'changed columns after (PII columns replaced by [redacted])';
-- Set comment to index: "staff_audit_log_chain_idx" on table: "staff_audit_log"
COMMENT ON INDEX "audit"."staff_audit_log_chain_idx" IS 'audit.verify_chain: walk one organisation''s chain in id order';
-- Set comment to index: "staff_audit_log_occurred_brin" on table: "staff_audit_log"
COMMENT ON INDEX "audit"."staff_audit_log_occurred_brin" IS 'auditor time-range queries over the audit log';
-- Create "staff_role" table
CREATE TABLE "core"."staff_role" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "staff_id" bigint NOT NULL, "role" "core"."business_role" NOT NULL, "branch_id" bigint NULL, "created_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "staff_role_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "staff_role_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "staff_role_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE CASCADE);
-- Create index "staff_role_key" to table: "staff_role"
CREATE UNIQUE INDEX "staff_role_key" ON "core"."staff_role" ("staff_id", "role", "branch_id");
-- Set comment to table: "staff_role"
COMMENT ON TABLE "core"."staff_role" IS 'Business role a staff member holds, optionally scoped to one branch (NULL = every branch of the organisation).';
-- Create "staff_shift" table
CREATE TABLE "core"."staff_shift" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "staff_id" bigint NOT NULL, "period" tstzrange NOT NULL, "break_minutes" integer NOT NULL DEFAULT 0, "productive" boolean NOT NULL DEFAULT true, "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "staff_shift_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "staff_shift_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "staff_shift_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "staff_shift_break_non_negative" CHECK (break_minutes >= 0), CONSTRAINT "staff_shift_period_bounded" CHECK ((NOT isempty(period)) AND (NOT lower_inf(period)) AND (NOT upper_inf(period))));
-- Create index "staff_shift_branch_idx" to table: "staff_shift"
CREATE INDEX "staff_shift_branch_idx" ON "core"."staff_shift" ("branch_id", (lower(period)));
-- Set comment to table: "staff_shift"
COMMENT ON TABLE "core"."staff_shift" IS 'Rota: planned shifts. EXCL: one active shift per staff member at a time.';
-- Set comment to column: "period" on table: "staff_shift"
COMMENT ON COLUMN "core"."staff_shift"."period" IS 'planned shift, half-open [start, end)';
-- Set comment to column: "productive" on table: "staff_shift"
COMMENT ON COLUMN "core"."staff_shift"."productive" IS 'rostered for productive (billable) work; staff utilisation = productive rostered hours / rostered hours';
-- Set comment to column: "active" on table: "staff_shift"
COMMENT ON COLUMN "core"."staff_shift"."active" IS 'false once the shift is cancelled; the exclusion constraint ignores inactive shifts';
-- Set comment to column: "updated_at" on table: "staff_shift"
COMMENT ON COLUMN "core"."staff_shift"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "staff_shift_branch_idx" on table: "staff_shift"
COMMENT ON INDEX "core"."staff_shift_branch_idx" IS 'rota and staff utilisation: shifts of a branch starting in a date range';
-- Create "stock_level" table
CREATE TABLE "inventory"."stock_level" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "part_id" bigint NOT NULL, "on_hand" numeric(10,3) NOT NULL DEFAULT 0, "reserved" numeric(10,3) NOT NULL DEFAULT 0, "reorder_point" numeric(10,3) NOT NULL DEFAULT 0, "reorder_qty" numeric(10,3) NOT NULL DEFAULT 0, "average_cost" numeric(12,2) NOT NULL DEFAULT 0, "bin_location" text NULL, "last_counted_at" timestamptz NULL, "version" integer NOT NULL DEFAULT 1, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "stock_level_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "stock_level_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "stock_level_part_id_fkey" FOREIGN KEY ("part_id") REFERENCES "inventory"."part" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "stock_level_non_negative" CHECK ((on_hand >= (0)::numeric) AND (reserved >= (0)::numeric) AND (reorder_point >= (0)::numeric) AND (reorder_qty >= (0)::numeric) AND (average_cost >= (0)::numeric)));
-- Create index "stock_level_branch_part_key" to table: "stock_level"
CREATE UNIQUE INDEX "stock_level_branch_part_key" ON "inventory"."stock_level" ("branch_id", "part_id");
-- Create index "stock_level_reorder_idx" to table: "stock_level"
CREATE INDEX "stock_level_reorder_idx" ON "inventory"."stock_level" ("branch_id", "part_id") WHERE ((on_hand - reserved) <= reorder_point);
-- Set comment to table: "stock_level"
COMMENT ON TABLE "inventory"."stock_level" IS 'Stock per branch x part (OPT and ROW: decrement with UPDATE ... SET on_hand = on_hand - n WHERE on_hand >= n). average_cost is finance-only.';
-- Set comment to column: "average_cost" on table: "stock_level"
COMMENT ON COLUMN "inventory"."stock_level"."average_cost" IS 'MASKED: moving average cost';
-- Set comment to column: "version" on table: "stock_level"
COMMENT ON COLUMN "inventory"."stock_level"."version" IS 'optimistic concurrency: bumped by trigger on every UPDATE; write with WHERE version = $expected';
-- Set comment to column: "updated_at" on table: "stock_level"
COMMENT ON COLUMN "inventory"."stock_level"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "stock_level_reorder_idx" on table: "stock_level"
COMMENT ON INDEX "inventory"."stock_level_reorder_idx" IS 'inventory alert and auto purchase orders: parts at or below reorder point';
-- Create "supplier_part" table
CREATE TABLE "inventory"."supplier_part" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "supplier_id" bigint NOT NULL, "part_id" bigint NOT NULL, "supplier_part_number" text NULL, "unit_cost" numeric(12,2) NOT NULL, "lead_time_days" integer NOT NULL, "minimum_order_qty" numeric(10,3) NOT NULL DEFAULT 1, "preferred" boolean NOT NULL DEFAULT false, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "supplier_part_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "supplier_part_part_id_fkey" FOREIGN KEY ("part_id") REFERENCES "inventory"."part" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "supplier_part_supplier_id_fkey" FOREIGN KEY ("supplier_id") REFERENCES "inventory"."supplier" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "supplier_part_values" CHECK ((unit_cost >= (0)::numeric) AND (lead_time_days >= 0) AND (minimum_order_qty > (0)::numeric)));
-- Create index "supplier_part_key" to table: "supplier_part"
CREATE UNIQUE INDEX "supplier_part_key" ON "inventory"."supplier_part" ("supplier_id", "part_id");
-- Set comment to table: "supplier_part"
COMMENT ON TABLE "inventory"."supplier_part" IS 'What a supplier sells: price (finance-only), lead time, minimum order quantity.';
-- Set comment to column: "unit_cost" on table: "supplier_part"
COMMENT ON COLUMN "inventory"."supplier_part"."unit_cost" IS 'MASKED: supplier price';
-- Set comment to column: "updated_at" on table: "supplier_part"
COMMENT ON COLUMN "inventory"."supplier_part"."updated_at" IS 'maintained by trigger';
-- Create "technician_booking" table
CREATE TABLE "workshop"."technician_booking" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "booking_id" bigint NOT NULL, "technician_id" bigint NOT NULL, "period" tstzrange NOT NULL, "active" boolean NOT NULL DEFAULT true, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "technician_booking_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "workshop"."booking" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "technician_booking_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "technician_booking_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "technician_booking_technician_id_fkey" FOREIGN KEY ("technician_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "technician_booking_period_bounded" CHECK ((NOT isempty(period)) AND (NOT lower_inf(period)) AND (NOT upper_inf(period))));
-- Create index "technician_booking_booking_idx" to table: "technician_booking"
CREATE INDEX "technician_booking_booking_idx" ON "workshop"."technician_booking" ("booking_id");
-- Set comment to table: "technician_booking"
COMMENT ON TABLE "workshop"."technician_booking" IS 'Technician held for a booking. EXCL: (technician_id =, period &&) WHERE active.';
-- Set comment to column: "updated_at" on table: "technician_booking"
COMMENT ON COLUMN "workshop"."technician_booking"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "technician_booking_booking_idx" on table: "technician_booking"
COMMENT ON INDEX "workshop"."technician_booking_booking_idx" IS 'booking detail and cancellation: technicians held for a booking';
-- Create "time_clock_entry" table
CREATE TABLE "core"."time_clock_entry" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "branch_id" bigint NOT NULL, "staff_id" bigint NOT NULL, "kind" "core"."clock_kind" NOT NULL, "period" tstzrange NOT NULL, "break_minutes" integer NOT NULL DEFAULT 0, "repair_job_id" bigint NULL, "non_productive_reason" text NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "time_clock_entry_branch_id_fkey" FOREIGN KEY ("branch_id") REFERENCES "core"."branch" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "time_clock_entry_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "time_clock_entry_repair_job_id_fkey" FOREIGN KEY ("repair_job_id") REFERENCES "workshop"."repair_job" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "time_clock_entry_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "core"."staff" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "time_clock_entry_break_non_negative" CHECK (break_minutes >= 0), CONSTRAINT "time_clock_entry_job_kind" CHECK ((kind = 'job'::core.clock_kind) = (repair_job_id IS NOT NULL)), CONSTRAINT "time_clock_entry_period_not_empty" CHECK ((NOT isempty(period)) AND (NOT lower_inf(period))));
-- Create index "time_clock_entry_open_idx" to table: "time_clock_entry"
CREATE INDEX "time_clock_entry_open_idx" ON "core"."time_clock_entry" ("staff_id") WHERE (upper(period) IS NULL);
-- Create index "time_clock_entry_staff_idx" to table: "time_clock_entry"
CREATE INDEX "time_clock_entry_staff_idx" ON "core"."time_clock_entry" ("staff_id", "kind", (lower(period)));
-- Set comment to table: "time_clock_entry"
COMMENT ON TABLE "core"."time_clock_entry" IS 'Clock entries. kind attendance = available hours (minus break_minutes); job = applied hours on a repair job; non_productive = other clocked time. An open entry has upper(period) NULL. EXCL: attendance periods of one staff member never overlap.';
-- Set comment to column: "period" on table: "time_clock_entry"
COMMENT ON COLUMN "core"."time_clock_entry"."period" IS '[clock on, clock off); upper bound NULL while clocked on';
-- Set comment to column: "break_minutes" on table: "time_clock_entry"
COMMENT ON COLUMN "core"."time_clock_entry"."break_minutes" IS 'unpaid break minutes inside an attendance period';
-- Set comment to column: "repair_job_id" on table: "time_clock_entry"
COMMENT ON COLUMN "core"."time_clock_entry"."repair_job_id" IS 'the job clocked onto (kind = job)';
-- Set comment to column: "non_productive_reason" on table: "time_clock_entry"
COMMENT ON COLUMN "core"."time_clock_entry"."non_productive_reason" IS 'cleaning, training, waiting for parts, ... (kind = non_productive)';
-- Set comment to column: "updated_at" on table: "time_clock_entry"
COMMENT ON COLUMN "core"."time_clock_entry"."updated_at" IS 'maintained by trigger';
-- Set comment to index: "time_clock_entry_open_idx" on table: "time_clock_entry"
COMMENT ON INDEX "core"."time_clock_entry_open_idx" IS 'clock-off: the open entry of a staff member';
-- Set comment to index: "time_clock_entry_staff_idx" on table: "time_clock_entry"
COMMENT ON INDEX "core"."time_clock_entry_staff_idx" IS 'technician KPIs: attendance/job clock entries of a staff member starting in a date range';
-- Create "vehicle_ownership" table
CREATE TABLE "core"."vehicle_ownership" ("id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY, "organisation_id" bigint NOT NULL, "vehicle_id" bigint NOT NULL, "customer_id" bigint NOT NULL, "period" tstzrange NOT NULL, "created_at" timestamptz NOT NULL DEFAULT now(), "updated_at" timestamptz NOT NULL DEFAULT now(), PRIMARY KEY ("id"), CONSTRAINT "vehicle_ownership_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "core"."customer" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "vehicle_ownership_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "core"."organisation" ("id") ON UPDATE NO ACTION ON DELETE RESTRICT, CONSTRAINT "vehicle_ownership_vehicle_id_fkey" FOREIGN KEY ("vehicle_id") REFERENCES "core"."vehicle" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "vehicle_ownership_period_not_empty" CHECK ((NOT isempty(period)) AND (NOT lower_inf(period))));
-- Set comment to table: "vehicle_ownership"
COMMENT ON TABLE "core"."vehicle_ownership" IS 'Keeper history. EXCL: one keeper per vehicle at a time.';
-- Set comment to column: "period" on table: "vehicle_ownership"
COMMENT ON COLUMN "core"."vehicle_ownership"."period" IS '[from, until); upper NULL = current keeper';
-- Set comment to column: "updated_at" on table: "vehicle_ownership"
COMMENT ON COLUMN "core"."vehicle_ownership"."updated_at" IS 'maintained by trigger';
