package runner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/sipbench/sipbench/slurm"
)

// ArrayRun is one run folder whose jobs an array trains. Rel is its path below the folder
// that holds the array's slurm.json: "" for that folder itself, a combination's
// sub-folder name in a sweep.
type ArrayRun struct {
	Rel string
	Run *Run
}

// SubmitOptions say how to submit an array.
type SubmitOptions struct {
	slurm.Options
	Name       string   // the array's job name
	Exe        string   // the sipbench binary that each task runs (on a shared file system)
	WorkDir    string   // the tasks' working folder
	RequeueMax int      // passed to train-task --requeue-max
	Comment    []string // lines added to the script's header (the command that wrote it)
	DryRun     bool     // write the script and slurm.json, submit nothing
	Client     slurm.Client
}

// Submission is what SubmitArray wrote and submitted.
type Submission struct {
	Array  string // the array's id; "" for a dry run
	Path   string // the batch script
	Script string // its text
	Tasks  int
}

// SubmitError says that sbatch refused an array; every job of it was marked failed with
// Msg, sbatch's message.
type SubmitError struct {
	Dir, Msg string
}

func (e *SubmitError) Error() string {
	return fmt.Sprintf("sbatch refused the array (%s marked failed): %s", e.Dir, e.Msg)
}

// SubmitArray writes the batch script (dir/slurm/array.sh) and slurm.json of dir, a run
// folder or a sweep folder whose runs are its sub-folders, and submits one job array
// with a task per job of runs, task i training the i-th job in the order of runs and of
// their jobs; each combination of a sweep gets a slurm.json of its own tasks, so that it
// can be watched alone. The runs must have been created (Create) and not started. When
// sbatch refuses, every job is marked failed with its message (so the folder never looks
// queued) and the error is a *SubmitError.
func SubmitArray(dir string, runs []ArrayRun, o SubmitOptions) (Submission, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Submission{}, err
	}
	rec := &slurm.Record{Script: slurm.ScriptFile}
	subs := map[string]*slurm.Record{}
	for _, ar := range runs {
		if ar.Rel != "" {
			subs[ar.Rel] = &slurm.Record{Script: filepath.Join("..", slurm.ScriptFile)}
		}
		for _, j := range ar.Run.Info.Jobs {
			tj := slurm.TaskJob{Task: len(rec.Tasks), Run: ar.Rel, Job: j.ID}
			rec.Tasks = append(rec.Tasks, tj)
			if s := subs[ar.Rel]; s != nil {
				s.Tasks = append(s.Tasks, slurm.TaskJob{Task: tj.Task, Job: j.ID})
			}
		}
	}
	script := &slurm.Script{
		Options: o.Options,
		Name:    o.Name,
		Tasks:   len(rec.Tasks),
		Log:     filepath.Join(abs, slurm.LogPattern),
		Dir:     o.WorkDir,
		Command: []string{o.Exe, "train-task", abs, "--requeue-max", fmt.Sprint(o.RequeueMax)},
		Comment: append([]string{
			"sipbench: one array task per job of " + abs + ";",
			"task i trains the job that slurm.json maps it to. Each task's log: slurm/ARRAY_TASK.log.",
		}, append(o.Comment,
			"Re-submit by hand with: sbatch "+filepath.Join(abs, slurm.ScriptFile),
			"(sbatch --array=3 "+filepath.Join(abs, slurm.ScriptFile)+" re-submits task 3 alone).")...),
	}
	path, err := slurm.WriteScript(abs, script)
	if err != nil {
		return Submission{}, err
	}
	sub := Submission{Path: path, Script: script.String(), Tasks: script.Tasks}
	write := func() error {
		if err := slurm.WriteRecord(abs, rec); err != nil {
			return err
		}
		for rel, s := range subs {
			s.Array, s.Submitted = rec.Array, rec.Submitted
			if err := slurm.WriteRecord(filepath.Join(abs, rel), s); err != nil {
				return err
			}
		}
		return nil
	}
	if err := write(); err != nil {
		return sub, err
	}
	if o.DryRun {
		return sub, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, err := o.Client.Submit(ctx, path)
	if err != nil {
		msg := err.Error()
		var ce *slurm.CommandError
		if errors.As(err, &ce) {
			msg = ce.Msg
		}
		for _, ar := range runs {
			for _, j := range ar.Run.Info.Jobs {
				SetJobState(ar.Run.Dir, j.ID, Failed, "never submitted to Slurm: "+msg)
			}
		}
		return sub, &SubmitError{Dir: dir, Msg: msg}
	}
	rec.Array, rec.Submitted = id, time.Now().UTC().Format(time.RFC3339)
	sub.Array = id
	if err := write(); err != nil {
		return sub, fmt.Errorf("runner: submitted array %s, but recording it in %s failed: %v", id, dir, err)
	}
	return sub, nil
}
