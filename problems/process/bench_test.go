package process_test

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems/process"
)

// BenchmarkExchange is the protocol's cost: a forward call of a problem process written in
// Go (fakeproc's identity, P(x) = x) on one 64×64×128 float32 tensor, 2 MiB each way:
// the request's frame, the process's decoding and encoding, the answer's frame. The bound
// is 5 ms per call (PERFORMANCE.md).
func BenchmarkExchange(b *testing.B) {
	p, err := process.Start([]string{fakeBin, "identity=64,64,128"}, process.Options{Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	x := core.New(1, 64, 64, 128)
	for i := range x.Data {
		x.Data[i] = float32(i%1000) / 7
	}
	y := core.New(1, 64, 64, 128)
	b.SetBytes(2 * 4 * int64(len(x.Data)))
	p.Forward(y, x) // warm: the process's buffers
	cpu0 := cpuTime(p.Pid())
	b.ResetTimer()
	for range b.N {
		p.Forward(y, x)
	}
	b.StopTimer()
	// CPU time of both sides per call: what the exchange costs, whatever the machine's
	// load adds to the wall time (ns/op) in waiting for a core.
	b.ReportMetric(float64(cpuTime(p.Pid())-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	if y.Data[12345] != x.Data[12345] {
		b.Fatalf("P(x) = x answered %v for %v", y.Data[12345], x.Data[12345])
	}
}

// cpuTime returns the CPU time of this process and of process pid, in nanoseconds (pid's
// from /proc, in clock ticks of 10 ms; 0 where /proc is missing).
func cpuTime(pid int) int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self := ru.Utime.Nano() + ru.Stime.Nano()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return self
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return self + (ut+st)*10_000_000
}
