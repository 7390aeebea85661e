package process

import (
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
