//go:build !linux

package process

import (
	"os"
	"os/exec"
)

func setGroup(c *exec.Cmd) {}

// killGroup kills the process (its children are its own affair on this system).
func killGroup(c *exec.Cmd) {
	if c.Process != nil {
		c.Process.Kill()
	}
}

func growPipe(*os.File) {}
