//go:build !unix

package store

import (
	"errors"
	"os"
)

// tryLock fails: the data folder lock is implemented with flock, which
// only unix systems have. Without it two processes could run FerretDB on
// the same files.
func tryLock(*os.File) (bool, error) {
	return false, errors.New("the embedded database needs a unix system to lock its data folder: set a mongodb uri instead")
}
