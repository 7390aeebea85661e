package optimizers

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sipbench/sipbench/core"
)

// torchCase is one optimizer run on one problem, with the parameters PyTorch produced after
// every step (all parameters flattened and concatenated).
type torchCase struct {
	name    string
	problem string
	lr      float64
	opt     func(ps []*core.Param, lr float64) Optimizer
	want    [][]float32
}

// The problems of gen_reference.py, mirrored exactly.
var (
	quadInit = [][]float32{{1.0, -2.0, 0.5}, {0.3, -0.7, 1.5, -0.05}}
	quadA    = [][]float32{{0.5, 2.0, 8.0}, {1.0, 0.1, 4.0, 3.0}}
	fixedG   = []float32{1e-3, -2.5, 0}
)

// runProblem runs o (built by mk) for steps steps of the named gen_reference.py problem and
// returns the flattened parameters after every step. The quadratic problem multiplies the
// learning rate by 0.3 after step 5.
func runProblem(problem string, mk func(ps []*core.Param, lr float64) Optimizer, lr float64, steps int) [][]float32 {
	var ps []*core.Param
	switch problem {
	case "quadratic":
		ps = []*core.Param{core.NewParam("p0", 3), core.NewParam("p1", 2, 2)}
		for i, p := range ps {
			copy(p.Value.Data, quadInit[i])
		}
	case "fixed":
		ps = []*core.Param{core.NewParam("p0", 3)}
	default:
		panic("unknown problem " + problem)
	}
	o := mk(ps, lr)
	var rows [][]float32
	for k := 1; k <= steps; k++ {
		if problem == "quadratic" && k == 6 {
			o.SetLearningRate(lr * 0.3)
		}
		for i, p := range ps {
			if problem == "quadratic" {
				for j, x := range p.Value.Data {
					p.Grad.Data[j] = quadA[i][j] * x
				}
			} else {
				copy(p.Grad.Data, fixedG)
			}
		}
		o.Step()
		var row []float32
		for _, p := range ps {
			row = append(row, p.Value.Data...)
		}
		rows = append(rows, row)
	}
	return rows
}

// ulps returns the distance between a and b in units in the last place of float32.
func ulps(a, b float32) int64 {
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia&(1<<31) != 0 {
		ia = 1<<31 - ia
	}
	if ib&(1<<31) != 0 {
		ib = 1<<31 - ib
	}
	d := ia - ib
	if d < 0 {
		d = -d
	}
	return d
}

func TestAgainstPyTorch(t *testing.T) {
	t.Parallel()
	// maxULP 0: the Go code performs PyTorch's float32 operations in PyTorch's order with
	// the same roundings, including the fused multiply-adds of its compiled CPU kernels
	// (fma32), and agrees to the bit on every step (x86-64). Only the bias corrections of
	// Adam go through pow in float64, where Go's math.Pow and C's pow could differ in the
	// last bit; if that ever changes a float32, raise this to 1.
	const maxULP = 0
	for _, c := range torchReference {
		got := runProblem(c.problem, c.opt, c.lr, len(c.want))
		for k, row := range c.want {
			for j, w := range row {
				if d := ulps(got[k][j], w); d > maxULP {
					t.Errorf("%s on %s: step %d, element %d: got %.9g, want %.9g (PyTorch), %d ulps apart",
						c.name, c.problem, k+1, j, got[k][j], w, d)
				}
			}
		}
	}
}

// TestDecreasesQuadratic checks that every optimizer, with a learning rate suited to it,
// lowers a convex, badly scaled quadratic f(θ) = ½ Σ aᵢθᵢ² from a random start.
func TestDecreasesQuadratic(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		lr    float64
		steps int
	}{
		{"sgd", 0.05, 200},
		{"adam", 0.05, 200},
		{"adagrad", 0.5, 200},
		{"adadelta", 1.0, 200},
		{"rmsprop", 0.01, 200},
	} {
		rng := rand.New(rand.NewPCG(1, 1))
		p := core.NewParam("theta", 8)
		a := make([]float32, 8)
		for i := range a {
			a[i] = float32(math.Pow(10, 3*float64(i)/7-2)) // curvatures 1e-2 … 1e1
			p.Value.Data[i] = float32(rng.NormFloat64())
		}
		f := func() float64 {
			var s float64
			for i, x := range p.Value.Data {
				s += 0.5 * float64(a[i]) * float64(x) * float64(x)
			}
			return s
		}
		o, err := New(c.name, []*core.Param{p}, c.lr)
		if err != nil {
			t.Fatal(err)
		}
		f0 := f()
		for range c.steps {
			for i, x := range p.Value.Data {
				p.Grad.Data[i] = a[i] * x
			}
			o.Step()
		}
		// Every method takes at least lr·(a few %) per step along each coordinate; over
		// 200 steps the stiff coordinates (which hold most of f) are resolved, so a
		// reduction by half is a loose bound that a wrong sign or scale would fail.
		if f1 := f(); !(f1 < 0.5*f0) {
			t.Errorf("%s, lr %v: f went from %g to %g in %d steps; want a decrease by half", c.name, c.lr, f0, f1, c.steps)
		}
	}
}

// TestStateRoundTrip checks that copying one optimizer's State into a fresh one makes the
// next Step identical, bit for bit.
func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	for _, mk := range torchReference[:6] {
		rng := rand.New(rand.NewPCG(1, 1))
		newParams := func() []*core.Param {
			return []*core.Param{core.NewParam("a", 4), core.NewParam("b", 2, 3)}
		}
		randomise := func(ts []*core.Param, grads bool) {
			for _, p := range ts {
				x := p.Value
				if grads {
					x = p.Grad
				}
				for i := range x.Data {
					x.Data[i] = float32(rng.NormFloat64())
				}
			}
		}
		ps := newParams()
		randomise(ps, false)
		o := mk.opt(ps, mk.lr)
		for range 3 {
			randomise(ps, true)
			o.Step()
		}
		// Save: values, state; then build a fresh optimizer on fresh params and restore.
		qs := newParams()
		for i := range ps {
			qs[i].Value.CopyFrom(ps[i].Value)
		}
		q := mk.opt(qs, mk.lr)
		src, dst := o.State(), q.State()
		if len(src) != len(dst) {
			t.Fatalf("%s: State lengths %d and %d", mk.name, len(src), len(dst))
		}
		if src[0].Len() != 1 || src[0].Data[0] != 3 {
			t.Errorf("%s: State()[0] = %v; want the step count [3]", mk.name, src[0].Data)
		}
		for i := range src {
			dst[i].CopyFrom(src[i])
		}
		randomise(ps, true)
		for i := range ps {
			qs[i].Grad.CopyFrom(ps[i].Grad)
		}
		o.Step()
		q.Step()
		for i := range ps {
			for j, x := range ps[i].Value.Data {
				if y := qs[i].Value.Data[j]; math.Float32bits(x) != math.Float32bits(y) {
					t.Errorf("%s: after restore, param %d[%d] = %v; want %v", mk.name, i, j, y, x)
				}
			}
		}
		for i, s := range o.State() {
			for j, x := range s.Data {
				if y := q.State()[i].Data[j]; math.Float32bits(x) != math.Float32bits(y) {
					t.Errorf("%s: after restore, state %d[%d] = %v; want %v", mk.name, i, j, y, x)
				}
			}
		}
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	ps := []*core.Param{core.NewParam("w", 2)}
	for _, name := range Names {
		o, err := New(name, ps, 0.25)
		if err != nil {
			t.Errorf("New(%q): %v", name, err)
			continue
		}
		if o.LearningRate() != 0.25 {
			t.Errorf("New(%q).LearningRate() = %v; want 0.25", name, o.LearningRate())
		}
		o.SetLearningRate(0.5)
		if o.LearningRate() != 0.5 {
			t.Errorf("%s: after SetLearningRate(0.5), LearningRate() = %v", name, o.LearningRate())
		}
	}
	if sgd, _ := New("sgd", ps, 1); sgd.(*SGD).Momentum != 0 {
		t.Errorf(`New("sgd") has momentum %v; want 0`, sgd.(*SGD).Momentum)
	}
	_, err := New("Adam", ps, 1)
	if err == nil || !strings.HasPrefix(err.Error(), "optimizers: ") || !strings.Contains(err.Error(), "rmsprop") {
		t.Errorf(`New("Adam") error = %v; want an optimizers: error listing the accepted names`, err)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	ps := []*core.Param{core.NewParam("w", 2)}
	adam := NewAdam(ps, 1e-3)
	adagrad := NewAdagrad(ps, 1e-2)
	adadelta := NewAdadelta(ps, 1)
	rms := NewRMSprop(ps, 1e-2)
	// PyTorch's defaults (torch.optim documentation).
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"Adam.Beta1", adam.Beta1, 0.9},
		{"Adam.Beta2", adam.Beta2, 0.999},
		{"Adam.Eps", adam.Eps, 1e-8},
		{"Adagrad.Eps", adagrad.Eps, 1e-10},
		{"Adadelta.Rho", adadelta.Rho, 0.9},
		{"Adadelta.Eps", adadelta.Eps, 1e-6},
		{"RMSprop.Alpha", rms.Alpha, 0.99},
		{"RMSprop.Eps", rms.Eps, 1e-8},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	bad := &core.Param{Name: "w", Value: core.New(3), Grad: core.New(2)}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"negative lr", func() { NewAdam([]*core.Param{core.NewParam("w", 2)}, -1) }},
		{"shape mismatch", func() { NewSGD([]*core.Param{bad}, 1, 0) }},
		{"nil grad", func() { NewRMSprop([]*core.Param{{Name: "w", Value: core.New(2)}}, 1) }},
		{"negative momentum", func() { NewSGD(nil, 1, -0.5) }},
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "optimizers: ") {
					t.Errorf("%s: recovered %v; want a panic starting with \"optimizers: \"", c.name, r)
				}
			}()
			c.f()
		}()
	}
}

// Generated by optimizers/gen_reference.py with PyTorch 1.13.0a0 (CPU).
var torchReference = []torchCase{
	{name: "sgd", problem: "quadratic", lr: 0.1, opt: func(ps []*core.Param, lr float64) Optimizer { return NewSGD(ps, lr, 0) }, want: [][]float32{
		{0.949999988, -1.60000002, 0.099999994, 0.270000011, -0.692999959, 0.899999976, -0.0350000001},
		{0.902499974, -1.27999997, 0.0199999977, 0.243000016, -0.686069965, 0.539999962, -0.0244999994},
		{0.857374966, -1.02399993, 0.00399999926, 0.218700007, -0.679209292, 0.323999971, -0.0171499997},
		{0.814506233, -0.81919992, 0.000799999805, 0.196830004, -0.672417223, 0.194399983, -0.0120049994},
		{0.773780942, -0.655359924, 0.000159999952, 0.177147001, -0.665693045, 0.116639987, -0.00840349961},
		{0.762174249, -0.616038322, 0.000121599965, 0.171832591, -0.663695991, 0.102643192, -0.00764718466},
		{0.750741661, -0.579076052, 9.24159758e-05, 0.166677609, -0.661704898, 0.0903260112, -0.0069589382},
		{0.739480555, -0.544331491, 7.02361431e-05, 0.161677286, -0.659719765, 0.0794868916, -0.00633263402},
		{0.728388369, -0.511671603, 5.337947e-05, 0.156826973, -0.657740593, 0.0699484646, -0.0057626972},
		{0.71746254, -0.480971307, 4.05683968e-05, 0.15212217, -0.655767381, 0.061554648, -0.00524405437},
	}},
	{name: "sgd-momentum", problem: "quadratic", lr: 0.1, opt: func(ps []*core.Param, lr float64) Optimizer { return NewSGD(ps, lr, 0.9) }, want: [][]float32{
		{0.949999988, -1.60000002, 0.099999994, 0.270000011, -0.692999959, 0.899999976, -0.0350000001},
		{0.857500017, -0.920000017, -0.339999974, 0.216000006, -0.679769933, -3.7252903e-08, -0.010999999},
		{0.731375039, -0.123999998, -0.463999957, 0.145800009, -0.661065221, -0.810000002, 0.0139000015},
		{0.581293821, 0.617200017, -0.204399988, 0.0680400059, -0.63762033, -1.21499991, 0.0321400017},
		{0.417156011, 1.16084003, 0.192759976, -0.00874799117, -0.610143721, -1.0934999, 0.0389139988},
		{0.36658147, 1.2379725, 0.253730774, -0.0292183086, -0.60089463, -0.92947489, 0.0372407176},
		{0.315565646, 1.23311329, 0.247709095, -0.0467650443, -0.590767741, -0.670315444, 0.0323830992},
		{0.26491794, 1.15475321, 0.182839409, -0.0611541569, -0.579881251, -0.35663408, 0.0250967648},
		{0.215361238, 1.01494396, 0.0805752352, -0.0722697303, -0.568343759, -0.0315247476, 0.0162803549},
		{0.167529792, 0.828218997, -0.0308005735, -0.0801056549, -0.556254983, 0.264856607, 0.00688035507},
	}},
	{name: "adam", problem: "quadratic", lr: 0.1, opt: func(ps []*core.Param, lr float64) Optimizer { return NewAdam(ps, lr) }, want: [][]float32{
		{0.900000036, -1.89999998, 0.400000006, 0.200000018, -0.600000024, 1.39999998, 0.0499999784},
		{0.800412238, -1.80016649, 0.301187426, 0.102964804, -0.500694454, 1.30023909, 0.0447368436},
		{0.701586306, -1.70062339, 0.204871252, 0.0132889971, -0.402743548, 1.20090294, 0.00712671503},
		{0.603939116, -1.60150492, 0.112915404, -0.0621826425, -0.30700174, 1.10219896, -0.028506659},
		{0.507963717, -1.50295579, 0.0278144553, -0.116177753, -0.214551747, 1.00435817, -0.0394637212},
		{0.479845554, -1.47360861, 0.00524066575, -0.124941789, -0.188202411, 0.975341618, -0.0356732048},
		{0.452300429, -1.44443917, -0.0145796463, -0.127677917, -0.163088709, 0.946601868, -0.027317103},
		{0.425278604, -1.41542733, -0.0317575186, -0.12561667, -0.139143184, 0.918109298, -0.016389519},
		{0.398759961, -1.38656366, -0.0463671684, -0.119787484, -0.116346076, 0.889850438, -0.0045746332},
		{0.372742712, -1.35784531, -0.0584762767, -0.111037001, -0.0947065353, 0.861821771, 0.00657614321},
	}},
	{name: "adagrad", problem: "quadratic", lr: 0.5, opt: func(ps []*core.Param, lr float64) Optimizer { return NewAdagrad(ps, lr) }, want: [][]float32{
		{0.5, -1.5, 0, -0.199999988, -0.199999988, 1, 0.449999988},
		{0.276393205, -1.20000005, 0, 0.0773501098, -0.0626394302, 0.722649932, -0.0469418764},
		{0.156398743, -0.983634472, 0, -0.0275289044, -0.0197768584, 0.536612928, 0.00462037697},
		{0.0891167074, -0.816484392, 0, 0.00969395414, -0.00624901056, 0.403457552, -0.000454511028},
		{0.0508913025, -0.68279022, 0, -0.00340910256, -0.00197469257, 0.305291891, 4.47104685e-05},
		{0.044348795, -0.650057733, 0, -0.00202676351, -0.00156948762, 0.283249527, 2.99778712e-05},
		{0.0386514962, -0.619545937, 0, -0.00120495423, -0.00124743115, 0.262986124, 2.00998293e-05},
		{0.0336888209, -0.590997815, 0, -0.000716373615, -0.000991460518, 0.244318604, 1.34767106e-05},
		{0.0293651298, -0.564203203, 0, -0.000425901497, -0.000788014731, 0.227090925, 9.03598448e-06},
		{0.0255975388, -0.538987398, 0, -0.000253208884, -0.00062631577, 0.211168483, 6.05852711e-06},
	}},
	{name: "adadelta", problem: "quadratic", lr: 1.0, opt: func(ps []*core.Param, lr float64) Optimizer { return NewAdadelta(ps, lr) }, want: [][]float32{
		{0.996837795, -1.99683774, 0.496837735, 0.296837896, -0.696840942, 1.49683774, -0.0468384251},
		{0.993598282, -1.99359572, 0.493603081, 0.293609977, -0.693606853, 1.49359655, -0.0436969362},
		{0.990309238, -1.99030077, 0.490325689, 0.29034853, -0.690326214, 1.49030352, -0.0406431183},
		{0.986984313, -1.98696601, 0.487020344, 0.287069768, -0.687013149, 1.48697197, -0.0377100669},
		{0.98363167, -1.98359919, 0.483695894, 0.283783436, -0.683676124, 1.4836098, -0.0349151157},
		{0.982619166, -1.98258114, 0.482694596, 0.282797217, -0.68266952, 1.48259354, -0.0341206454},
		{0.981599152, -1.9815551, 0.481686622, 0.281805456, -0.681655765, 1.48156953, -0.033333879},
		{0.980572402, -1.9805218, 0.480672777, 0.280808985, -0.680635631, 1.48053849, -0.0325555615},
		{0.979539514, -1.97948194, 0.479653686, 0.279808432, -0.679609716, 1.47950089, -0.0317862779},
		{0.978500903, -1.97843599, 0.478629827, 0.278804302, -0.678578556, 1.47845733, -0.0310264938},
	}},
	{name: "rmsprop", problem: "quadratic", lr: 0.01, opt: func(ps []*core.Param, lr float64) Optimizer { return NewRMSprop(ps, lr) }, want: [][]float32{
		{0.900000036, -1.89999998, 0.400000006, 0.200000048, -0.600000143, 1.39999998, 0.0499999262},
		{0.832917988, -1.83094335, 0.337339163, 0.144337028, -0.534732699, 1.33158505, -0.0208881088},
		{0.779982269, -1.7753495, 0.290433228, 0.106899552, -0.484263539, 1.27685142, 0.00763872266},
		{0.735389054, -1.72771382, 0.252825528, 0.0800555646, -0.442520976, 1.230196, -0.00278885476},
		{0.69646579, -1.68548155, 0.221570998, 0.0602513812, -0.406724691, 1.1890254, 0.00103457691},
		{0.686043441, -1.67400432, 0.213608563, 0.0558069423, -0.397306323, 1.17788529, 0.000606965041},
		{0.67628634, -1.66330171, 0.206136703, 0.0517084002, -0.388469905, 1.16748214, 0.000354838994},
		{0.667085409, -1.65323377, 0.199092492, 0.0479222462, -0.38012886, 1.15768695, 0.00020670236},
		{0.658358395, -1.64369798, 0.192425698, 0.044419758, -0.372216254, 1.14840412, 0.000119974793},
		{0.650041461, -1.63461649, 0.186095506, 0.0411760285, -0.364679098, 1.13956058, 6.93826005e-05},
	}},
	{name: "sgd", problem: "fixed", lr: 0.1, opt: func(ps []*core.Param, lr float64) Optimizer { return NewSGD(ps, lr, 0) }, want: [][]float32{
		{-0.000100000005, 0.25, 0},
		{-0.000200000009, 0.5, 0},
		{-0.000300000014, 0.75, 0},
		{-0.000400000019, 1, 0},
		{-0.000500000024, 1.25, 0},
		{-0.000600000028, 1.5, 0},
	}},
	{name: "sgd-momentum", problem: "fixed", lr: 0.1, opt: func(ps []*core.Param, lr float64) Optimizer { return NewSGD(ps, lr, 0.9) }, want: [][]float32{
		{-0.000100000005, 0.25, 0},
		{-0.000289999996, 0.725000024, 0},
		{-0.000561000023, 1.40250003, 0},
		{-0.00090490008, 2.26224995, 0},
		{-0.00131441012, 3.28602481, 0},
		{-0.00178296911, 4.45742226, 0},
	}},
	{name: "adam", problem: "fixed", lr: 0.1, opt: func(ps []*core.Param, lr float64) Optimizer { return NewAdam(ps, lr) }, want: [][]float32{
		{-0.0999989957, 0.099999994, 0},
		{-0.199997991, 0.199999988, 0},
		{-0.299996972, 0.299999982, 0},
		{-0.399995983, 0.399999976, 0},
		{-0.499994993, 0.49999997, 0},
		{-0.599994004, 0.599999964, 0},
	}},
	{name: "adagrad", problem: "fixed", lr: 0.5, opt: func(ps []*core.Param, lr float64) Optimizer { return NewAdagrad(ps, lr) }, want: [][]float32{
		{-0.49999994, 0.5, 0},
		{-0.853553295, 0.853553414, 0},
		{-1.14222836, 1.1422286, 0},
		{-1.39222836, 1.3922286, 0},
		{-1.61583519, 1.61583543, 0},
		{-1.81995928, 1.81995952, 0},
	}},
	{name: "adadelta", problem: "fixed", lr: 1.0, opt: func(ps []*core.Param, lr float64) Optimizer { return NewAdadelta(ps, lr) }, want: [][]float32{
		{-0.000953462732, 0.0031622753, 0},
		{-0.00191092317, 0.00640670117, 0},
		{-0.00287179882, 0.00970750488, 0},
		{-0.00383564038, 0.0130520649, 0},
		{-0.00480209198, 0.0164329335, 0},
		{-0.0057708649, 0.0198452193, 0},
	}},
	{name: "rmsprop", problem: "fixed", lr: 0.01, opt: func(ps []*core.Param, lr float64) Optimizer { return NewRMSprop(ps, lr) }, want: [][]float32{
		{-0.0999900028, 0.099999994, 0},
		{-0.170873106, 0.170888111, 0},
		{-0.228894651, 0.228913024, 0},
		{-0.279268831, 0.279289752, 0},
		{-0.324437588, 0.324460566, 0},
		{-0.365773797, 0.365798473, 0},
	}},
}

// TestFMA32 checks fma32 against a·b + c computed exactly with big.Float and rounded once to
// float32, on random operands and on constructed float32 rounding midpoints (where a
// float64 sum rounded again to float32 would go wrong).
func TestFMA32(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetFloat64(float64(c)))
		f, _ := x.Float32() // big.Float.Float32 rounds to nearest even, subnormals included
		return f
	}
	type abc struct{ a, b, c float32 }
	cases := []abc{
		// (2⁻¹² + 2⁻³⁵)(2⁻¹² − 2⁻³⁵) = 2⁻²⁴ − 2⁻⁷⁰. Added to 1 + 2⁻²³ the exact sum lies
		// just below the float32 midpoint 1 + 2⁻²³ + 2⁻²⁴ (answer 1 + 2⁻²³), but its float64
		// rounding is the midpoint itself, which ties to even (1 + 2⁻²²). The second case
		// lies just above a midpoint, with the tie going the wrong way.
		{0x1p-12 + 0x1p-35, 0x1p-12 - 0x1p-35, 1 + 0x1p-23},
		{-(0x1p-12 + 0x1p-35), 0x1p-12 - 0x1p-35, 1 + 3*0x1p-23},
		{3, 5, 7},
		{0, 0, 0},
		{1e-30, 1e-15, 1e-45},
	}
	for range 20000 {
		r := func() float32 {
			return float32(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(60)-30)))
		}
		cases = append(cases, abc{r(), r(), r()})
	}
	for _, c := range cases {
		if got, want := fma32(c.a, c.b, c.c), exact(c.a, c.b, c.c); math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("fma32(%g, %g, %g) = %.9g; want %.9g", c.a, c.b, c.c, got, want)
		}
	}
}
