package store

import "fmt"

// A client Store shares the database with the Store that runs the
// embedded FerretDB, usually in another process, but not that Store's
// memory: the per-key locks that make guarded updates safe on FerretDB,
// the ticket index, the record of capped sends and the outbox queue. So
// a client Store
//
//   - reads anything. The reads the owner serves from memory
//     (TicketsBySource, TicketsDue, CountTickets, CountNewTickets,
//     SimilarCandidates, Records, CountAutomaticSent, the outbox) query
//     the database instead, which on FerretDB reads the whole
//     collection. It reads the outbox with the owner's log applied;
//   - inserts: SaveMessages, FinishMessages, SetMessageTicket,
//     AllocateNumbers, InsertTickets (noting the tickets for the owner's
//     index), LinkThreads, AppendRecords (noting the tickets for the
//     owner's record cache), Enqueue (noting the rows for the owner's
//     queue) and PutBlob. That covers opening a ticket by hand;
//   - runs RetryOutgoing by noting the retry for the owner, which
//     applies it within about a second;
//
// and rejects with ErrNotOwner what would race the owner's locks or
// bypass its memory: UpdateTicket, ClaimOutgoing, MarkSent, MarkRetry,
// MarkFailed, MarkSuppressed, AcquireLease, ReleaseLease,
// SaveMailboxState, InsertRaw and the Import methods.

// refuseClient returns an error wrapping ErrNotOwner, naming op, when
// this Store is a client of the embedded FerretDB, and nil otherwise.
func (s *Store) refuseClient(op string) error {
	if s.role != roleClient {
		return nil
	}
	return fmt.Errorf("%s: %w: another keluhan process runs the embedded database; stop it first, or run this there", op, ErrNotOwner)
}
