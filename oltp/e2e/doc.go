// Package e2e holds end-to-end tests of whole workflows across the API's
// areas (workshop, inventory, finance, customers), against a real
// PostgreSQL. It has no non-test code.
package e2e
