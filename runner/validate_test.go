package runner

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/summary"
)

// TestValidate scores a tiny rotation run on held-out examples: the examples are the
// validation stream's (the metric of the model's predictions on them, computed here by
// hand), the same every call, and not the training stream's; a diverged job scores +Inf.
func TestValidate(t *testing.T) {
	t.Parallel()
	s := spec(t, "rotation", []string{"sip", "sgd"}, "steps=20", "batch=8", "lr.sgd=1e38")
	dir, st := train(t, s, []int{3}, 2)
	if st["sip-seed3"] != folder.Done || st["sgd-seed3"] != folder.Diverged {
		t.Fatalf("states %v; want sip done, sgd (lr 1e38) diverged", st)
	}
	got, err := summary.Validate(dir, "sip-seed3", "", 8, 3)
	if err != nil {
		t.Fatal(err)
	}
	m, err := summary.LoadModel(dir, "sip-seed3")
	if err != nil {
		t.Fatal(err)
	}
	p := s.NewProblem()
	col := 0
	for i, n := range p.MetricNames() {
		if n == s.Preset.Metric {
			col = i
		}
	}
	at := func(stream uint64) float64 {
		xTrue, y := p.Sample(rand.New(rand.NewPCG(3, stream)), 8)
		vals := p.Metrics(make([]float64, len(p.MetricNames())), m.Predict(p, y, 1), xTrue, y)
		return vals[col]
	}
	if want := at(summary.StreamValidation); got != want {
		t.Errorf("Validate = %v; want %v, the metric on the validation stream's first batch", got, want)
	}
	if train := at(streamData); got == train {
		t.Errorf("Validate = %v, the training stream's first batch's metric", got)
	}
	// 20 examples: batches of 8, 8 and 4, weighted by size.
	a, err1 := summary.Validate(dir, "sip-seed3", "", 20, 3)
	b, err2 := summary.Validate(dir, "sip-seed3", "", 20, 3)
	if err1 != nil || err2 != nil || a != b || math.IsNaN(a) || math.IsInf(a, 0) {
		t.Errorf("Validate of 20 examples: %v, %v (%v, %v); want equal finite values", a, b, err1, err2)
	}
	if v, err := summary.Validate(dir, "sgd-seed3", "", 8, 3); err != nil || !math.IsInf(v, 1) {
		t.Errorf("a diverged job scores %v, %v; want +Inf", v, err)
	}
	if _, err := summary.Validate(dir, "sip-seed3", "nope", 8, 3); err == nil {
		t.Error("an unknown metric is no error")
	}
	if _, err := summary.Validate(dir, "sip-seed3", "", 0, 3); err == nil {
		t.Error("0 examples is no error")
	}
}
