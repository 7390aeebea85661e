package tunecmd

import (
	"strings"
	"testing"

	"github.com/sipbench/sipbench/tune"
)

// TestTuneEdge: a best rate at the grid's lowest is flagged in tune's table; a rate inside
// the grid, and a momentum of 0 (its least possible value), are not. (check --tuned's
// notes: checkcmd's TestTunedEdgeNote.)
func TestTuneEdge(t *testing.T) {
	var b strings.Builder
	rec := &tune.Record{Plan: tune.Plan{Preset: "rotation"}, Metric: "x_dist", Best: []tune.Best{
		{Method: "sgd", LR: 1e-5, Hypers: []tune.HyperValue{{Name: "momentum", Value: 0}}, Edge: []string{"lr 1e-05, the lowest tried"}},
		{Method: "adam", LR: 1e-3},
	}}
	Print(&b, "DIR", rec)
	if out := b.String(); !strings.Contains(out, "warning: sgd's best is at the end of the range searched (lr 1e-05, the lowest tried)") ||
		strings.Contains(out, "adam's best") {
		t.Errorf("Print:\n%s", out)
	}
}
