// Package notify is the notification outbox worker: it queues booking
// reminders 24 hours ahead and delivers every pending core.notification
// (booking reminders, inventory alerts, performance notices, …) to a
// webhook, signed with HMAC-SHA256, retrying with exponential backoff.
//
// Delivery is at least once; each notification carries a stable id
// (X-CCH-Notification-Id, and "id" in the body) so receivers de-duplicate.
// Workers claim rows with FOR UPDATE SKIP LOCKED, so any number of them can
// run side by side without sending one notification twice at the same time.
//
// The worker works across organisations: its pool must log in as a role
// that bypasses row-level security (the local superuser in `cch dev`; a
// dedicated BYPASSRLS role in production).
package notify
