package runner

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/sipbench/sipbench/folder"
)

// TestClosureOptimizersResume trains the closure optimizers (AdaHessian, Hessian-free) on
// tiny poisson and heat runs (heat adjusts the prediction inside the graph) and checks
// that the metrics are finite, change over the run, and that a run cancelled after its
// checkpoint and resumed equals the uninterrupted one.
func TestClosureOptimizersResume(t *testing.T) {
	t.Parallel()
	for _, preset := range []string{"poisson", "heat"} {
		t.Run(preset, func(t *testing.T) {
			t.Parallel()
			s := spec(t, preset, []string{"adahessian", "hf"}, "steps=6", "checkpoint_every=3", "grid=8", "batch=2",
				"lr.adahessian=0.01")
			full, states := train(t, s, []int{0}, 2)
			info, _ := folder.ReadInfo(full)
			for _, j := range info.Jobs {
				if states[j.ID] != folder.Done {
					t.Fatalf("%s %s: state %s; want done", preset, j.ID, states[j.ID])
				}
				rows := readAll(t, full, j.ID, info.Metrics)
				if len(rows) != 6 {
					t.Fatalf("%s %s: %d rows; want 6", preset, j.ID, len(rows))
				}
				for _, r := range rows {
					for _, v := range r.Metrics {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Fatalf("%s %s: non-finite metric at step %d", preset, j.ID, r.Step)
						}
					}
				}
				if rows[0].Metrics[0] == rows[5].Metrics[0] && rows[1].Metrics[0] == rows[4].Metrics[0] {
					t.Errorf("%s %s: x_l1 did not change; the optimizer did not step", preset, j.ID)
				}
			}

			dir := filepath.Join(t.TempDir(), "run")
			r, err := Create(s, []int{0}, dir)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			sub := r.Subscribe()
			r.Start(ctx, Options{Workers: 2})
			for range sub.C {
				for _, e := range sub.Drain() {
					if e.Kind == EvMetrics && e.Step == 4 {
						r.Cancel(e.Job)
					}
				}
			}
			cancel()
			r.Wait()
			r2, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			r2.Start(context.Background(), Options{Workers: 1})
			r2.Wait()
			for _, j := range info.Jobs {
				a, b := readAll(t, full, j.ID, info.Metrics), readAll(t, dir, j.ID, info.Metrics)
				if !sameMetrics(a, b) {
					t.Errorf("%s %s: resumed run differs from the uninterrupted one", preset, j.ID)
				}
			}
		})
	}
}
