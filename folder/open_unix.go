//go:build unix

package folder

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openIn opens the file name inside the run folder dir (job "") or inside its job's folder
// dir/job for reading. dir is followed as the user named it; the job's folder and the file
// are not: a link there is refused (errLink), as is anything but a regular file (a FIFO
// would block the reader). Opening does not block.
func OpenIn(dir, job, name string) (*os.File, error) {
	return openInWith(dir, job, name, unix.O_RDONLY|unix.O_NONBLOCK)
}

// openRWIn opens dir/job/name as openIn does, for reading and writing, creating it if it is
// missing.
func OpenRWIn(dir, job, name string) (*os.File, error) {
	return openInWith(dir, job, name, unix.O_RDWR|unix.O_CREAT)
}

// openAppendIn opens dir/job/name as openIn does, for appending, creating it if it is
// missing.
func OpenAppendIn(dir, job, name string) (*os.File, error) {
	return openInWith(dir, job, name, unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND)
}

func openInWith(dir, job, name string, flags int) (*os.File, error) {
	path := filepath.Join(dir, job, name)
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dfd)
	if job != "" {
		jfd, err := unix.Openat(dfd, job, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			var st unix.Stat_t
			if err == unix.ENOTDIR && unix.Fstatat(dfd, job, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
				err = unix.ELOOP // O_DIRECTORY's complaint about a link
			}
			return nil, &os.PathError{Op: "open", Path: filepath.Join(dir, job), Err: linkErr(err)}
		}
		defer unix.Close(jfd)
		dfd = jfd
	}
	// O_NONBLOCK keeps the open of a FIFO from blocking; it is refused just after.
	fd, err := unix.Openat(dfd, name, flags|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: linkErr(err)}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	if flags&unix.O_NONBLOCK == 0 { // a regular file: blocking mode, as os.OpenFile gives
		unix.SetNonblock(fd, false)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// linkErr names the errors that O_NOFOLLOW gives for a link.
func linkErr(err error) error {
	switch err {
	case unix.ELOOP, unix.EMLINK:
		return errLink
	case unix.ENOTDIR:
		return errNotFolder
	}
	return err
}
