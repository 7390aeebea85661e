//go:build !unix

package folder

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

func LockFileIn(dir, name string, exclusive bool) (*os.File, error) {
	return openAt(dir, name, exclusive)
}

func LockRun(dir string) (release func(), err error) { return func() {}, nil }

func UnlockFile(f *os.File) {}

func foreignLock(string) error { return nil }
