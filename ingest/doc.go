// Package ingest turns mailbox contents into parsed messages. It watches
// an IMAP mailbox (IDLE with a polling fallback, reconnecting with
// backoff), fetches new messages in batches, parses MIME into a Message,
// classifies automatic replies, bounces and loops, strips quoted history
// and signatures, and extracts the hints that tie a reply to its ticket.
//
// It decides nothing about tickets: the Processor it is given does that,
// and the IMAP message is marked processed only after the Processor has
// stored everything derived from it.
package ingest
