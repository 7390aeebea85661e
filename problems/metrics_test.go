package problems

import (
	"math"
	"testing"

	"github.com/sipbench/sipbench/core"
)

func TestBatchMetrics(t *testing.T) {
	t.Parallel()
	// Two examples of three elements; residuals (3, −4, 0) and (1, 1, −1).
	a := core.FromData([]float32{4, -3, 2, 1, 1, 0}, 2, 3)
	b := core.FromData([]float32{1, 1, 2, 0, 0, 1}, 2, 3)
	for _, tc := range []struct {
		name string
		f    func(a, b *core.Tensor) float64
		want float64
	}{
		{"MAE", MAE, (7.0/3 + 3.0/3) / 2},
		{"MeanL1", MeanL1, (7.0 + 3.0) / 2},
		{"MeanL2", MeanL2, (0.5*25 + 0.5*3) / 2},
		{"MeanNorm", MeanNorm, (5 + math.Sqrt(3)) / 2},
	} {
		// Small integers: exact in float32 and float64 up to the final division.
		if got := tc.f(a, b); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	l := L2Losses(nil, a, b)
	if l[0] != 12.5 || l[1] != 1.5 {
		t.Errorf("L2Losses = %v, want [12.5 1.5]", l)
	}
}

func TestBatchMetricsPanic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		a, b *core.Tensor
	}{
		{"shape mismatch", core.New(2, 3), core.New(3, 2)},
		{"empty batch", core.New(0, 3), core.New(0, 3)},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: MAE did not panic", tc.name)
				}
			}()
			MAE(tc.a, tc.b)
		}()
	}
}
