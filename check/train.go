package check

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/sipbench/sipbench/eval"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/runner"
	"github.com/sipbench/sipbench/summary"
)

// TrainOptions tune Train. The callbacks are called from Train's goroutine.
type TrainOptions struct {
	// Workers is the number of jobs that train at once (runner.Options.Workers); 0: the
	// number of cores.
	Workers int
	// Started, if set, is called when an experiment starts (or resumes) training, with its
	// run folder.
	Started func(e Experiment, dir string)
	// Finished, if set, is called when an experiment's jobs and Table 1 evaluations have
	// ended, with the jobs' final states and the time it took.
	Finished func(e Experiment, dir string, states map[string]folder.State, took time.Duration)
	// Row, if set, is called once for each row when it becomes final (not Pending), as
	// soon as the runs it needs have finished.
	Row func(Row)
}

// Train trains the experiments of the check folder dir (Create) one after the other,
// each into its run folder; an experiment whose folder exists already is resumed (its
// unfinished jobs continue from their checkpoints), so that an interrupted check goes on
// where it stopped. After training an experiment with Table1 settings, it evaluates Table 1
// for the network of the reference method of every seed (runner.WriteJobTable1). It
// returns the check's Table. Cancelling ctx stops the jobs with checkpoints written and
// returns ctx's error.
func Train(ctx context.Context, dir string, o TrainOptions) (*Table, error) {
	pl, err := ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	reported := map[string]bool{}
	report := func() (*Table, error) {
		t, err := Evaluate(dir)
		if err != nil {
			return nil, err
		}
		for _, r := range t.Rows {
			if r.Verdict.Final() && !reported[r.Claim.ID] {
				reported[r.Claim.ID] = true
				if o.Row != nil {
					o.Row(r)
				}
			}
		}
		return t, nil
	}
	if _, err := report(); err != nil {
		return nil, err
	}
	for _, e := range pl.Experiments {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rdir := filepath.Join(dir, e.Name)
		start := time.Now()
		states, err := trainExperiment(ctx, pl, e, rdir, o)
		if err != nil {
			return nil, fmt.Errorf("check: %s: %v", e.Name, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if e.Table1 != nil {
			if err := table1(ctx, rdir, *e.Table1); err != nil {
				return nil, fmt.Errorf("check: %s: Table 1: %v", e.Name, err)
			}
		}
		if o.Finished != nil {
			o.Finished(e, rdir, states, time.Since(start))
		}
		if _, err := report(); err != nil {
			return nil, err
		}
	}
	return report()
}

// trainExperiment creates or opens the experiment's run folder and trains its unfinished
// jobs.
func trainExperiment(ctx context.Context, pl *Plan, e Experiment, dir string, o TrainOptions) (map[string]folder.State, error) {
	var r *runner.Run
	var err error
	if isRun(dir) {
		r, err = runner.Open(dir)
	} else {
		spec, serr := e.Spec(pl.Scale)
		if serr != nil {
			return nil, serr
		}
		r, err = runner.Create(spec, pl.Seeds, dir)
	}
	if err != nil {
		return nil, err
	}
	if o.Started != nil {
		o.Started(e, dir)
	}
	if err := r.Start(ctx, runner.Options{Workers: o.Workers}); err != nil {
		return nil, err
	}
	return r.Wait(), nil
}

// table1 evaluates Table 1 for the reference method's network of every seed of the run in
// dir that is done and has no evaluation yet: the network against the iterated solver (no
// gradient-descent row; the claim does not need it). The network predicts on one thread,
// as the solver runs.
func table1(ctx context.Context, dir string, s Table1Settings) error {
	info, err := folder.ReadInfo(dir)
	if err != nil {
		return err
	}
	for _, seed := range info.Seeds {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := folder.JobID(info.Reference, seed)
		if st, err := folder.ReadStatus(dir, id); err != nil || st.State != folder.Done {
			continue
		}
		if _, err := summary.ReadJobTable1(dir, id); err == nil {
			continue
		}
		m, err := summary.LoadModel(dir, id)
		if err != nil {
			return err
		}
		p := m.Spec.NewProblem()
		o := eval.Table1Options{Examples: s.Examples, Seed: uint64(seed), MaxIters: s.MaxIters,
			TimeLimit: time.Duration(s.TimeLimit * float64(time.Second)), NoGD: true}
		res, err := eval.Table1(p, m.Predictor(p, 1), o, io.Discard)
		if err != nil {
			return err
		}
		if err := summary.WriteJobTable1(dir, summary.NewTable1Result(m, res)); err != nil {
			return err
		}
	}
	return nil
}
