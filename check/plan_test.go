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
		pl, err := NewPlan(scale, []int{0}, nil)
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
}
