package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// One process runs the embedded FerretDB of a data folder. FerretDB
// caches each database's metadata in the process that runs it, and the
// Store's guarded writes and in-memory indexes hold only within one
// Store, so two servers on the same SQLite files would corrupt each
// other's view. Open takes an exclusive lock on DataDir/ferretdb/
// keluhan.lock: the Store that gets it starts FerretDB and writes the
// loopback address to DataDir/ferretdb/address, and any other Open on
// the folder, in this process or another, connects to that address as a
// client. The lock is an flock, so the kernel releases it when the
// owner's process dies.

const (
	ferretDirName   = "ferretdb"
	lockFileName    = "keluhan.lock"
	addressFileName = "address"
)

// clientWait bounds how long a client waits for the owner, which may be
// starting, to publish its address and reply.
const clientWait = 10 * time.Second

// clientRetry is the pause between a client's connection attempts, and
// clientAttempt bounds one attempt, so that an address an owner replaces
// meanwhile is read again in time.
const (
	clientRetry   = 200 * time.Millisecond
	clientAttempt = 2 * time.Second
)

// connectEmbedded starts the embedded FerretDB of dataDir and connects
// to it, or connects as a client when another Store holds the lock.
func (s *Store) connectEmbedded(ctx context.Context, dataDir string) error {
	if dataDir == "" {
		return errors.New("start embedded ferretdb: data dir is empty: set the data folder or a mongodb uri")
	}
	dir, err := ferretDir(dataDir)
	if err != nil {
		return err
	}

	lock, err := lockDir(dir)
	if err != nil {
		return err
	}
	if lock == nil {
		return s.connectClient(ctx, dir)
	}
	return s.startOwner(ctx, dir, lock)
}

// ferretDir creates DataDir/ferretdb, which FerretDB requires to exist
// before it starts, and returns its absolute path.
func ferretDir(dataDir string) (string, error) {
	dir, err := filepath.Abs(filepath.Join(dataDir, ferretDirName))
	if err != nil {
		return "", fmt.Errorf("start embedded ferretdb: %w", err)
	}
	// FerretDB reads the folder from a file URL that it decodes, and
	// SQLite decodes it again, so these cannot be escaped.
	if strings.ContainsAny(dir, "%?#") {
		return "", fmt.Errorf("start embedded ferretdb: data folder %q contains %%, ? or #, which ferretdb cannot use", dataDir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("start embedded ferretdb: %w", err)
	}
	// Only the owner may reach the database's files and its socket,
	// also when the folder existed before with wider permissions.
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("start embedded ferretdb: %w", err)
	}
	return dir, nil
}

// lockDir takes the lock of dir and returns the open lock file, or nil
// when another Store holds the lock.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data folder: %w", err)
	}
	locked, err := tryLock(f)
	if err != nil || !locked {
		// The lock failed or is held elsewhere; the file is of no use.
		_ = f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("lock data folder: %s: %w", path, err)
	}
	if !locked {
		return nil, nil
	}
	return f, nil
}

// startOwner starts FerretDB in dir, whose lock the Store holds,
// connects to it and publishes its address.
func (s *Store) startOwner(ctx context.Context, dir string, lock *os.File) error {
	// An address left by an owner that died may name a port that another
	// program has taken since, so no client may read it from now on.
	if err := removeAddress(dir); err != nil {
		return errors.Join(err, lock.Close())
	}
	ferret, err := startFerret(dir, lock, s.log)
	if err != nil {
		return errors.Join(err, lock.Close())
	}

	client, err := dialLoopback(ctx, ferret.uri)
	if err == nil {
		err = writeAddress(dir, ferret.uri)
	}
	if err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return errors.Join(err, disconnect(stopCtx, client), ferret.stop(stopCtx))
	}

	s.client, s.uri, s.role, s.embedded = client, ferret.uri, roleOwner, ferret
	return nil
}

// connectClient connects to the FerretDB that the holder of dir's lock
// runs, waiting up to clientWait for it to publish its address.
func (s *Store) connectClient(ctx context.Context, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, clientWait)
	defer cancel()

	var last error
	for {
		uri, err := s.dialPublished(ctx, dir)
		if err == nil {
			s.log.Info("embedded ferretdb runs in another store; connected as a client", "dir", dir, "uri", uri)
			s.uri, s.role = uri, roleClient
			return nil
		}
		last = err

		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded ferretdb in %s is locked by another keluhan process, and connecting to it failed: %w", dir, last)
		case <-time.After(clientRetry):
		}
	}
}

// dialPublished connects to the address in dir's address file and
// checks that the file still names it afterwards, so that a file that an
// owner replaced meanwhile is not trusted.
func (s *Store) dialPublished(ctx context.Context, dir string) (string, error) {
	uri, err := readAddress(dir)
	if err != nil {
		return "", err
	}
	attemptCtx, cancel := context.WithTimeout(ctx, clientAttempt)
	defer cancel()
	client, err := dialLoopback(attemptCtx, uri)
	if err != nil {
		return "", err
	}
	again, err := readAddress(dir)
	if err == nil && again != uri {
		err = fmt.Errorf("address changed from %s to %s while connecting", uri, again)
	}
	if err != nil {
		return "", errors.Join(err, disconnect(ctx, client))
	}
	s.client = client
	return uri, nil
}

// writeAddress publishes uri in dir's address file. It writes a
// temporary file and renames it, so that a reader sees either no file or
// the whole address.
func writeAddress(dir, uri string) error {
	tmp, err := os.CreateTemp(dir, addressFileName+".*")
	if err != nil {
		return fmt.Errorf("publish ferretdb address: %w", err)
	}
	_, err = tmp.WriteString(uri + "\n")
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, addressFileName))
	}
	if err != nil {
		// The rename failed or never ran; the temporary file is garbage.
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("publish ferretdb address: %w", err)
	}
	return nil
}

// readAddress returns the address that dir's owner published.
func readAddress(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, addressFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return "", errors.New("no address published yet")
	}
	if err != nil {
		return "", fmt.Errorf("read ferretdb address: %w", err)
	}
	uri := strings.TrimSpace(string(b))
	if !strings.HasPrefix(uri, "mongodb://127.0.0.1:") && !isSocketIn(uri, dir) {
		return "", fmt.Errorf("read ferretdb address: %q is neither the socket in %s nor a loopback mongodb address", uri, dir)
	}
	return uri, nil
}

// isSocketIn reports whether uri names the socket in dir. The owner may
// have reached dir by another path, as through a symbolic link, so the
// socket files are compared, not the paths.
func isSocketIn(uri, dir string) bool {
	want := filepath.Join(dir, socketName)
	if uri == socketURI(want) {
		return true
	}
	host, ok := strings.CutPrefix(uri, "mongodb://")
	if !ok {
		return false
	}
	path, err := url.PathUnescape(strings.TrimSuffix(host, "/"))
	if err != nil || !strings.HasSuffix(path, "/"+socketName) {
		return false
	}
	a, err1 := os.Stat(path)
	b, err2 := os.Stat(want)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// removeAddress deletes dir's address file, if there is one.
func removeAddress(dir string) error {
	err := os.Remove(filepath.Join(dir, addressFileName))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove ferretdb address: %w", err)
	}
	return nil
}

// disconnect closes client, which may be nil.
func disconnect(ctx context.Context, client *mongo.Client) error {
	if client == nil {
		return nil
	}
	if err := client.Disconnect(ctx); err != nil {
		return fmt.Errorf("disconnect from database: %w", err)
	}
	return nil
}
