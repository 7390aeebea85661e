//go:build unix

package trainers

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// detach puts the command in a session of its own.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

func terminate(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }

// procLocks is the kernel's list of file locks (Linux).
const procLocks = "/proc/locks"

// lockHolders returns the processes that hold a lock on the file at path (not followed if
// a link), as the kernel's list of locks names them by device and inode. It reports false
// where the system has no such list.
func lockHolders(path string) ([]int, bool) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return nil, true // no file: nobody holds it
	}
	f, err := os.Open(procLocks)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	id := fmt.Sprintf("%02x:%02x:%d", unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), st.Ino)
	var pids []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 12345 fe:00:10003513 0 EOF"; a blocked waiter's line
		// has "->" after the number. Only the exclusive (WRITE) lock is a trainer's: a
		// READ one is a reader probing the lock for a moment (JobLockOwner).
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[3] != "WRITE" {
			continue
		}
		if fields[5] != id {
			continue
		}
		if pid, err := strconv.Atoi(fields[4]); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, true
}

// isSipbench reports whether process pid runs a sipbench: the executable this process
// runs, or one whose name starts with "sipbench". Where /proc/PID/exe cannot be read (no
// /proc), it reports true: the lock's holder is the only evidence there is.
func isSipbench(pid int) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		_, statErr := os.Stat("/proc/self/exe")
		return statErr != nil
	}
	exe = strings.TrimSuffix(exe, " (deleted)") // replaced by a newer build meanwhile
	if strings.HasPrefix(filepath.Base(exe), "sipbench") {
		return true
	}
	self, err := os.Executable()
	if err != nil {
		return false
	}
	a, err1 := os.Stat(exe)
	b, err2 := os.Stat(self)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}
