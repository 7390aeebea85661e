//go:build unix

package folder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openAt opens name inside the folder dir for reading and writing (creating it if
// create), following a link neither for dir's last element nor for name.
func openAt(dir, name string, create bool) (*os.File, error) {
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dfd)
	flags := unix.O_RDWR | unix.O_NOFOLLOW | unix.O_CLOEXEC
	if create {
		flags |= unix.O_CREAT
	}
	fd, err := unix.Openat(dfd, name, flags, 0o644)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: filepath.Join(dir, name), Err: linkErr(err)}
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, name)), nil
}

func openNoFollow(dir, name string) (*os.File, error) { return openAt(dir, name, false) }

// lockFileIn opens dir/name without following links and takes an flock on it without
// waiting: exclusive (creating the file) or shared (the file must exist). It returns
// errLocked if another open file holds a conflicting lock.
func LockFileIn(dir, name string, exclusive bool) (*os.File, error) {
	f, err := openAt(dir, name, exclusive)
	if err != nil {
		return nil, err
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	if err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, err
	}
	return f, nil
}

// lockRun takes the run-level lock dir/lock, waiting for it, and returns its release.
func LockRun(dir string) (release func(), err error) {
	f, err := openAt(dir, LockFile, true)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { UnlockFile(f); f.Close() }, nil
}

func UnlockFile(f *os.File) { unix.Flock(int(f.Fd()), unix.LOCK_UN) }

// foreignLock returns an error if the job's lock file is not the job folder's own: a
// file with more than one link (a hard link from another run, as `cp -al` makes), or on
// another device than the job's folder. Its flock then belongs to whoever locks the other
// name, and its owner must not be trusted, nor signalled. A missing file is its own.
func foreignLock(jd string) error {
	var st, dst unix.Stat_t
	if err := unix.Lstat(filepath.Join(jd, LockFile), &st); err != nil {
		return nil
	}
	if err := unix.Lstat(jd, &dst); err != nil {
		return err
	}
	if st.Nlink != 1 || st.Dev != dst.Dev {
		return fmt.Errorf("runner: %s has %d links or lies on another device than its folder: it is another run's lock (a hard link, as cp -al makes), not trusted", filepath.Join(jd, LockFile), st.Nlink)
	}
	return nil
}
