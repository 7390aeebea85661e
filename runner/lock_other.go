//go:build !unix

package runner

import (
	"os"
	"path/filepath"
)

// Without flock, locks are not enforced: the files are opened, never locked.

func openAt(dir, name string, create bool) (*os.File, error) {
	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE
	}
	return os.OpenFile(filepath.Join(dir, name), flags, 0o644)
}

func openNoFollow(dir, name string) (*os.File, error) { return openAt(dir, name, false) }

func lockFileIn(dir, name string, exclusive bool) (*os.File, error) {
	return openAt(dir, name, exclusive)
}

func lockRun(dir string) (release func(), err error) { return func() {}, nil }

func unlockFile(f *os.File) {}

func foreignLock(string) error { return nil }
