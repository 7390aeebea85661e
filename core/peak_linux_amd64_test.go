//go:build linux && amd64 && !purego && !(openblas && cgo)

package core

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkFMAPeak measures the float32 peak of one core: 12 independent FMAs per
// iteration on registers, AVX2 (YMM) and, where the CPU has it, AVX-512 (ZMM). It reports
// GFLOP/s over wall time and over the thread's CPU time ("cpu-GFLOP/s"), which a machine
// shared with other jobs does not dilute: the denominator of PERFORMANCE.md's "per cent
// of peak".
//
//	go test -run '^$' -bench FMAPeak ./core
func BenchmarkFMAPeak(b *testing.B) {
	kinds := []struct {
		name  string
		lanes int
		run   func(int)
		ok    bool
	}{
		{"avx2", 8, fmaPeak256, gemmHasAVX2FMA},
		{"avx512", 16, fmaPeak512, gemmHasAVX512},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			if !k.ok {
				b.Skip("the CPU lacks", k.name)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			const iters = 10_000_000
			cpu0 := threadCPU()
			for b.Loop() {
				k.run(iters)
			}
			cpu := threadCPU() - cpu0
			flop := float64(b.N) * iters * 12 * 2 * float64(k.lanes)
			b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu > 0 {
				b.ReportMetric(flop/cpu.Seconds()/1e9, "cpu-GFLOP/s")
			}
		})
	}
}

// threadCPU returns the CPU time of the calling OS thread, 0 if unknown.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
