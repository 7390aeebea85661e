package process

import (
	"os"
	"os/exec"
	"syscall"
)

// setGroup starts the process in a process group of its own, so that killGroup ends its
// children too, and has the kernel kill it if this process dies first.
func setGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the process's group (SIGKILL).
func killGroup(c *exec.Cmd) {
	if c.Process != nil {
		syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		c.Process.Kill()
	}
}

// growPipe asks Linux for a pipe buffer of 1 MiB (F_SETPIPE_SZ; the default limit for a
// user), best effort.
func growPipe(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil { // not Fd(), which would make f blocking
		rc.Control(func(fd uintptr) {
			syscall.Syscall(syscall.SYS_FCNTL, fd, 1031, 1<<20) // F_SETPIPE_SZ
		})
	}
}
