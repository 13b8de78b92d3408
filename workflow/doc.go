// Package workflow implements the complaint procedure: ticket states and
// their transitions, staff commands by reply, the SLA clocks, and the Desk
// that applies incoming messages to tickets.
//
// The state machine (Apply) is pure: it takes a ticket, an event and the
// current time and returns the new ticket and the actions to carry out.
// The Desk carries those actions out through the small interfaces declared
// here, which store and mailer implement. Nothing in this package talks
// IMAP, SMTP or MongoDB, reads the clock, or logs.
package workflow
