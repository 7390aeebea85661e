package core

import (
	"fmt"
	"math"
)

// BatchNorm2d is batch normalisation over the channels of NCHW fields, as PyTorch's
// nn.BatchNorm2d with affine parameters and running statistics:
//
//	y[n,c,h,w] = Gamma[c] · (x[n,c,h,w] − μ[c]) / √(σ²[c] + Eps) + Beta[c]
//
// On a tape in training mode (Tape.Training) μ and σ² are the mean and the biased variance
// of channel c over the batch and the spatial positions (M = N·H·W values), and every
// Forward updates the running statistics in place with the unbiased variance:
//
//	RunningMean ← (1 − Momentum)·RunningMean + Momentum·μ
//	RunningVar  ← (1 − Momentum)·RunningVar  + Momentum·σ²·M/(M−1)
//
// On a tape in evaluation mode μ and σ² are RunningMean and RunningVar, which are left
// unchanged. Gradients flow to x, Gamma and Beta in both modes (through μ and σ² too in
// training mode). Statistics are accumulated in float64.
//
// A BatchNorm2d is not safe for concurrent use: Forward in training mode writes the
// running statistics.
type BatchNorm2d struct {
	// Gamma and Beta, of shape [C], scale and shift the normalised values.
	Gamma, Beta *Param
	// RunningMean and RunningVar, of shape [C], are the statistics used in evaluation.
	RunningMean, RunningVar *Tensor
	// Momentum is the weight of the new batch statistics in the running statistics;
	// Eps is added to the variance. They are used as they are (Momentum 0 freezes the
	// running statistics); NewBatchNorm2d sets PyTorch's 0.1 and 1e-5.
	Momentum, Eps float64
}

// NewBatchNorm2d returns a batch normalisation of c channels initialised as PyTorch's:
// Gamma 1, Beta 0, RunningMean 0, RunningVar 1, Momentum 0.1, Eps 1e-5. The parameters
// are named name+".weight" and name+".bias".
func NewBatchNorm2d(name string, c int) *BatchNorm2d {
	bn := &BatchNorm2d{
		Gamma:       NewParam(name+".weight", c),
		Beta:        NewParam(name+".bias", c),
		RunningMean: New(c),
		RunningVar:  New(c),
		Momentum:    0.1,
		Eps:         1e-5,
	}
	bn.Gamma.Value.Fill(1)
	bn.RunningVar.Fill(1)
	return bn
}

// Forward records the normalisation of x (shape [N, C, H, W]) on x's tape, in the mode the
// tape is in. It panics if x is not of rank 4 or its channels differ from C, or, in
// training mode, if a channel has a single value (N·H·W = 1), whose unbiased variance is
// undefined.
func (bn *BatchNorm2d) Forward(x *Var) *Var {
	mustRank("BatchNorm2d x", x.Value.Shape, 4)
	c := bn.Gamma.Value.Len()
	n, ch, h, w := x.Value.Shape[0], x.Value.Shape[1], x.Value.Shape[2], x.Value.Shape[3]
	if ch != c {
		panic(fmt.Sprintf("core: BatchNorm2d: x %v does not have the %d channels of the layer", x.Value.Shape, c))
	}
	t := x.tape
	hw := h * w
	m := n * hw
	training := t.Training
	if training && m < 2 {
		panic(fmt.Sprintf("core: BatchNorm2d: training needs more than one value per channel, x is %v", x.Value.Shape))
	}
	gamma, beta := t.Param(bn.Gamma), t.Param(bn.Beta)
	out := t.Alloc(x.Value.Shape...)
	xhat := t.Alloc(x.Value.Shape...)
	invStd := t.Alloc(c)
	xv := x.Value.Data
	parallelFor(t.Threads, c, func(k int) {
		var mean, variance float64
		if training {
			var s float64
			for i := 0; i < n; i++ {
				for _, v := range xv[(i*c+k)*hw:][:hw] {
					s += float64(v)
				}
			}
			mean = s / float64(m)
			var ss float64
			for i := 0; i < n; i++ {
				for _, v := range xv[(i*c+k)*hw:][:hw] {
					d := float64(v) - mean
					ss += d * d
				}
			}
			variance = ss / float64(m)
			mom := bn.Momentum
			bn.RunningMean.Data[k] = float32((1-mom)*float64(bn.RunningMean.Data[k]) + mom*mean)
			bn.RunningVar.Data[k] = float32((1-mom)*float64(bn.RunningVar.Data[k]) + mom*variance*float64(m)/float64(m-1))
		} else {
			mean = float64(bn.RunningMean.Data[k])
			variance = float64(bn.RunningVar.Data[k])
		}
		is := 1 / math.Sqrt(variance+bn.Eps)
		invStd.Data[k] = float32(is)
		g, b := gamma.Value.Data[k], beta.Value.Data[k]
		mean32, is32 := float32(mean), float32(is)
		for i := 0; i < n; i++ {
			off := (i*c + k) * hw
			src, xh, dst := xv[off:][:hw], xhat.Data[off:][:hw], out.Data[off:][:hw]
			for j, v := range src {
				z := (v - mean32) * is32
				xh[j] = z
				dst[j] = g*z + b
			}
		}
	})
	var v *Var
	v = t.record("BatchNorm2d", out, func() {
		gy := v.Grad.Data
		var dx, dg, db []float32
		if x.needs {
			dx = x.grad().Data
		}
		if gamma.needs {
			dg = gamma.grad().Data
		}
		if beta.needs {
			db = beta.grad().Data
		}
		parallelFor(t.Threads, c, func(k int) {
			var sg, sgx float64
			for i := 0; i < n; i++ {
				off := (i*c + k) * hw
				xh := xhat.Data[off:][:hw]
				for j, d := range gy[off:][:hw] {
					sg += float64(d)
					sgx += float64(d) * float64(xh[j])
				}
			}
			if dg != nil {
				dg[k] += float32(sgx)
			}
			if db != nil {
				db[k] += float32(sg)
			}
			if dx == nil {
				return
			}
			scale := gamma.Value.Data[k] * invStd.Data[k]
			// Training: dx = γ/σ · (g − mean(g) − x̂·mean(g·x̂)); evaluation: dx = γ/σ · g.
			var mg, mgx float32
			if training {
				mg, mgx = float32(sg/float64(m)), float32(sgx/float64(m))
			}
			for i := 0; i < n; i++ {
				off := (i*c + k) * hw
				xh, d, g := xhat.Data[off:][:hw], dx[off:][:hw], gy[off:][:hw]
				for j, gj := range g {
					d[j] += scale * (gj - mg - xh[j]*mgx)
				}
			}
		})
	}, x, gamma, beta)
	return v
}
