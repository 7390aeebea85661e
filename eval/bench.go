package eval

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/optimizers"
)

// BenchConfig is one configuration of BenchUNet: the paper's U-Net (1→1 channel, Levels
// levels, Filters filters) trained on Grid×Grid fields in batches of Batch, on Threads
// threads, timed over Steps steps after Warmup untimed ones.
type BenchConfig struct {
	Grid, Batch, Levels, Filters, Threads, Steps, Warmup int
	// Mark, if not nil, is called with true just before the first timed step and with
	// false just after the last (to read the process's CPU time, say).
	Mark func(start bool)
}

// BenchResult is the timing of one configuration.
type BenchResult struct {
	BenchConfig
	Median, Min time.Duration // per step
	GFLOP       float64       // per step: the convolutions, forward and backward
	Loss        [2]float32    // before the first and after the last timed step
}

// BenchUNet times whole U-Net training steps (`sipbench bench`): forward in training
// mode, backward of the L2 loss ½‖NN(x) − x*‖², one Adam step, on a network and data
// drawn from a fixed seed. It reports the median and fastest step of c.Steps timed ones
// after c.Warmup untimed ones, and the convolutions' GFLOP per step.
func BenchUNet(c BenchConfig) BenchResult {
	rng := rand.New(rand.NewPCG(1, 1))
	net := core.NewUNet(1, 1, c.Levels, c.Filters, rng)
	x, target := core.New(c.Batch, 1, c.Grid, c.Grid), core.New(c.Batch, 1, c.Grid, c.Grid)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
		target.Data[i] = float32(rng.NormFloat64())
	}
	params := net.Params()
	opt := optimizers.NewAdam(params, 1e-3)
	tp := core.NewTape()
	tp.Threads = c.Threads
	step := func() float32 {
		tp.Reset()
		core.ZeroGrads(params)
		loss := core.L2Loss(net.Forward(tp.Input(x)), tp.Const(target))
		tp.Backward(loss, nil)
		opt.Step()
		return loss.Value.Data[0]
	}
	r := BenchResult{BenchConfig: c, GFLOP: 3 * net.FLOPs(c.Batch, c.Grid, c.Grid) / 1e9}
	for i := 0; i < c.Warmup; i++ {
		l := step()
		if i == 0 {
			r.Loss[0] = l
		}
	}
	times := make([]time.Duration, c.Steps)
	if c.Mark != nil {
		c.Mark(true)
	}
	for i := range times {
		start := time.Now()
		l := step()
		times[i] = time.Since(start)
		if i == 0 && c.Warmup == 0 {
			r.Loss[0] = l
		}
		r.Loss[1] = l
	}
	if c.Mark != nil {
		c.Mark(false)
	}
	slices.Sort(times)
	r.Min = times[0]
	r.Median = times[len(times)/2]
	if len(times)%2 == 0 {
		r.Median = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	return r
}
