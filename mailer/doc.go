// Package mailer renders outgoing email from templates and delivers the
// outbox over SMTP with go-mail. It sets the threading headers, the loop
// and Auto-Submitted headers, and retries temporary failures with backoff.
//
// It sends what the outbox holds and decides nothing about who receives
// what: the workflow queues every row.
package mailer
