package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/keluhan/keluhan/ingest"
	"github.com/keluhan/keluhan/workflow"
)

// Errors callers classify with errors.Is.
var (
	// ErrNotFound means no document matched. It is the same value as
	// workflow.ErrNotFound.
	ErrNotFound = workflow.ErrNotFound
	// ErrConflict means a guarded write found the document changed: a
	// ticket's version moved on, or an outbox row is no longer leased by
	// the caller. It is the same value as workflow.ErrConflict.
	ErrConflict = workflow.ErrConflict
	// ErrDuplicate means a write collided with a unique key that the
	// caller did not expect to exist.
	ErrDuplicate = errors.New("duplicate key")
	// ErrNotOwner means the operation must run in the process that runs
	// the embedded FerretDB, and this Store is a client of it: see
	// OwnsServer.
	ErrNotOwner = errors.New("not the process that runs the embedded database")
)

// Defaults that Open fills in.
const (
	DefaultDatabase      = "keluhan"
	DefaultBlobThreshold = 512 << 10
	DefaultRecentWindow  = 92 * 24 * time.Hour
)

// Collection names.
const (
	collMessages = "messages"
	collOutcomes = "outcomes"
	collTickets  = "tickets"
	// collTicketsClosed holds the closed tickets on the embedded store;
	// see ticket_split.go.
	collTicketsClosed = "tickets_closed"
	collRecords       = "records"
	collOutbox        = "outbox"
	collCounters      = "counters"
	collThreads       = "threads"
	collLeases        = "leases"
	collMailboxes     = "mailboxes"
	collClaims        = "claims"
	// collSent archives the outbox rows that were sent, so that the
	// outbox itself holds only rows that still need work.
	collSent = "sent"
	// collCappedSends lists the recent sends of capped mail, for the
	// per-recipient cap.
	collCappedSends = "capped_sends"
	// collOutboxKeys registers every outbox key ever queued, so that
	// Enqueue skips a row that was sent and archived.
	collOutboxKeys = "outbox_keys"
	// collTicketNotes lists the tickets a client Store inserted, for the
	// owner's in-memory ticket index.
	collTicketNotes = "ticket_notes"
	// collRecordNotes lists the tickets whose audit records a client
	// Store appended, for the owner's record cache.
	collRecordNotes = "record_notes"
	bucketBlobs     = "blobs"
)

// Config locates the database and sets how data is stored.
type Config struct {
	// URI is a MongoDB connection string. When it is empty, Open starts
	// FerretDB inside the process with its files under DataDir.
	URI string
	// Database is the database name; DefaultDatabase when empty.
	Database string
	// DataDir is keluhan's data folder. The embedded FerretDB keeps its
	// SQLite files in DataDir/ferretdb. It is only used when URI is
	// empty, and is required then.
	DataDir string
	// CAFile is a PEM file of certificate authorities to trust for the
	// TLS connection to URI, in place of the system pool.
	CAFile string
	// Insecure turns off certificate verification of a TLS connection to
	// URI. It has no effect on the embedded FerretDB or on a URI with
	// tls=false. The URI's own tlsInsecure option is rejected so that
	// this setting is the only switch.
	Insecure bool
	// BlobThreshold is the size in bytes above which a raw message goes
	// to GridFS instead of into its message document;
	// DefaultBlobThreshold when zero or negative.
	BlobThreshold int
	// RecentWindow is how far back the Store that runs the embedded
	// FerretDB keeps the subject, requester and terms of tickets in
	// memory. SimilarCandidates and CountNewTickets with a since inside
	// the window then need no query. DefaultRecentWindow when zero or
	// negative. Set it to at least the longest window callers request,
	// because an earlier since costs a query that reads every ticket.
	RecentWindow time.Duration
}

// Store is keluhan's persistence on MongoDB or the embedded FerretDB.
// It is safe for concurrent use.
type Store struct {
	log    *slog.Logger
	client *mongo.Client
	db     *mongo.Database

	messages, tickets, records, outbox   *mongo.Collection
	counters, threads, leases, mailboxes *mongo.Collection
	claims, outcomes                     *mongo.Collection
	sent, cappedSends, outboxKeys        *mongo.Collection
	ticketNotes, recordNotes             *mongo.Collection
	blobs                                *mongo.GridFSBucket
	// ticketsClosed holds the closed tickets on the embedded store, and
	// is nil on a Store connected to a URI, which keeps them in tickets.
	ticketsClosed *mongo.Collection
	// ticketGate keeps the writes of an existing ticket on the embedded
	// store apart from the settling of a batch that contains it.
	ticketGate ticketGate

	blobThreshold int
	// threadMemo holds the thread links in the owner's memory; nil on
	// client Stores and on MongoDB.
	threadMemo *threadCache
	// ferret is true when the server is FerretDB, whose findAndModify and
	// conditional updates are not atomic; see guard.go.
	ferret bool
	// role is whether the database is the embedded FerretDB and whether
	// this Store runs it.
	role role
	// embedded is the FerretDB this Store started, or nil.
	embedded *embeddedFerret
	// uri is the address actually connected to.
	uri string

	keyLocks [64]sync.Mutex

	hintMu sync.Mutex
	// counterHints holds, per counter, the first number not yet known to
	// be taken, so that AllocateNumbers usually needs no lookup.
	counterHints map[string]int64

	// index, trails, sends and queue keep in memory what the hot paths
	// of the Store that runs the embedded FerretDB would otherwise read
	// from large collections. They are nil on every other Store.
	index  *ticketIndex
	trails *trailCache
	sends  *sendMemory
	queue  *outboxQueue
	// settling moves tickets to the collection of their state in the
	// background; see ticket_settle.go.
	settling backgroundLoad

	// prune throttles the deletion of old capped sends.
	prune cappedPrune

	// life ends when Close starts; the background reads of index and
	// sendMemory run under it and are counted in loads.
	life  context.Context
	stop  context.CancelFunc
	loads sync.WaitGroup

	now func() time.Time
}

// role is the kind of connection a Store has to its database.
type role int

const (
	// roleURI is a Store connected to Config.URI.
	roleURI role = iota
	// roleOwner is the Store that runs the embedded FerretDB of its data
	// folder and holds the folder's lock.
	roleOwner
	// roleClient is a Store connected to the embedded FerretDB that
	// another Store runs, usually in another process.
	roleClient
)

// Interfaces the Store implements.
var (
	_ workflow.Store = (*Store)(nil)
	_ ingest.Archive = (*Store)(nil)
)

// Open connects to the database in cfg, starting the embedded FerretDB
// when cfg.URI is empty, and creates the collections and indexes it
// needs. Creating them is idempotent, so several instances may open the
// same database at once. Close releases what Open started.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Store, error) {
	cfg = withDefaults(cfg)
	s := &Store{
		log:           log,
		blobThreshold: cfg.BlobThreshold,
		counterHints:  map[string]int64{},
		now:           time.Now,
	}
	s.life, s.stop = context.WithCancel(context.Background())

	if err := s.connect(ctx, cfg); err != nil {
		s.stop()
		return nil, err
	}

	if err := s.setup(ctx, cfg.Database); err != nil {
		return nil, errors.Join(err, s.Close(ctx))
	}

	if s.role == roleOwner {
		s.index = newTicketIndex(cfg.RecentWindow)
		s.trails = newTrailCache()
		s.queue = newOutboxQueue()
		s.sends = newSendMemory(s.queue)
		s.threadMemo = newThreadCache()
	}
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Database == "" {
		cfg.Database = DefaultDatabase
	}
	if cfg.BlobThreshold <= 0 {
		cfg.BlobThreshold = DefaultBlobThreshold
	}
	if cfg.RecentWindow <= 0 {
		cfg.RecentWindow = DefaultRecentWindow
	}
	return cfg
}

// connect connects the client to cfg.URI, or to the embedded FerretDB
// of cfg.DataDir, starting it unless another Store runs it.
func (s *Store) connect(ctx context.Context, cfg Config) error {
	if cfg.URI == "" {
		return s.connectEmbedded(ctx, cfg.DataDir)
	}

	client, err := dialURI(ctx, cfg, s.log)
	if err != nil {
		return err
	}
	s.client, s.uri, s.role = client, cfg.URI, roleURI
	return nil
}

// setup binds the collections, learns which server this is and creates
// the indexes.
func (s *Store) setup(ctx context.Context, database string) error {
	s.db = s.client.Database(database)
	s.messages = s.db.Collection(collMessages)
	s.tickets = s.db.Collection(collTickets)
	s.records = s.db.Collection(collRecords)
	s.outbox = s.db.Collection(collOutbox)
	s.counters = s.db.Collection(collCounters)
	s.threads = s.db.Collection(collThreads)
	s.leases = s.db.Collection(collLeases)
	s.mailboxes = s.db.Collection(collMailboxes)
	s.claims = s.db.Collection(collClaims)
	s.outcomes = s.db.Collection(collOutcomes)
	s.sent = s.db.Collection(collSent)
	s.cappedSends = s.db.Collection(collCappedSends)
	s.outboxKeys = s.db.Collection(collOutboxKeys)
	s.ticketNotes = s.db.Collection(collTicketNotes)
	s.recordNotes = s.db.Collection(collRecordNotes)
	if s.role != roleURI {
		s.ticketsClosed = s.db.Collection(collTicketsClosed)
	}
	s.blobs = s.db.GridFSBucket(options.GridFSBucket().SetName(bucketBlobs))

	ferret, err := isFerret(ctx, s.db)
	if err != nil {
		return err
	}
	s.ferret = ferret || s.role != roleURI

	return s.ensureIndexes(ctx)
}

// isFerret reports whether the server is FerretDB, which adds
// ferretdbVersion to its buildInfo reply.
func isFerret(ctx context.Context, db *mongo.Database) (bool, error) {
	var info bson.M
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("read server build info: %w", err)
	}
	_, ok := info["ferretdbVersion"]
	return ok, nil
}

// Ping checks that the database replies. It is meant for health checks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Embedded reports whether the database is the embedded FerretDB of the
// data folder, whether this Store runs it or is a client of it.
func (s *Store) Embedded() bool { return s.role != roleURI }

// OwnsServer reports whether this Store runs the embedded FerretDB and
// holds the data folder's lock until Close. It is false for a Store
// connected to a URI, and for a client of the FerretDB another Store
// runs. Such a client rejects, with an error wrapping ErrNotOwner, every
// write that the owner guards with in-process locks or mirrors in
// memory; client.go lists them.
func (s *Store) OwnsServer() bool { return s.role == roleOwner }

// Close disconnects and, on the Store that runs the embedded FerretDB,
// stops it and releases the data folder's lock. The Store must not be
// used afterwards.
func (s *Store) Close(ctx context.Context) error {
	s.flushOutbox(ctx)
	s.stop()
	s.loads.Wait()

	var errs []error
	if s.client != nil {
		if err := s.client.Disconnect(ctx); err != nil {
			errs = append(errs, fmt.Errorf("disconnect from database: %w", err))
		}
	}
	if s.embedded != nil {
		errs = append(errs, s.embedded.stop(ctx))
	}
	return errors.Join(errs...)
}
