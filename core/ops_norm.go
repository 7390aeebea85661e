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
// training mode). Statistics are summed in float32 over runs of 16 values and in float64
// across them.
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
func (bn *BatchNorm2d) Forward(x *Var) *Var { return bn.forward(x, false) }

// ForwardReLU records ReLU(bn.Forward(x)) as one op, with the same bits in the output and
// in every gradient: the normalised values are computed by the same expression and
// rectified as they are written, and the backward pass recomputes them to mask the
// incoming gradient. That saves writing and reading back the normalised batch and its
// gradient, a full pass over the activations each way, and their memory.
func (bn *BatchNorm2d) ForwardReLU(x *Var) *Var { return bn.forward(x, true) }

// forward is Forward, followed by a ReLU if relu.
func (bn *BatchNorm2d) forward(x *Var, relu bool) *Var {
	op := bn.newOp(x, relu)
	t := x.tape
	out := t.allocNoZero(x.Value.Shape...) // every element is written below
	if t.Threads > 1 && op.n > 1 {
		op.stats(nil)
		op.normalizeByExample(out.Data, t.Threads)
	} else {
		op.stats(func(k int) { op.normalizeChannel(out.Data, k) })
	}
	name := "BatchNorm2d"
	if relu {
		name = "BatchNorm2d+ReLU"
	}
	var v *Var
	v = t.record(name, out, func() { op.backward(v.Grad.Data) }, x, op.gamma, op.beta)
	return v
}

// stats records γ and β on the tape and computes the mean and 1/σ of every channel
// (updating the running statistics in training mode), channel by channel, calling then(k)
// once channel k's are known (while its values are in the cache). Without then, on
// several threads, it goes example by example (statsByExample). The backward pass
// recomputes x̂ = (x − μ)/σ from x, μ and 1/σ rather than keeping it.
func (op *bnOp) stats(then func(k int)) {
	t := op.x.tape
	op.gamma, op.beta = t.Param(op.bn.Gamma), t.Param(op.bn.Beta)
	st := t.allocNoZero(2, op.c)
	op.mean, op.invStd = st.Data[:op.c], st.Data[op.c:]
	if t.Threads > 1 && op.n > 1 && then == nil && op.training {
		op.statsByExample(t.Threads)
		return
	}
	parallelFor(t.Threads, op.c, func(k int) {
		mean, variance := op.channelStats(k)
		op.setStats(k, mean, variance)
		if then != nil {
			then(k)
		}
	})
}

// setStats keeps channel k's mean and 1/σ for the kernels.
func (op *bnOp) setStats(k int, mean, variance float64) {
	op.mean[k], op.invStd[k] = float32(mean), float32(1/math.Sqrt(variance+op.bn.Eps))
}

// statsByExample is stats in training mode on several threads, split by example rather
// than by channel, so that each worker reads the examples that it (most likely) wrote in
// the op before (see parallelWork): every plane's sum, then the means, every plane's sum
// of squared deviations, then the variances, each channel's plane sums added in example
// order as channelStats adds them (the same bits).
func (op *bnOp) statsByExample(threads int) {
	xv, n, c, hw, m := op.x.Value.Data, op.n, op.c, op.hw, op.m
	ps := make([]float64, n*c)
	means := make([]float64, c)
	parallelFor(threads, n, func(i int) {
		for k := 0; k < c; k++ {
			ps[i*c+k] = sum64(xv[(i*c+k)*hw:][:hw])
		}
	})
	for k := range means {
		var s float64
		for i := 0; i < n; i++ {
			s += ps[i*c+k]
		}
		means[k] = s / float64(m)
	}
	parallelFor(threads, n, func(i int) {
		for k := 0; k < c; k++ {
			ps[i*c+k] = sumSqDev64(xv[(i*c+k)*hw:][:hw], float32(means[k]))
		}
	})
	for k, mean := range means {
		var ss float64
		for i := 0; i < n; i++ {
			ss += ps[i*c+k]
		}
		op.updateRunning(k, mean, ss/float64(m))
		op.setStats(k, mean, ss/float64(m))
	}
}

// normalizeByExample writes every example of out as normalizeChannel does, example by
// example across the threads.
func (op *bnOp) normalizeByExample(out []float32, threads int) {
	xv, c, hw := op.x.Value.Data, op.c, op.hw
	prms := make([]bnParams, c)
	for k := range prms {
		prms[k] = op.params(k)
	}
	parallelFor(threads, op.n, func(i int) {
		for k := range prms {
			off := (i*c + k) * hw
			bnNormalize(out[off:][:hw], xv[off:][:hw], &prms[k])
		}
	})
}

// bnOp is one recorded BatchNorm2d (+ReLU): its operands, its shape, and the mean and
// 1/σ of each channel it normalised with.
type bnOp struct {
	bn             *BatchNorm2d
	x, gamma, beta *Var
	n, c, hw, m    int
	training, relu bool
	mean, invStd   []float32
}

// newOp checks x against the layer (see Forward for the panics) and returns its op in the
// tape's mode.
func (bn *BatchNorm2d) newOp(x *Var, relu bool) *bnOp {
	mustRank("BatchNorm2d x", x.Value.Shape, 4)
	c := bn.Gamma.Value.Len()
	n, ch, h, w := x.Value.Shape[0], x.Value.Shape[1], x.Value.Shape[2], x.Value.Shape[3]
	if ch != c {
		panic(fmt.Sprintf("core: BatchNorm2d: x %v does not have the %d channels of the layer", x.Value.Shape, c))
	}
	training := x.tape.Training
	if training && n*h*w < 2 {
		panic(fmt.Sprintf("core: BatchNorm2d: training needs more than one value per channel, x is %v", x.Value.Shape))
	}
	return &bnOp{bn: bn, x: x, n: n, c: c, hw: h * w, m: n * h * w, training: training, relu: relu}
}

// channelStats returns the mean and the biased variance of channel k: in training mode
// the batch's, updating the running statistics, in evaluation mode the running ones.
func (op *bnOp) channelStats(k int) (mean, variance float64) {
	bn := op.bn
	if !op.training {
		return float64(bn.RunningMean.Data[k]), float64(bn.RunningVar.Data[k])
	}
	xv, n, c, hw, m := op.x.Value.Data, op.n, op.c, op.hw, op.m
	var s float64
	for i := 0; i < n; i++ {
		s += sum64(xv[(i*c+k)*hw:][:hw])
	}
	mean = s / float64(m)
	var ss float64
	for i := 0; i < n; i++ {
		ss += sumSqDev64(xv[(i*c+k)*hw:][:hw], float32(mean))
	}
	variance = ss / float64(m)
	op.updateRunning(k, mean, variance)
	return mean, variance
}

// updateRunning moves channel k's running statistics toward the batch's mean and biased
// variance.
func (op *bnOp) updateRunning(k int, mean, variance float64) {
	bn, m := op.bn, op.m
	mom := bn.Momentum
	bn.RunningMean.Data[k] = float32((1-mom)*float64(bn.RunningMean.Data[k]) + mom*mean)
	bn.RunningVar.Data[k] = float32((1-mom)*float64(bn.RunningVar.Data[k]) + mom*variance*float64(m)/float64(m-1))
}

// params returns channel k's constants for the kernels.
func (op *bnOp) params(k int) bnParams {
	prm := bnParams{mean: op.mean[k], is: op.invStd[k], gamma: op.gamma.Value.Data[k], beta: op.beta.Value.Data[k]}
	if op.relu {
		prm.relu = 1
	}
	return prm
}

// normalizeChannel writes channel k of every example of out: γ·((x − μ)·(1/σ)) + β, then
// ReLU if op.relu.
func (op *bnOp) normalizeChannel(out []float32, k int) {
	xv, hw := op.x.Value.Data, op.hw
	prm := op.params(k)
	for i := 0; i < op.n; i++ {
		off := (i*op.c + k) * hw
		bnNormalize(out[off:][:hw], xv[off:][:hw], &prm)
	}
}

// bnNormalize writes dst = γ·((src − μ)·(1/σ)) + β, then ReLU if p.relu, with the
// constants of p: the runs of 8 in the AVX2 kernel where it runs, the rest in Go (the same
// bits, TestBatchNormKernels), so that the result of each element does not depend on
// where a run starts.
func bnNormalize(dst, src []float32, p *bnParams) {
	dst = dst[:len(src)]
	if bnAsm && len(src) >= 8 {
		n8 := len(src) / 8
		bnNormalize8(&dst[0], &src[0], n8, p)
		src, dst = src[8*n8:], dst[8*n8:]
	}
	mean32, is32, g, b := p.mean, p.is, p.gamma, p.beta
	if p.relu != 0 {
		for j, v := range src {
			dst[j] = max(g*((v-mean32)*is32)+b, 0)
		}
		return
	}
	for j, v := range src {
		dst[j] = g*((v-mean32)*is32) + b
	}
}

// backward propagates gy, the gradient of the output, to x, Gamma and Beta: channel by
// channel on one thread, example by example on several (backwardByExample).
func (op *bnOp) backward(gy []float32) {
	var dx, dg, db []float32
	var dxFresh bool
	if op.x.needs {
		var dxt *Tensor
		dxt, dxFresh = op.x.gradForWrite()
		dx = dxt.Data
	}
	if op.gamma.needs {
		dg = op.gamma.grad().Data
	}
	if op.beta.needs {
		db = op.beta.grad().Data
	}
	xv, n, c, hw := op.x.Value.Data, op.n, op.c, op.hw
	if th := op.x.tape.Threads; th > 1 && n > 1 {
		op.backwardByExample(gy, dx, dg, db, dxFresh, th)
		return
	}
	parallelFor(op.x.tape.Threads, c, func(k int) {
		prm := op.params(k)
		var sg, sgx float64
		for i := 0; i < n; i++ {
			off := (i*c + k) * hw
			a, b := bnBackSums(gy[off:][:hw], xv[off:][:hw], &prm)
			sg += a
			sgx += b
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
		op.backParams(&prm, sg, sgx, dxFresh)
		for i := 0; i < n; i++ {
			off := (i*c + k) * hw
			bnBackDx(dx[off:][:hw], gy[off:][:hw], xv[off:][:hw], &prm)
		}
	})
}

// backParams sets prm's constants of the input gradient from the channel's Σ g (sg) and
// Σ g·x̂ (sgx). Training: dx = γ/σ · (g − mean(g) − x̂·mean(g·x̂)); evaluation:
// dx = γ/σ · g.
func (op *bnOp) backParams(prm *bnParams, sg, sgx float64, dxFresh bool) {
	prm.scale = prm.gamma * prm.is
	if op.training {
		prm.mg, prm.mgx = float32(sg/float64(op.m)), float32(sgx/float64(op.m))
	}
	if !dxFresh {
		prm.acc = 1
	}
}

// backwardByExample is backward on several threads, split by example (see
// statsByExample): every plane's two sums, then each channel's sums in example order (the
// same bits as backward's), then the input gradient of each example.
func (op *bnOp) backwardByExample(gy, dx, dg, db []float32, dxFresh bool, threads int) {
	xv, n, c, hw := op.x.Value.Data, op.n, op.c, op.hw
	prms := make([]bnParams, c)
	for k := range prms {
		prms[k] = op.params(k)
	}
	sums := make([]float64, 2*n*c)
	parallelFor(threads, n, func(i int) {
		for k := range prms {
			off := (i*c + k) * hw
			sums[2*(i*c+k)], sums[2*(i*c+k)+1] = bnBackSums(gy[off:][:hw], xv[off:][:hw], &prms[k])
		}
	})
	for k := range prms {
		var sg, sgx float64
		for i := 0; i < n; i++ {
			sg += sums[2*(i*c+k)]
			sgx += sums[2*(i*c+k)+1]
		}
		if dg != nil {
			dg[k] += float32(sgx)
		}
		if db != nil {
			db[k] += float32(sg)
		}
		op.backParams(&prms[k], sg, sgx, dxFresh)
	}
	if dx == nil {
		return
	}
	parallelFor(threads, n, func(i int) {
		for k := range prms {
			off := (i*c + k) * hw
			bnBackDx(dx[off:][:hw], gy[off:][:hw], xv[off:][:hw], &prms[k])
		}
	})
}

// bnBackDx writes (p.acc 0) or adds (1) one plane of BatchNorm's input gradient,
// p.scale·(g − p.mg − x̂·p.mgx), g masked by the ReLU if p.relu: the runs of 8 in the
// AVX2 kernel where it runs, the rest in Go.
func bnBackDx(d, g, xs []float32, p *bnParams) {
	if bnAsm && len(d) >= 8 {
		n8 := len(d) / 8
		bnBackDx8(&d[0], &g[0], &xs[0], n8, p)
		xs, d, g = xs[8*n8:], d[8*n8:], g[8*n8:]
	}
	mean32, is32, gk, bk := p.mean, p.is, p.gamma, p.beta
	scale, mg, mgx := p.scale, p.mg, p.mgx
	relu, fresh := p.relu != 0, p.acc == 0
	switch {
	case relu && fresh:
		for j, gj := range g {
			xh := (xs[j] - mean32) * is32
			gj = math.Float32frombits(math.Float32bits(gj) & positiveMask(gk*xh+bk))
			d[j] = scale * (gj - mg - xh*mgx)
		}
	case relu:
		for j, gj := range g {
			xh := (xs[j] - mean32) * is32
			gj = math.Float32frombits(math.Float32bits(gj) & positiveMask(gk*xh+bk))
			d[j] += scale * (gj - mg - xh*mgx)
		}
	case fresh:
		for j, gj := range g {
			d[j] = scale * (gj - mg - ((xs[j]-mean32)*is32)*mgx)
		}
	default:
		for j, gj := range g {
			d[j] += scale * (gj - mg - ((xs[j]-mean32)*is32)*mgx)
		}
	}
}

// The sums of BatchNorm2d run in float32 over blocks of bnBlock consecutive values (four
// interleaved partial sums) and in float64 across blocks: the float64 conversions and the
// latency of one long chain of additions would otherwise dominate, while a float32 sum of
// 16 values loses nothing that matters against the float64 total. The order of every
// addition is fixed by the data's layout, never by the number of threads.
const bnBlock = 16

// sum64 returns Σ x.
func sum64(x []float32) float64 {
	var total float64
	q := 0
	if bnAsm && len(x) >= bnBlock {
		q = len(x) / bnBlock * bnBlock
		total = bnSum16(&x[0], len(x)/bnBlock, 0)
	}
	for ; q+bnBlock <= len(x); q += bnBlock {
		v := x[q : q+bnBlock : q+bnBlock]
		s0 := (v[0] + v[4]) + (v[8] + v[12])
		s1 := (v[1] + v[5]) + (v[9] + v[13])
		s2 := (v[2] + v[6]) + (v[10] + v[14])
		s3 := (v[3] + v[7]) + (v[11] + v[15])
		total += float64((s0 + s1) + (s2 + s3))
	}
	for ; q < len(x); q++ {
		total += float64(x[q])
	}
	return total
}

// sumSqDev64 returns Σ (x − mean)², the deviations taken in float32.
func sumSqDev64(x []float32, mean float32) float64 {
	var total float64
	q := 0
	if bnAsm && len(x) >= bnBlock {
		q = len(x) / bnBlock * bnBlock
		total = bnSumSqDev16(&x[0], len(x)/bnBlock, mean, 0)
	}
	for ; q+bnBlock <= len(x); q += bnBlock {
		v := x[q : q+bnBlock : q+bnBlock]
		var s [4]float32
		for r := 0; r < bnBlock; r += 4 {
			d0, d1, d2, d3 := v[r]-mean, v[r+1]-mean, v[r+2]-mean, v[r+3]-mean
			s[0] += d0 * d0
			s[1] += d1 * d1
			s[2] += d2 * d2
			s[3] += d3 * d3
		}
		total += float64((s[0] + s[1]) + (s[2] + s[3]))
	}
	for ; q < len(x); q++ {
		d := x[q] - mean
		total += float64(d * d)
	}
	return total
}

// bnBackSums returns Σ g and Σ g·x̂ of BatchNorm's backward pass (sumsBNBackFrom), or of
// BatchNorm+ReLU's if p.relu (sumsBNReLUBackFrom): the blocks of 16 in the AVX2 kernel where
// it runs, the rest in Go, continuing the same running sums.
func bnBackSums(g, x []float32, p *bnParams) (sg, sgx float64) {
	q := 0
	if bnAsm && len(g) >= bnBlock {
		blocks := len(g) / bnBlock
		var sums [2]float64
		bnBackSums16(&g[0], &x[0], blocks, p, &sums)
		sg, sgx, q = sums[0], sums[1], blocks*bnBlock
	}
	if p.relu != 0 {
		return sumsBNReLUBackFrom(g, x, p.mean, p.is, p.gamma, p.beta, q, sg, sgx)
	}
	return sumsBNBackFrom(g, x, p.mean, p.is, q, sg, sgx)
}

// sumsBNBackFrom returns Σ g and Σ g·x̂ with x̂ = (x − mean)·is computed in float32 as in
// the forward pass, over g[q:] (q a multiple of bnBlock), the running sums starting at sg,
// sgx.
func sumsBNBackFrom(g, x []float32, mean, is float32, q int, sg, sgx float64) (float64, float64) {
	x = x[:len(g)]
	for ; q+bnBlock <= len(g); q += bnBlock {
		gv, xv := g[q:q+bnBlock:q+bnBlock], x[q:q+bnBlock:q+bnBlock]
		var a, b [4]float32
		for r := 0; r < bnBlock; r += 4 {
			g0, g1, g2, g3 := gv[r], gv[r+1], gv[r+2], gv[r+3]
			a[0] += g0
			a[1] += g1
			a[2] += g2
			a[3] += g3
			b[0] += g0 * ((xv[r] - mean) * is)
			b[1] += g1 * ((xv[r+1] - mean) * is)
			b[2] += g2 * ((xv[r+2] - mean) * is)
			b[3] += g3 * ((xv[r+3] - mean) * is)
		}
		sg += float64((a[0] + a[1]) + (a[2] + a[3]))
		sgx += float64((b[0] + b[1]) + (b[2] + b[3]))
	}
	for ; q < len(g); q++ {
		sg += float64(g[q])
		sgx += float64(g[q] * ((x[q] - mean) * is))
	}
	return sg, sgx
}

// sumsBNReLUBackFrom is sumsBNBackFrom for BatchNorm followed by ReLU: g is the gradient
// of the ReLU's output, masked here where the normalised value γ·x̂ + β (computed as the
// forward pass computes it) is not positive; over g[q:], the sums starting at sg, sgx.
func sumsBNReLUBackFrom(g, x []float32, mean, is, gamma, beta float32, q int, sg, sgx float64) (float64, float64) {
	x = x[:len(g)]
	for ; q+bnBlock <= len(g); q += bnBlock {
		gv, xv := g[q:q+bnBlock:q+bnBlock], x[q:q+bnBlock:q+bnBlock]
		var a, b [4]float32
		for r := 0; r < bnBlock; r += 4 {
			x0, x1, x2, x3 := (xv[r]-mean)*is, (xv[r+1]-mean)*is, (xv[r+2]-mean)*is, (xv[r+3]-mean)*is
			g0 := math.Float32frombits(math.Float32bits(gv[r]) & positiveMask(gamma*x0+beta))
			g1 := math.Float32frombits(math.Float32bits(gv[r+1]) & positiveMask(gamma*x1+beta))
			g2 := math.Float32frombits(math.Float32bits(gv[r+2]) & positiveMask(gamma*x2+beta))
			g3 := math.Float32frombits(math.Float32bits(gv[r+3]) & positiveMask(gamma*x3+beta))
			a[0] += g0
			a[1] += g1
			a[2] += g2
			a[3] += g3
			b[0] += g0 * x0
			b[1] += g1 * x1
			b[2] += g2 * x2
			b[3] += g3 * x3
		}
		sg += float64((a[0] + a[1]) + (a[2] + a[3]))
		sgx += float64((b[0] + b[1]) + (b[2] + b[3]))
	}
	for ; q < len(g); q++ {
		xh := (x[q] - mean) * is
		gq := math.Float32frombits(math.Float32bits(g[q]) & positiveMask(gamma*xh+beta))
		sg += float64(gq)
		sgx += float64(gq * xh)
	}
	return sg, sgx
}
