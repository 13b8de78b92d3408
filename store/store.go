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
)

// Defaults that Open fills in.
const (
	DefaultDatabase      = "keluhan"
	DefaultBlobThreshold = 512 << 10
)

// Collection names.
const (
	collMessages  = "messages"
	collOutcomes  = "outcomes"
	collTickets   = "tickets"
	collRecords   = "records"
	collOutbox    = "outbox"
	collCounters  = "counters"
	collThreads   = "threads"
	collLeases    = "leases"
	collMailboxes = "mailboxes"
	collClaims    = "claims"
	bucketBlobs   = "blobs"
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
	blobs                                *mongo.GridFSBucket

	blobThreshold int
	// ferret is true when the server is FerretDB, whose findAndModify and
	// conditional updates are not atomic; see guard.go.
	ferret bool
	// embedded is the FerretDB this Store started, or nil.
	embedded *embeddedFerret
	// uri is the address actually connected to.
	uri string

	keyLocks [64]sync.Mutex

	hintMu sync.Mutex
	// counterHints holds, per counter, the first number not yet known to
	// be taken, so that AllocateNumbers usually needs no lookup.
	counterHints map[string]int64

	now func() time.Time
}

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

	if err := s.connect(ctx, cfg); err != nil {
		return nil, err
	}

	if err := s.setup(ctx, cfg.Database); err != nil {
		return nil, errors.Join(err, s.Close(ctx))
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
	return cfg
}

// connect starts the embedded FerretDB when needed and connects the
// client.
func (s *Store) connect(ctx context.Context, cfg Config) error {
	if cfg.URI != "" {
		client, err := dialURI(ctx, cfg, s.log)
		if err != nil {
			return err
		}
		s.client, s.uri = client, cfg.URI
		return nil
	}

	ferret, err := startFerret(cfg.DataDir, s.log)
	if err != nil {
		return err
	}
	s.embedded, s.uri = ferret, ferret.uri

	client, err := dialLoopback(ctx, ferret.uri)
	if err != nil {
		return errors.Join(err, ferret.stop(ctx))
	}
	s.client = client
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
	s.blobs = s.db.GridFSBucket(options.GridFSBucket().SetName(bucketBlobs))

	ferret, err := isFerret(ctx, s.db)
	if err != nil {
		return err
	}
	s.ferret = ferret || s.embedded != nil

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

// Close disconnects and stops the embedded FerretDB, if Open started one.
// The Store must not be used afterwards.
func (s *Store) Close(ctx context.Context) error {
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
