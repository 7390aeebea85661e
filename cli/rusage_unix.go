//go:build unix

package cli

import (
	"runtime"
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system, all threads) the process has used.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// peakRSSMiB returns the process's peak resident memory so far, in MiB (ru_maxrss is in
// KiB on Linux and in bytes on macOS).
func peakRSSMiB() (float64, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return float64(ru.Maxrss) / (1 << 20), true
	}
	return float64(ru.Maxrss) / (1 << 10), true
}
