package check

import (
	"slices"
	"strings"
	"testing"
)

// TestPlans: at every scale, every claim has an experiment that measures it or a reason
// why the scale skips it, every experiment resolves, and --only by preset or claim picks
// the experiments those claims need.
func TestPlans(t *testing.T) {
	t.Parallel()
	for _, scale := range Scales {
		pl, err := NewPlan(scale, []int{0, 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range pl.Experiments {
			if _, err := e.Spec(scale); err != nil {
				t.Errorf("%s: experiment %s: %v", scale, e.Name, err)
			}
		}
		for _, c := range pl.Claims() {
			_, skip := pl.Skipped[c.ID]
			covered := slices.ContainsFunc(pl.Experiments, func(e Experiment) bool { return e.measures(c) })
			if !c.Table1 {
				covered = true
				for _, term := range c.Terms {
					covered = covered && slices.ContainsFunc(pl.Experiments, func(e Experiment) bool { return e.trains(c)(term) })
				}
			}
			if covered == skip {
				t.Errorf("%s: claim %s: every term trained: %v, skipped: %v; want exactly one", scale, c.ID, covered, skip)
			}
		}
	}
	for _, c := range []struct {
		scale string
		only  []string
		want  []string
	}{
		{Quick, []string{"fig6b-60"}, []string{"poisson"}},
		{Quick, []string{"poisson"}, []string{"poisson", "poisson-2nd"}},
		{Quick, []string{"fig6d-adahessian"}, []string{"heat", "heat-2nd"}}, // SIP's run, and AdaHessian's
		{Paper, []string{"fig6b-hf"}, []string{"poisson", "poisson-2nd"}},
		{Paper, []string{"poisson"}, []string{"poisson", "poisson-2nd"}},
		{Quick, []string{"fig5d"}, []string{"rotation-xi1-phi0", "rotation-xi32-phi0"}},
		{Quick, []string{"fig5c-only", "table1"}, []string{"rotation-xi32-phi45", "fluid"}},
		{Quick, []string{"fig6b-hf"}, nil}, // skipped at the quick scale
	} {
		pl, err := NewPlan(c.scale, []int{0}, c.only)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range pl.Experiments {
			got = append(got, e.Name)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s --only %v: experiments %v; want %v", c.scale, c.only, got, c.want)
		}
	}
	if _, err := NewPlan(Quick, []int{0}, []string{"fig9"}); err == nil || !strings.Contains(err.Error(), "claims: fig1, fig2") {
		t.Errorf("--only fig9: %v", err)
	}
	if _, err := NewPlan("huge", []int{0}, nil); err == nil {
		t.Error("scale huge planned")
	}
	if _, err := NewPlan(Full, []int{0}, nil); err == nil || !strings.Contains(err.Error(), "at least 2 seeds") {
		t.Errorf("a full check with one seed: %v", err)
	}
}

// TestFullPlan: the full scale trains every claim to the step the paper names, at the
// presets' paper scale (the original settings), nothing skipped.
func TestFullPlan(t *testing.T) {
	t.Parallel()
	pl, err := NewPlan(Full, []int{0, 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Skipped) != 0 {
		t.Errorf("skipped %v; the full scale skips nothing", pl.Skipped)
	}
	want := map[string]int{"exp": 100000, "rotation-xi32-phi45": RotationFullSteps, "rotation-xi1-phi0": RotationFullSteps,
		"rotation-xi32-phi0": RotationFullSteps, "poisson": 5000, "poisson-2nd": 60, "heat": 10000, "heat-2nd": 100, "fluid": 20000}
	for _, e := range pl.Experiments {
		spec, err := e.Spec(pl.Scale)
		if err != nil {
			t.Fatal(err)
		}
		if spec.Scale != Paper {
			t.Errorf("%s: preset scale %q; want paper", e.Name, spec.Scale)
		}
		if n, ok := want[e.Name]; ok && (spec.Common.Steps != n || spec.Common.MaxSeconds != 0) {
			t.Errorf("%s: %d steps, max %v s; want %d steps, no time limit", e.Name, spec.Common.Steps, spec.Common.MaxSeconds, n)
		}
	}
	// Each claim at a named step is trained to it.
	for _, c := range pl.Claims() {
		if c.Step == End || c.Table1 {
			continue
		}
		for _, term := range c.Terms {
			ok := slices.ContainsFunc(pl.Experiments, func(e Experiment) bool {
				spec, _ := e.Spec(pl.Scale)
				return e.trains(c)(term) && spec.Common.Steps >= c.Step
			})
			if !ok {
				t.Errorf("%s: no experiment trains %s to step %d", c.ID, term.Method, c.Step)
			}
		}
	}
}
