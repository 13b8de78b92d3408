// Package store persists keluhan's data in MongoDB: inbound messages with
// their raw bytes, tickets, the append-only event trail, the outbox,
// ticket counters and leases. With no URI configured it starts FerretDB
// (SQLite handler) inside the process and connects to it over loopback.
// When another process already runs FerretDB on the same data folder, it
// connects to that one instead, as a client with fewer rights (see
// client.go).
//
// Every write is idempotent: each document carries a deterministic key
// backed by a unique index, so replaying the same input after a crash
// changes nothing. No operation needs a multi-document transaction.
// The package knows documents and queries, not the procedure.
package store
