//go:build !unix

package trainers

import (
	"errors"
	"os/exec"
)

func detach(*exec.Cmd) {}

func terminate(int) error { return errors.New("runner: stopping a trainer needs a unix system") }

func lockHolders(string) ([]int, bool) { return nil, false }

func isSipbench(int) bool { return true }
