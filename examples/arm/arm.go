// Package arm is a complete problem of your own for sipbench, one that is not in the
// paper: the inverse kinematics of a planar arm of three links. Importing it registers
// the preset "arm" (presets.Register); a binary that imports it and calls cli.Main is
// sipbench with the arm in every command (examples/arm/cmd/armbench).
//
// The arm's shoulder is at the origin; its links have the lengths L = (1, 0.8, 0.6) and
// its joints the angles θ = (θ₁, θ₂, θ₃), each relative to the link before. With the
// absolute angles a₁ = θ₁, a₂ = a₁ + θ₂, a₃ = a₂ + θ₃ the elbow, wrist and hand are
//
//	e = L₁(cos a₁, sin a₁),  w = e + L₂(cos a₂, sin a₂),  h = w + L₃(cos a₃, sin a₃),
//
// and the physics P(θ) = (e, h) ∈ ℝ⁴ gives the elbow and the hand (the end effector). The
// loss of one example is ½‖P(θ) − y*‖². The problem is multimodal: for an observed elbow
// and hand, the wrist lies on both intersections of the circles of radius L₂ around e and
// L₃ around h, so two θ (wrist up, θ₃ > 0, and wrist down, θ₃ < 0) explain every y*, as
// elbow up and elbow down do for a two-link arm: the case §3.1 of the paper argues SIP
// training handles, where a supervised loss averages the two.
//
// The inverse updates U(y* | θ): "gauss-newton", a damped Gauss–Newton step
// Δθ = (JᵀJ + λI)⁻¹Jᵀ(y* − P(θ)) with λ = 10⁻², and "analytic", the exact inverse on the
// branch of the current θ₃'s sign: Δθ = P⁻¹(y*) − θ, wrapped to [−π, π).
//
// Batches come from a seed that Sample draws from the job's random stream, through
// SplitMix64 (see Sample), so that a problem process in another language (problem.py)
// draws the same batches from the same seed.
package arm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
	"github.com/sipbench/sipbench/problems"
)

// Lengths are the links' lengths L₁, L₂, L₃.
var Lengths = [3]float64{1, 0.8, 0.6}

// Damping is λ of the Gauss–Newton update.
const Damping = 1e-2

// The sampling ranges of the joint angles (radians): θ₁ keeps the elbow above the
// shoulder's line, θ₃ takes both signs (both branches).
var (
	low  = [3]float64{0, -1.5, -2.5}
	high = [3]float64{math.Pi, 1.5, 2.5}
)

// The shapes of one example.
var (
	xShape = []int{3}
	yShape = []int{4}
)

// Arm is the planar three-link arm's inverse problem (see the package doc). It holds no
// state and is safe for concurrent use.
type Arm struct{}

var _ problems.Problem = Arm{}

// XShape is [3], the joint angles.
func (Arm) XShape() []int { return []int{3} }

// YShape is [4], the elbow's and the hand's positions.
func (Arm) YShape() []int { return []int{4} }

// SplitMix64 is the generator of Sample: state += 0x9E3779B97F4A7C15, then the mix.
type SplitMix64 struct{ State uint64 }

// Next returns the next 64 random bits.
func (s *SplitMix64) Next() uint64 {
	s.State += 0x9E3779B97F4A7C15
	z := s.State
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Float64 returns a uniform number in [0, 1): the top 53 bits of Next times 2⁻⁵³.
func (s *SplitMix64) Float64() float64 { return float64(s.Next()>>11) * 0x1p-53 }

// Sample draws batch examples: seed = rng.Uint64() >> 11, then SampleSeed(seed, batch),
// as a problem process is asked for them (problems/process: a 53-bit seed).
func (a Arm) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	return a.SampleSeed(rng.Uint64()>>11, batch)
}

// SampleSeed draws batch examples from seed: for each example and joint j in turn,
// θⱼ = lowⱼ + (highⱼ − lowⱼ)·u with u the next SplitMix64 Float64, rounded to float32;
// y* = P(θ) of the rounded θ.
func (a Arm) SampleSeed(seed uint64, batch int) (x, y *core.Tensor) {
	if batch < 0 {
		panic(fmt.Sprintf("arm: Sample: batch %d < 0", batch))
	}
	g := SplitMix64{State: seed}
	x = core.New(batch, 3)
	for i := range batch {
		for j := range 3 {
			x.Data[3*i+j] = float32(low[j] + (high[j]-low[j])*g.Float64())
		}
	}
	return x, a.Forward(nil, x)
}

func check(op string, t *core.Tensor, shape []int) int {
	if t == nil || len(t.Shape) != 2 || t.Shape[1] != shape[0] {
		var got any = "nil"
		if t != nil {
			got = t.Shape
		}
		panic(fmt.Sprintf("arm: %s: shape %v, want [batch %d]", op, got, shape[0]))
	}
	return t.Shape[0]
}

func pair(op string, x, y *core.Tensor) int {
	b := check(op, x, xShape)
	if check(op, y, yShape) != b {
		panic(fmt.Sprintf("arm: %s: batches %d and %d", op, b, y.Shape[0]))
	}
	return b
}

func dstTensor(op string, dst *core.Tensor, b, n int) *core.Tensor {
	if dst == nil {
		return core.New(b, n)
	}
	if len(dst.Shape) != 2 || dst.Shape[0] != b || dst.Shape[1] != n {
		panic(fmt.Sprintf("arm: %s: dst shape %v, want [%d %d]", op, dst.Shape, b, n))
	}
	return dst
}

func dstSlice(op string, dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic(fmt.Sprintf("arm: %s: dst of %d, want %d", op, len(dst), n))
	}
	return dst
}

func theta(x *core.Tensor, i int) [3]float64 {
	return [3]float64{float64(x.Data[3*i]), float64(x.Data[3*i+1]), float64(x.Data[3*i+2])}
}

// Pose is the arm at θ: its absolute angles' cosines and sines and the elbow, wrist and
// hand positions.
type Pose struct {
	C, S               [3]float64
	Elbow, Wrist, Hand [2]float64
}

// At returns the pose at θ.
func At(t [3]float64) Pose {
	var p Pose
	a := 0.0
	for j := range 3 {
		a += t[j]
		p.C[j], p.S[j] = math.Cos(a), math.Sin(a)
	}
	L := Lengths
	p.Elbow = [2]float64{L[0] * p.C[0], L[0] * p.S[0]}
	p.Wrist = [2]float64{p.Elbow[0] + L[1]*p.C[1], p.Elbow[1] + L[1]*p.S[1]}
	p.Hand = [2]float64{p.Wrist[0] + L[2]*p.C[2], p.Wrist[1] + L[2]*p.S[2]}
	return p
}

// y returns P(θ) = (e, h).
func (p Pose) y() [4]float64 { return [4]float64{p.Elbow[0], p.Elbow[1], p.Hand[0], p.Hand[1]} }

// jacobian returns J = ∂P/∂θ (4×3, row-major).
func (p Pose) jacobian() [4][3]float64 {
	L := Lengths
	var J [4][3]float64
	J[0][0], J[1][0] = -L[0]*p.S[0], L[0]*p.C[0]
	// The hand moves with every joint: ∂h/∂θⱼ = Σ_{k ≥ j} L_k(−sin a_k, cos a_k).
	for j := range 3 {
		var sx, sy float64
		for k := 2; k >= j; k-- {
			sx += -L[k] * p.S[k]
			sy += L[k] * p.C[k]
		}
		J[2][j], J[3][j] = sx, sy
	}
	return J
}

// Forward computes P(θ) into dst (allocated when nil).
func (Arm) Forward(dst, x *core.Tensor) *core.Tensor {
	b := check("Forward", x, xShape)
	dst = dstTensor("Forward", dst, b, 4)
	for i := range b {
		yv := At(theta(x, i)).y()
		for k := range 4 {
			dst.Data[4*i+k] = float32(yv[k])
		}
	}
	return dst
}

func residual(p Pose, y *core.Tensor, i int) [4]float64 {
	yv := p.y()
	var r [4]float64
	for k := range 4 {
		r[k] = yv[k] - float64(y.Data[4*i+k])
	}
	return r
}

// Loss writes ½‖P(θ) − y*‖² of every example into dst (allocated when nil).
func (Arm) Loss(dst []float64, x, y *core.Tensor) []float64 {
	b := pair("Loss", x, y)
	dst = dstSlice("Loss", dst, b)
	for i := range b {
		r := residual(At(theta(x, i)), y, i)
		dst[i] = 0.5 * (r[0]*r[0] + r[1]*r[1] + r[2]*r[2] + r[3]*r[3])
	}
	return dst
}

// Gradient writes Jᵀ(P(θ) − y*) into dst (allocated when nil).
func (Arm) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	b := pair("Gradient", x, y)
	dst = dstTensor("Gradient", dst, b, 3)
	for i := range b {
		p := At(theta(x, i))
		r, J := residual(p, y, i), p.jacobian()
		for j := range 3 {
			dst.Data[3*i+j] = float32(J[0][j]*r[0] + J[1][j]*r[1] + J[2][j]*r[2] + J[3][j]*r[3])
		}
	}
	return dst
}

// The names of the inverse updates.
const (
	GaussNewton = "gauss-newton"
	Analytic    = "analytic"
)

// Updates returns ["gauss-newton", "analytic"].
func (Arm) Updates() []string { return []string{GaussNewton, Analytic} }

// Update computes Δθ of the named update (see the package doc) into dst.
func (Arm) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	if name != GaussNewton && name != Analytic {
		panic(fmt.Sprintf("arm: Update: unknown update %q (updates: %s, %s)", name, GaussNewton, Analytic))
	}
	b := pair("Update", x, y)
	dst = dstTensor("Update", dst, b, 3)
	for i := range b {
		t := theta(x, i)
		var d [3]float64
		if name == GaussNewton {
			d = gaussNewton(t, y, i)
		} else {
			d = analytic(t, [4]float64{float64(y.Data[4*i]), float64(y.Data[4*i+1]), float64(y.Data[4*i+2]), float64(y.Data[4*i+3])})
		}
		for j := range 3 {
			dst.Data[3*i+j] = float32(d[j])
		}
	}
	return dst
}

// gaussNewton solves (JᵀJ + λI)Δθ = −Jᵀr by Cramer's rule (a symmetric 3×3 system).
func gaussNewton(t [3]float64, y *core.Tensor, i int) [3]float64 {
	p := At(t)
	r, J := residual(p, y, i), p.jacobian()
	var A [3][3]float64
	var g [3]float64
	for j := range 3 {
		for k := range 3 {
			A[j][k] = J[0][j]*J[0][k] + J[1][j]*J[1][k] + J[2][j]*J[2][k] + J[3][j]*J[3][k]
		}
		A[j][j] += Damping
		g[j] = -(J[0][j]*r[0] + J[1][j]*r[1] + J[2][j]*r[2] + J[3][j]*r[3])
	}
	det := func(m [3][3]float64) float64 {
		return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
			m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	}
	D := det(A)
	var d [3]float64
	for c := range 3 {
		m := A
		for row := range 3 {
			m[row][c] = g[row]
		}
		d[c] = det(m) / D
	}
	return d
}

// Inverse returns the θ with P(θ) = y* on the branch of sign (θ₃ ≥ 0 for sign ≥ 0), the
// hand's distance from the elbow clamped to the reachable [|L₂ − L₃|, L₂ + L₃].
func Inverse(y [4]float64, sign float64) [3]float64 {
	L := Lengths
	t1 := math.Atan2(y[1], y[0])
	dx, dy := y[2]-y[0], y[3]-y[1]
	D := math.Sqrt(dx*dx + dy*dy)
	D = math.Max(math.Abs(L[1]-L[2]), math.Min(L[1]+L[2], D))
	c := (D*D - L[1]*L[1] - L[2]*L[2]) / (2 * L[1] * L[2])
	t3 := math.Acos(math.Max(-1, math.Min(1, c)))
	if sign < 0 {
		t3 = -t3
	}
	a2 := math.Atan2(dy, dx) - math.Atan2(L[2]*math.Sin(t3), L[1]+L[2]*math.Cos(t3))
	return [3]float64{t1, a2 - t1, t3}
}

// wrap returns v shifted by a multiple of 2π into [−π, π).
func wrap(v float64) float64 { return v - 2*math.Pi*math.Floor(v/(2*math.Pi)+0.5) }

func analytic(t [3]float64, y [4]float64) [3]float64 {
	inv := Inverse(y, t[2])
	return [3]float64{wrap(inv[0] - t[0]), wrap(inv[1] - t[1]), wrap(inv[2] - t[2])}
}

// MetricNames returns x_l1, y_l2, hand_dist and wrist_flip.
func (Arm) MetricNames() []string { return []string{"x_l1", "y_l2", "hand_dist", "wrist_flip"} }

// Metrics writes, averaged over the batch: x_l1 = the MAE of θ against θ*, y_l2 =
// ½‖P(θ) − y*‖², hand_dist = ‖h(θ) − h*‖₂ (how far the hand is from its target), and
// wrist_flip = the fraction of examples on the other branch than θ* (θ₃·θ₃* < 0): a
// network that solves the problem may choose either branch, so x_l1 alone misjudges it.
func (Arm) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	b := pair("Metrics", x, y)
	if check("Metrics", xTrue, xShape) != b {
		panic("arm: Metrics: xTrue's batch differs")
	}
	dst = dstSlice("Metrics", dst, 4)
	var l1, l2, hd, flip float64
	for i := range b {
		t := theta(x, i)
		for j := range 3 {
			l1 += math.Abs(t[j] - float64(xTrue.Data[3*i+j]))
		}
		r := residual(At(t), y, i)
		l2 += 0.5 * (r[0]*r[0] + r[1]*r[1] + r[2]*r[2] + r[3]*r[3])
		hd += math.Sqrt(r[2]*r[2] + r[3]*r[3])
		if t[2]*float64(xTrue.Data[3*i+2]) < 0 {
			flip++
		}
	}
	n := float64(b)
	dst[0], dst[1], dst[2], dst[3] = l1/(3*n), l2/n, hd/n, flip/n
	return dst
}

// Preset is the arm's preset: an MLP 4-32-64-32-3 learns θ from (e, h); SIP training with
// each inverse update, Adam through the adjoint, and supervised training on θ*.
var Preset = &presets.Preset{
	Name: "arm",
	Description: "Inverse kinematics of a planar arm of three links (not in the paper; examples/arm): " +
		"find the joint angles θ from the elbow's and the hand's positions. Two θ explain each " +
		"observation (wrist up or down): SIP training (gauss-newton, analytic) and Adam fit one of them, " +
		"supervised training averages the two.",
	Network:   "MLP 4-32-64-32-3, ReLU",
	Metric:    "hand_dist",
	Reference: "analytic",
	Reduction: optimizers.Mean,
	Methods: []presets.MethodDef{
		{Method: optimizers.Method{Name: "gauss-newton", Source: optimizers.Inverse, Update: GaussNewton, Optimizer: "adam", LR: 1e-3}, Default: true},
		{Method: optimizers.Method{Name: "analytic", Source: optimizers.Inverse, Update: Analytic, Optimizer: "adam", LR: 1e-3}, Default: true},
		{Method: optimizers.Method{Name: "adam", Source: optimizers.Adjoint, Optimizer: "adam", LR: 1e-3}, Default: true},
		{Method: optimizers.Method{Name: "supervised", Source: optimizers.Supervised, Optimizer: "adam", LR: 1e-3}, Default: true},
		// Half-inverse gradients (optimizer hig, κ = ½) through the joint Jacobian of network
		// and arm: 64 × 4 rows × 4,451 weights. Not the physics' own Gauss–Newton above.
		{Method: optimizers.Method{Name: "hig", Source: optimizers.Adjoint, Optimizer: "hig", LR: 1,
			Tau: optimizers.DefaultTau, Kappa: optimizers.DefaultKappa}},
	},
	Scales: []presets.Scale{
		{Name: "quick", Note: "3000 steps", Common: presets.Common{Steps: 3000, Batch: 64, SnapshotEvery: 100, CheckpointEvery: 500}},
		{Name: "long", Note: "30,000 steps", Common: presets.Common{Steps: 30000, Batch: 64, SnapshotEvery: 500, CheckpointEvery: 5000}},
	},
	NewProblem: func(presets.Settings) problems.Problem { return Arm{} },
	NewNetwork: func(presets.Settings) presets.Network {
		return presets.Network{Kind: presets.MLP, Sizes: []int{4, 32, 64, 32, 3}, Activation: "relu"}
	},
}

func init() { presets.Register(Preset) }
