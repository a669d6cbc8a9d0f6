// Package customers holds the /v1 workflows for customers and vehicles:
// create, read, update with If-Match, search, and the GDPR subject-access
// export and erasure. Row-level security decides which customers a caller
// sees; a customer the caller may not see answers 404, never 403, so
// existence stays hidden.
package customers
