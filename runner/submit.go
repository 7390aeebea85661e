package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
)

// ArrayRun is one run folder whose jobs an array trains. Rel is its path below the folder
// that holds the array's record: "" for that folder itself, a combination's sub-folder
// name in a sweep.
type ArrayRun struct {
	Rel string
	Run *Run
	// Only, if not nil, lists the jobs to submit (resume --slurm): the others keep their
	// task numbers in the record, but no array task trains them.
	Only []string
}

// SubmitOptions say how to submit an array.
type SubmitOptions struct {
	cluster.Options
	// Engine is the cluster engine to submit to; nil is the registered "slurm".
	Engine     cluster.Engine
	Name       string // the array's job name
	Exe        string // the sipbench binary that each task runs (on a shared file system)
	WorkDir    string // the tasks' working folder
	RequeueMax int    // passed to train-task --requeue-max
	// TaskArgs are further arguments of every train-task (a problem process's command,
	// with its program's absolute path, as the submitting sipbench was given it).
	TaskArgs []string
	Comment  []string // lines added to the prepared file's header (the command that wrote it)
	DryRun   bool     // write the script and the record, submit nothing
	// MaxArraySize is the engine's limit on an array's tasks, so that a folder with more
	// tasks is submitted as several arrays (Record.Parts). If 0, it is asked of the
	// engine (Engine.MaxArraySize).
	MaxArraySize int
}

// Submission is what SubmitArray wrote and submitted.
type Submission struct {
	Array  string // the array's id; "" for a dry run
	Path   string // the prepared file (Slurm's batch script)
	Script string // its text
	Tasks  int
}

// SubmitError says that the engine refused an array; every job of it that no array took
// was marked cancelled with Msg, the engine's message, so that `sipbench resume --slurm`
// (or the script submitted again) trains it.
type SubmitError struct {
	Dir, Msg string
	Terms    cluster.Terms // the engine's words; zero for Slurm's
	Flag     string        // resume's flag that submits again ("--slurm")
}

func (e *SubmitError) Error() string {
	submit, flag := e.Terms.Submit, e.Flag
	if submit == "" {
		submit, flag = "sbatch", "--slurm"
	}
	return fmt.Sprintf("%s refused the array (%s marked cancelled; sipbench resume %s %s submits it again): %s", submit, e.Dir, e.Dir, flag, e.Msg)
}

// SubmitArray writes the engine's files (Slurm: the batch script dir/slurm/array.sh) and
// the record (slurm.json) of dir, a run folder or a sweep folder whose runs are its
// sub-folders, and submits one job array with a task per job of runs, task i training the
// i-th job in the order of runs and of their jobs; each combination of a sweep gets a
// record of its own tasks, so that it can be watched alone. The runs must have been
// created (Create) and not started. When the engine refuses, every job is marked cancelled
// with its message (so the folder never looks queued) and the error is a *SubmitError.
func SubmitArray(dir string, runs []ArrayRun, o SubmitOptions) (Submission, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Submission{}, err
	}
	if o.Engine == nil {
		if o.Engine, err = cluster.Lookup(cluster.DefaultEngine); err != nil {
			return Submission{}, err
		}
	}
	s := newSubmit(abs, runs, o)
	if len(s.indices) == 0 {
		return Submission{}, fmt.Errorf("runner: %s: no job to submit", dir)
	}
	if err := s.prepare(); err != nil {
		return s.sub, err
	}
	if err := s.write(); err != nil {
		return s.sub, err
	}
	if o.DryRun {
		return s.sub, nil
	}
	return s.submit(dir)
}

// submission is one SubmitArray under way: the folder's record, its combinations' records,
// the arrays that train its tasks.
type submission struct {
	abs     string
	o       SubmitOptions
	rec     *cluster.Record
	subs    map[string]*cluster.Record // a sweep's combinations' records, by sub-folder
	indices []int                      // the tasks to submit
	arrays  []cluster.Array            // the folder's arrays: array p trains tasks from p·maxSize on
	sub     Submission
}

// newSubmit maps the jobs of runs to tasks, in order: the folder's record and each
// combination's.
func newSubmit(abs string, runs []ArrayRun, o SubmitOptions) *submission {
	s := &submission{abs: abs, o: o, rec: &cluster.Record{}, subs: map[string]*cluster.Record{}}
	if o.Engine.Name() != cluster.DefaultEngine {
		s.rec.Engine = o.Engine.Name()
	}
	for _, ar := range runs {
		if ar.Rel != "" {
			s.subs[ar.Rel] = &cluster.Record{Engine: s.rec.Engine}
		}
		for _, j := range ar.Run.Info.Jobs {
			tj := cluster.TaskJob{Task: len(s.rec.Tasks), Run: ar.Rel, Job: j.ID}
			s.rec.Tasks = append(s.rec.Tasks, tj)
			if sr := s.subs[ar.Rel]; sr != nil {
				sr.Tasks = append(sr.Tasks, cluster.TaskJob{Task: tj.Task, Job: j.ID})
			}
			if ar.Only == nil || slices.Contains(ar.Only, j.ID) {
				s.indices = append(s.indices, tj.Task)
			}
		}
	}
	return s
}

// prepare splits the tasks into arrays of at most the engine's MaxArraySize, has the
// engine prepare each, and keeps the arrays that the folder's record held before: the same
// folder submitted again (resume --slurm) keeps its task numbers, and the arrays it had
// stay recorded, as previous ones, so that their pending tasks are followed.
func (s *submission) prepare() error {
	maxSize := s.o.MaxArraySize
	if maxSize <= 0 {
		maxSize = s.o.Engine.MaxArraySize(context.Background(), !s.o.DryRun)
	}
	n := len(s.rec.Tasks)
	if maxSize <= 0 {
		maxSize = n
	}
	for first := 0; first < n; first += maxSize {
		cmd := []string{s.o.Exe, "train-task", s.abs, "--requeue-max", fmt.Sprint(s.o.RequeueMax)}
		cmd = append(cmd, s.o.TaskArgs...)
		if first > 0 {
			cmd = append(cmd, "--first", fmt.Sprint(first))
		}
		a := cluster.Array{Dir: s.abs, First: first, Tasks: min(maxSize, n-first), Name: s.o.Name, WorkDir: s.o.WorkDir,
			Command: cmd, Comment: s.o.Comment, Options: s.o.Options}
		p, err := s.o.Engine.Prepare(a)
		if err != nil {
			return err
		}
		if first == 0 {
			s.rec.Script = p.Rel
			s.sub = Submission{Path: p.Path, Script: p.Text}
		} else {
			s.rec.Parts = append(s.rec.Parts, cluster.Part{First: first, Script: p.Rel})
		}
		s.sub.Tasks += a.Tasks
		s.arrays = append(s.arrays, a)
	}
	s.keepOld()
	return nil
}

// keepOld keeps what was submitted before for the same tasks, until the new arrays
// replace it.
func (s *submission) keepOld() {
	old, _ := cluster.ReadRecord(s.abs)
	if old == nil || old.EngineName() != s.rec.EngineName() || !slices.Equal(old.Tasks, s.rec.Tasks) {
		return
	}
	s.rec.Array, s.rec.Previous, s.rec.Submitted = old.Array, old.Previous, old.Submitted
	for i := range s.rec.Parts {
		for _, q := range old.Parts {
			if q.First == s.rec.Parts[i].First {
				s.rec.Parts[i].Array, s.rec.Parts[i].Previous = q.Array, q.Previous
			}
		}
	}
}

// write writes the folder's record and its combinations'.
func (s *submission) write() error {
	if err := cluster.WriteRecord(s.abs, s.rec); err != nil {
		return err
	}
	for rel, sr := range s.subs {
		sr.Script = filepath.Join("..", s.rec.Script)
		sr.Array, sr.Submitted, sr.Previous, sr.Parts = s.rec.Array, s.rec.Submitted, s.rec.Previous, nil
		for _, p := range s.rec.Parts {
			sr.Parts = append(sr.Parts, cluster.Part{Array: p.Array, First: p.First, Script: filepath.Join("..", p.Script), Previous: p.Previous})
		}
		if err := cluster.WriteRecord(filepath.Join(s.abs, rel), sr); err != nil {
			return err
		}
	}
	return nil
}

// submit submits each array that holds a task to submit, records the new arrays, and
// marks the jobs of a refused array cancelled.
func (s *submission) submit(dir string) (Submission, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var refused []int // the tasks of arrays that the engine refused
	var firstErr error
	var ids []string
	for p, a := range s.arrays {
		var mine []int
		for _, g := range s.indices {
			if g >= a.First && g < a.First+a.Tasks {
				mine = append(mine, g-a.First)
			}
		}
		if len(mine) == 0 {
			continue
		}
		id, err := s.o.Engine.Submit(ctx, a, mine)
		if err != nil {
			firstErr = firstOf(firstErr, err)
			for _, i := range mine {
				refused = append(refused, a.First+i)
			}
			continue
		}
		ids = append(ids, id)
		s.adopt(p, id)
	}
	if len(ids) > 0 {
		s.sub.Array = strings.Join(ids, ",")
		if err := s.write(); err != nil {
			return s.sub, fmt.Errorf("runner: submitted array %s, but recording it in %s failed: %v", s.sub.Array, dir, err)
		}
	}
	if firstErr != nil {
		return s.sub, s.refuse(dir, refused, firstErr)
	}
	return s.sub, nil
}

// firstOf returns a, or b if a is nil.
func firstOf(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// adopt records id as the array that trains the folder's p-th array's tasks now.
func (s *submission) adopt(p int, id string) {
	adopt := func(cur *string, prev *[]string) {
		if *cur != "" {
			*prev = append(*prev, *cur)
		}
		*cur = id
	}
	if p == 0 {
		adopt(&s.rec.Array, &s.rec.Previous)
		s.rec.Submitted = time.Now().UTC().Format(time.RFC3339)
	} else {
		adopt(&s.rec.Parts[p-1].Array, &s.rec.Parts[p-1].Previous)
	}
}

// refuse marks the refused tasks' jobs cancelled with the engine's message, and returns
// the *SubmitError.
func (s *submission) refuse(dir string, refused []int, err error) error {
	msg := err.Error()
	t := s.o.Engine.Terms()
	flag := cluster.ResumeFlag(s.o.Engine.Name())
	for _, g := range refused {
		tj := s.rec.Tasks[g]
		folder.SetJobState(filepath.Join(s.abs, tj.Run), tj.Job, folder.Cancelled,
			fmt.Sprintf("never submitted to %s (%s); sipbench resume %s %s submits it again", t.Title, msg, s.abs, flag))
	}
	se := &SubmitError{Dir: dir, Msg: msg, Flag: flag}
	if t.Submit != "sbatch" {
		se.Terms = t
	}
	return se
}
