package eval

import (
	"math"
	"testing"
)

// TestBenchUNet times a tiny U-Net and checks the result's consistency: positive times
// with the median not below the fastest, a FLOP count, finite losses that Adam lowers.
func TestBenchUNet(t *testing.T) {
	r := BenchUNet(BenchConfig{Grid: 8, Batch: 2, Levels: 2, Filters: 4, Threads: 1, Steps: 5, Warmup: 1})
	if r.Min <= 0 || r.Median < r.Min || r.GFLOP <= 0 {
		t.Errorf("times %v (min %v), %g GFLOP", r.Median, r.Min, r.GFLOP)
	}
	if math.IsNaN(float64(r.Loss[0])) || !(r.Loss[1] < r.Loss[0]) {
		t.Errorf("loss %v → %v; want a finite loss that goes down", r.Loss[0], r.Loss[1])
	}
}
