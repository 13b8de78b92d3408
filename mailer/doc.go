// Package mailer renders outgoing email from templates and delivers the
// outbox over SMTP with go-mail. It sets the threading headers, the loop
// and Auto-Submitted headers, retries temporary failures with backoff,
// and suppresses automatic mail to an address that already received its
// cap, so that two robots cannot reply to each other forever.
//
// It sends what the outbox holds and decides nothing about who receives
// what: the workflow queues every row, rendered with Renderer.
package mailer
