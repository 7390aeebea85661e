//go:build !unix

package folder

import (
	"os"
	"path/filepath"
)

// OpenIn opens dir/job/name for reading, refusing a link for the job's folder or the file
// (checked before opening: without openat, a race can still swap one in).
func OpenIn(dir, job, name string) (*os.File, error) { return openInWith(dir, job, name, os.O_RDONLY) }

// OpenRWIn opens dir/job/name as OpenIn does, for reading and writing, creating it if it is
// missing.
func OpenRWIn(dir, job, name string) (*os.File, error) {
	return openInWith(dir, job, name, os.O_RDWR|os.O_CREATE)
}

// OpenAppendIn opens dir/job/name as OpenIn does, for appending, creating it if it is
// missing.
func OpenAppendIn(dir, job, name string) (*os.File, error) {
	return openInWith(dir, job, name, os.O_WRONLY|os.O_CREATE|os.O_APPEND)
}

func openInWith(dir, job, name string, flags int) (*os.File, error) {
	path := filepath.Join(dir, job, name)
	if job != "" {
		if fi, err := os.Lstat(filepath.Join(dir, job)); err != nil {
			return nil, err
		} else if !fi.IsDir() {
			return nil, &os.PathError{Op: "open", Path: filepath.Join(dir, job), Err: errLink}
		}
	}
	fi, err := os.Lstat(path)
	if err != nil && flags&os.O_CREATE != 0 && os.IsNotExist(err) {
		return os.OpenFile(path, flags, 0o644)
	}
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return nil, &os.PathError{Op: "open", Path: path, Err: errLink}
	}
	if !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	return os.OpenFile(path, flags, 0o644)
}
