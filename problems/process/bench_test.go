package process_test

import (
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
	b.ResetTimer()
	for range b.N {
		p.Forward(y, x)
	}
	b.StopTimer()
	if y.Data[12345] != x.Data[12345] {
		b.Fatalf("P(x) = x answered %v for %v", y.Data[12345], x.Data[12345])
	}
}
