package runner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/slurm"
)

// ArrayRun is one run folder whose jobs an array trains. Rel is its path below the folder
// that holds the array's slurm.json: "" for that folder itself, a combination's
// sub-folder name in a sweep.
type ArrayRun struct {
	Rel string
	Run *Run
	// Only, if not nil, lists the jobs to submit (resume --slurm): the others keep their
	// task numbers in slurm.json, but no array task trains them.
	Only []string
}

// SubmitOptions say how to submit an array.
type SubmitOptions struct {
	slurm.Options
	Name       string // the array's job name
	Exe        string // the sipbench binary that each task runs (on a shared file system)
	WorkDir    string // the tasks' working folder
	RequeueMax int    // passed to train-task --requeue-max
	// TaskArgs are further arguments of every train-task (a problem process's command,
	// with its program's absolute path, as the submitting sipbench was given it).
	TaskArgs []string
	Comment  []string // lines added to the script's header (the command that wrote it)
	DryRun   bool     // write the script and slurm.json, submit nothing
	Client   slurm.Client
	// MaxArraySize is the cluster's (scontrol show config): an array's indices are below
	// it, so a folder with more tasks is submitted as several arrays (Record.Parts). If 0,
	// it is asked of Slurm, and Slurm's default (1001) is used if that fails.
	MaxArraySize int
}

// Submission is what SubmitArray wrote and submitted.
type Submission struct {
	Array  string // the array's id; "" for a dry run
	Path   string // the batch script
	Script string // its text
	Tasks  int
}

// SubmitError says that sbatch refused an array; every job of it that no array took was
// marked cancelled with Msg, sbatch's message, so that `sipbench resume --slurm` (or the
// script submitted again) trains it.
type SubmitError struct {
	Dir, Msg string
}

func (e *SubmitError) Error() string {
	return fmt.Sprintf("sbatch refused the array (%s marked cancelled; sipbench resume %s --slurm submits it again): %s", e.Dir, e.Dir, e.Msg)
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
	var indices []int // the tasks to submit
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
			if ar.Only == nil || slices.Contains(ar.Only, j.ID) {
				indices = append(indices, tj.Task)
			}
		}
	}
	if len(indices) == 0 {
		return Submission{}, fmt.Errorf("runner: %s: no job to submit", dir)
	}
	// The same folder submitted again (resume --slurm) keeps its task numbers: the arrays
	// it had stay recorded, as previous ones, so that their pending tasks are followed.
	old, _ := slurm.ReadRecord(abs)
	if old != nil && !slices.Equal(old.Tasks, rec.Tasks) {
		old = nil
	}
	maxSize := o.MaxArraySize
	if maxSize <= 0 && !o.DryRun {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		maxSize, _ = o.Client.MaxArraySize(ctx)
		cancel()
	}
	if maxSize <= 0 {
		maxSize = slurm.DefaultMaxArraySize
	}
	// Parts: array p trains the tasks from p·maxSize on, its indices from 0.
	nparts := (len(rec.Tasks) + maxSize - 1) / maxSize
	scripts := make([]*slurm.Script, nparts)
	for p := range scripts {
		first := p * maxSize
		n := min(maxSize, len(rec.Tasks)-first)
		cmd := []string{o.Exe, "train-task", abs, "--requeue-max", fmt.Sprint(o.RequeueMax)}
		cmd = append(cmd, o.TaskArgs...)
		if first > 0 {
			cmd = append(cmd, "--first", fmt.Sprint(first))
		}
		file := slurm.PartScript(first)
		scripts[p] = &slurm.Script{
			Options: o.Options,
			Name:    o.Name,
			Tasks:   n,
			Log:     filepath.Join(abs, slurm.LogPattern),
			ErrLog:  filepath.Join(abs, slurm.ErrLogPattern),
			Dir:     o.WorkDir,
			Command: cmd,
			Comment: append([]string{
				fmt.Sprintf("sipbench: one array task per job of %s: index i trains task %d+i of", abs, first),
				"slurm.json's map. Each task's log: slurm/ARRAY_TASK.log (stderr: slurm/ARRAY_TASK.err).",
			}, append(o.Comment,
				"Re-submit by hand with: sbatch "+filepath.Join(abs, file),
				"(sbatch --array=3 "+filepath.Join(abs, file)+" re-submits its index 3 alone).")...),
		}
		if first > 0 {
			rec.Parts = append(rec.Parts, slurm.Part{First: first, Script: file})
		}
	}
	var sub Submission
	for p, sc := range scripts {
		path, err := slurm.WriteScriptAs(abs, slurm.PartScript(p*maxSize), sc)
		if err != nil {
			return Submission{}, err
		}
		if p == 0 {
			sub = Submission{Path: path, Script: sc.String()}
		}
		sub.Tasks += sc.Tasks
	}
	write := func() error {
		if err := slurm.WriteRecord(abs, rec); err != nil {
			return err
		}
		for rel, s := range subs {
			s.Array, s.Submitted, s.Previous, s.Parts = rec.Array, rec.Submitted, rec.Previous, nil
			for _, p := range rec.Parts {
				s.Parts = append(s.Parts, slurm.Part{Array: p.Array, First: p.First, Script: filepath.Join("..", p.Script), Previous: p.Previous})
			}
			if err := slurm.WriteRecord(filepath.Join(abs, rel), s); err != nil {
				return err
			}
		}
		return nil
	}
	if old != nil { // keep what was submitted before, until the new arrays replace it
		rec.Array, rec.Previous, rec.Submitted = old.Array, old.Previous, old.Submitted
		for i := range rec.Parts {
			for _, q := range old.Parts {
				if q.First == rec.Parts[i].First {
					rec.Parts[i].Array, rec.Parts[i].Previous = q.Array, q.Previous
				}
			}
		}
	}
	if err := write(); err != nil {
		return sub, err
	}
	if o.DryRun {
		return sub, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var refused []int // the tasks of arrays that sbatch refused
	var firstErr error
	var ids []string
	for p, sc := range scripts {
		first := p * maxSize
		var mine []int
		for _, g := range indices {
			if g >= first && g < first+sc.Tasks {
				mine = append(mine, g-first)
			}
		}
		if len(mine) == 0 {
			continue
		}
		var args []string
		if len(mine) < sc.Tasks { // a part of the array: the script's #SBATCH --array is overridden
			args = append(args, "--array="+slurm.ArraySpec(mine, sc.Throttle()))
		}
		id, err := o.Client.Submit(ctx, filepath.Join(abs, slurm.PartScript(first)), args...)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			for _, i := range mine {
				refused = append(refused, first+i)
			}
			continue
		}
		ids = append(ids, id)
		adopt := func(cur *string, prev *[]string) {
			if *cur != "" {
				*prev = append(*prev, *cur)
			}
			*cur = id
		}
		if p == 0 {
			adopt(&rec.Array, &rec.Previous)
			rec.Submitted = time.Now().UTC().Format(time.RFC3339)
		} else {
			adopt(&rec.Parts[p-1].Array, &rec.Parts[p-1].Previous)
		}
	}
	if len(ids) > 0 {
		sub.Array = strings.Join(ids, ",")
		if err := write(); err != nil {
			return sub, fmt.Errorf("runner: submitted array %s, but recording it in %s failed: %v", sub.Array, dir, err)
		}
	}
	if firstErr != nil {
		msg := firstErr.Error()
		var ce *slurm.CommandError
		if errors.As(firstErr, &ce) {
			msg = ce.Msg
		}
		for _, g := range refused {
			tj := rec.Tasks[g]
			folder.SetJobState(filepath.Join(abs, tj.Run), tj.Job, folder.Cancelled,
				fmt.Sprintf("never submitted to Slurm (%s); sipbench resume %s --slurm submits it again", msg, abs))
		}
		return sub, &SubmitError{Dir: dir, Msg: msg}
	}
	return sub, nil
}
