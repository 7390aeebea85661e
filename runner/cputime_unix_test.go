//go:build unix

package runner

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) of the whole process so far, 0 if unknown.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
