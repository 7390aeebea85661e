package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/folder/create"
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/presets"
)

// Run is a set of jobs (one per method × seed) training on a worker pool and writing a
// run folder. Create one with Create (a new run) or Open (resume a run from its folder),
// then call Start once.
type Run struct {
	Dir  string
	Info folder.Info
	// Skipped describes the jobs that Start left to another process training them.
	Skipped []string

	spec *presets.Spec
	hub  hub
	jobs []*jobControl

	mu      sync.Mutex
	started bool
	wg      sync.WaitGroup

	// pathOnce makes pathShared, the fields shared by the snapshots of every job of an
	// iterative-solver run (pathFields).
	pathOnce   sync.Once
	pathShared []folder.Field
}

// Options tune how a Run executes.
type Options struct {
	// Workers is the number of jobs that train at once. If 0, runtime.NumCPU() is used.
	Workers int
	// FlushEvery is the longest time between writes of metrics.csv and status.json. If 0,
	// 2 s is used.
	FlushEvery time.Duration
	// Threads is the number of goroutines each job's ops may split a batch across. If 0,
	// the cores are shared out: runtime.NumCPU() / (jobs training at once), at least 1.
	// Results do not depend on it.
	Threads int
	// Jobs, if not empty, names the jobs to train (by JobInfo.ID); the others are left as
	// they are. If empty, every unfinished job is trained.
	Jobs []string
	// RetryFailed trains failed jobs again too, from their checkpoints (a failure is an
	// error such as a full disk or a damaged file, which the user may have fixed since):
	// `sipbench resume` sets it. Without it, failed jobs are left as they are, and naming
	// one in Jobs is an error.
	RetryFailed bool
	// Task is the cluster task this process runs in ("ARRAY_INDEX", cluster.EnvTask.ID),
	// recorded in the locks of the jobs it trains; "" outside one (TrainTask sets it).
	Task string
}

// jobControl is a job's mutable state shared between its worker and the controls.
type jobControl struct {
	info folder.JobInfo
	mu   sync.Mutex
	// paused is closed-over state: while paused, resume is a channel that Resume closes.
	paused bool
	resume chan struct{}
	cancel bool
	state  folder.State
	lock   *folder.JobLock // held while this process trains the job
	// stopState and stopMsg are what a stop (cancel set) records: Cancelled by default.
	stopState folder.State
	stopMsg   string
}

// Limits of a run: seeds, and jobs (methods × seeds). A run folder lists every job in
// run.json and makes a folder per job, so a mistyped --seeds 100000 would take long to
// create and fill the disk with folders; these are far above what a comparison needs.
const (
	MaxSeeds = 1000
	MaxJobs  = 4096
	MaxSeed  = 1 << 31 // the first seed
)

// CheckJobCount returns an error unless a run of methods × len(seeds) jobs with these
// seeds is within MaxSeeds, MaxJobs and MaxSeed, saying which limit it exceeds.
func CheckJobCount(methods int, seeds []int) error {
	switch {
	case len(seeds) > MaxSeeds:
		return fmt.Errorf("%d seeds: at most %d", len(seeds), MaxSeeds)
	case methods*len(seeds) > MaxJobs:
		return fmt.Errorf("%d methods × %d seeds = %d jobs: at most %d", methods, len(seeds), methods*len(seeds), MaxJobs)
	}
	for _, s := range seeds {
		if s < 0 || s > MaxSeed {
			return fmt.Errorf("seed %d: want 0 to %d", s, MaxSeed)
		}
	}
	return nil
}

// Create makes the run folder dir for spec with the given seeds (one job per method ×
// seed): each job's config.json and status.json (queued), then run.json, made in place at
// once (create.Run): it fails if dir already holds a run, or holds anything else.
func Create(spec *presets.Spec, seeds []int, dir string) (*Run, error) {
	if err := CheckJobCount(len(spec.Methods), seeds); err != nil {
		return nil, fmt.Errorf("runner: %v", err)
	}
	r := &Run{Dir: dir, spec: spec}
	err := create.Run(dir, func(tmp string) error {
		r.Info = newInfo(spec, seeds)
		for _, info := range r.Info.Jobs {
			if err := writeJob(tmp, spec, r.Info, info); err != nil {
				return err
			}
		}
		return folder.WriteJSON(filepath.Join(tmp, folder.RunFile), r.Info)
	})
	if err != nil {
		return nil, err
	}
	for _, info := range r.Info.Jobs {
		r.jobs = append(r.jobs, &jobControl{info: info, state: folder.Queued})
	}
	return r, nil
}

// newInfo returns the record (run.json) of a new run of spec with seeds: one job per
// method × seed, in seed order.
func newInfo(spec *presets.Spec, seeds []int) folder.Info {
	info := folder.Info{
		ID:        create.RunID(),
		Preset:    spec.Preset.Name,
		Scale:     spec.Scale,
		Settings:  spec.Recorded(),
		Metrics:   spec.MetricNames(),
		Version:   folder.Version,
		Format:    folder.FormatVersion,
		Started:   time.Now().UTC().Format(time.RFC3339),
		Methods:   spec.MethodNames(),
		Seeds:     seeds,
		Metric:    spec.Preset.Metric,
		Reference: spec.Preset.Reference,
		Solver:    spec.Preset.IsSolver(),

		ProblemCmd: spec.Preset.Command,
	}
	for _, seed := range seeds {
		for _, m := range spec.Methods {
			info.Jobs = append(info.Jobs, folder.JobInfo{ID: folder.JobID(m.Name, seed), Method: m.Name, Seed: seed,
				Steps: spec.Common.Steps, Optimizer: m.Optimizer, LR: m.LR})
		}
	}
	return info
}

// writeJob makes the folder of the job of the run info in the run folder dir, with its
// config.json (its method and, but for a solver run, its network) and its status, queued.
func writeJob(dir string, spec *presets.Spec, info folder.Info, job folder.JobInfo) error {
	jd := filepath.Join(dir, job.ID)
	if err := os.Mkdir(jd, 0o755); err != nil {
		return err
	}
	cfg := folder.JobConfig{Job: job, Preset: info.Preset, Scale: info.Scale, Settings: spec.Recorded(),
		Method:  spec.Methods[slices.IndexFunc(spec.Methods, func(m optimizers.Method) bool { return m.Name == job.Method })],
		Metrics: info.Metrics, Version: folder.Version, Format: folder.FormatVersion}
	if !info.Solver {
		n := spec.Network(job.Method)
		cfg.Network = &n
	}
	if err := folder.WriteJSON(filepath.Join(jd, folder.ConfigFile), cfg); err != nil {
		return err
	}
	return folder.WriteStatus(dir, job.ID, folder.Status{State: folder.Queued, Total: job.Steps})
}

// Open reads the run folder dir to resume it: jobs that are not done continue from their
// checkpoints (or from the start if they have none) when Start is called.
func Open(dir string) (*Run, error) {
	info, err := folder.ReadInfo(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("runner: %s is not a run folder (no %s)", dir, folder.RunFile)
		}
		return nil, err
	}
	spec, err := folder.ReadSpec(dir, info)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Info: info, spec: spec}
	// A temporary run.json left beside the run (a write into the folder interrupted, or
	// planted): run.json is written once, at creation, so no live writer owns one now.
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "."+folder.RunFile+".tmp") && e.Type().IsRegular() {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	for _, ji := range info.Jobs {
		st, err := folder.ReadStatus(dir, ji.ID)
		if err != nil {
			st = folder.Status{State: folder.Queued}
		}
		r.jobs = append(r.jobs, &jobControl{info: ji, state: st.State})
	}
	return r, nil
}

// Subscribe returns a subscription to the run's events from now on. Subscribe before
// Start to see every event.
func (r *Run) Subscribe() *Subscription { return r.hub.subscribe() }

// Start trains the unfinished jobs (or, with Options.Jobs, those of them) on a pool of
// workers and returns at once; Wait waits for the end. Cancelling ctx stops every job at
// its next step, writing a checkpoint and the state cancelled.
//
// Each job is trained under its own lock (LockJob), taken here, before Start returns, and
// held until the job stops. A job that another process is training is left to it and
// listed in Skipped; Start fails if that leaves nothing to train. With Options.Jobs, a job
// that is unknown, already finished (ErrJobDone) or busy (*BusyError) makes Start fail.
func (r *Run) Start(ctx context.Context, o Options) error {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		panic("runner: Start called twice")
	}
	r.started = true
	r.mu.Unlock()
	todo, err := r.lockJobs(o.Jobs, o.RetryFailed, o.Task)
	if err != nil {
		r.hub.close()
		return err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = 2 * time.Second
	}
	if o.Threads <= 0 {
		o.Threads = max(1, runtime.NumCPU()/max(1, min(workers, len(todo))))
	}
	queue := make(chan *jobControl)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jc := range queue {
				r.runJob(ctx, jc, o)
				jc.lock.Release()
			}
		}()
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for _, jc := range todo {
			queue <- jc
		}
		close(queue)
		wg.Wait()
		r.hub.close()
	}()
	return nil
}

// lockJobs takes the locks of the jobs to train, the unfinished ones or those named, as
// cluster task task ("" outside one).
func (r *Run) lockJobs(only []string, retryFailed bool, task string) ([]*jobControl, error) {
	refused := func(s folder.State) bool { return finished(s) && !(retryFailed && s == folder.Failed) }
	var todo []*jobControl
	release := func() {
		for _, jc := range todo {
			jc.lock.Release()
		}
	}
	if len(only) > 0 {
		for _, id := range only {
			jc := r.job(id)
			if jc == nil {
				release()
				return nil, fmt.Errorf("runner: %s has no job %q", r.Dir, id)
			}
			if refused(jc.state) {
				release()
				return nil, fmt.Errorf("runner: job %s of %s is %s: %w", id, r.Dir, jc.state, folder.ErrJobDone)
			}
			l, err := folder.LockJob(r.Dir, id, task)
			if err != nil {
				release()
				return nil, err
			}
			jc.lock = l
			todo = append(todo, jc)
			r.prepare(jc)
			// Read the status again under the lock: another process may have finished
			// the job since Open.
			if st, err := folder.ReadStatus(r.Dir, id); err == nil && refused(st.State) {
				release()
				return nil, fmt.Errorf("runner: job %s of %s is %s: %w", id, r.Dir, st.State, folder.ErrJobDone)
			}
		}
		return todo, nil
	}
	busy := 0
	for _, jc := range r.jobs {
		if refused(jc.state) {
			continue
		}
		l, err := folder.LockJob(r.Dir, jc.info.ID, task)
		var be *folder.BusyError
		if errors.As(err, &be) {
			busy++
			r.Skipped = append(r.Skipped, be.Error())
			continue
		}
		if err != nil {
			release()
			return nil, err
		}
		if st, err := folder.ReadStatus(r.Dir, jc.info.ID); err == nil && refused(st.State) {
			l.Release() // another process finished it since Open
			jc.state = st.State
			continue
		}
		jc.lock = l
		todo = append(todo, jc)
		r.prepare(jc)
	}
	if len(todo) == 0 && busy > 0 {
		return nil, fmt.Errorf("runner: %s is being trained by another process (sipbench watch %s follows it)", r.Dir, r.Dir)
	}
	return todo, nil
}

// prepare clears, in the folder of a job just locked for training, what earlier processes
// left that this one must not obey or keep: a control file (addressed to a trainer that
// has gone: a "pause" would hold a headless resume for ever, a "cancel" stop it at once),
// and the temporary files of writes that a crash interrupted.
func (r *Run) prepare(jc *jobControl) {
	jd := filepath.Join(r.Dir, jc.info.ID)
	os.Remove(filepath.Join(jd, folder.ControlFile))
	create.RemoveStaleTemps(jd)
}

// finished reports whether a job in state s is not trained again: done, diverged or failed
// (a cancelled job resumes).
func finished(s folder.State) bool {
	return s == folder.Done || s == folder.Diverged || s == folder.Failed
}

// Wait blocks until every job has stopped and returns the final states by job ID.
func (r *Run) Wait() map[string]folder.State {
	r.wg.Wait()
	out := map[string]folder.State{}
	for _, jc := range r.jobs {
		jc.mu.Lock()
		out[jc.info.ID] = jc.state
		jc.mu.Unlock()
	}
	return out
}

func (r *Run) job(id string) *jobControl {
	for _, jc := range r.jobs {
		if jc.info.ID == id {
			return jc
		}
	}
	return nil
}

// Pause pauses the job at its next step; Resume resumes it; Cancel stops it (with a
// checkpoint, state cancelled). Unknown or finished jobs are ignored. They are safe for
// concurrent use.
func (r *Run) Pause(id string) {
	if jc := r.job(id); jc != nil {
		jc.mu.Lock()
		if !jc.paused {
			jc.paused = true
			jc.resume = make(chan struct{})
		}
		jc.mu.Unlock()
	}
}

// Resume resumes a paused job.
func (r *Run) Resume(id string) {
	if jc := r.job(id); jc != nil {
		jc.mu.Lock()
		if jc.paused {
			jc.paused = false
			close(jc.resume)
		}
		jc.mu.Unlock()
	}
}

// Cancel stops a job.
func (r *Run) Cancel(id string) { r.Stop(id, folder.Cancelled, "") }

// Stop stops a job at its next step as Cancel does (a checkpoint is written first), but
// records state s with message msg in its status: Queued for a job that will be trained
// again (requeued on a cluster), Failed for one that will not. The first Stop or Cancel of
// a job decides. A job already stopping, finished or unknown is left as it is.
func (r *Run) Stop(id string, s folder.State, msg string) {
	if jc := r.job(id); jc != nil {
		jc.mu.Lock()
		if !jc.cancel {
			jc.cancel, jc.stopState, jc.stopMsg = true, s, msg
		}
		if jc.paused {
			jc.paused = false
			close(jc.resume)
		}
		jc.mu.Unlock()
	}
}

// readControl applies a command that another process left in the job's control file (read
// without following a link, and removed once read; anything but a known command is
// ignored).
func (r *Run) readControl(jc *jobControl) {
	if err := jc.lock.LeaseLost(); err != nil { // another process holds the job now
		r.Stop(jc.info.ID, folder.Cancelled, err.Error())
		return
	}
	b, err := folder.ReadFileIn(r.Dir, jc.info.ID, folder.ControlFile, folder.MaxRecordFile)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	os.Remove(filepath.Join(r.Dir, jc.info.ID, folder.ControlFile)) // a link or a folder too: not ours
	if err != nil {
		return
	}
	action, _ := folder.ParseControl(b)
	switch action {
	case "pause":
		r.Pause(jc.info.ID)
	case "resume":
		r.Resume(jc.info.ID)
	case "cancel":
		r.Cancel(jc.info.ID)
	}
}

// Claims splits the jobs that Start would train (with RetryFailed) into those that no
// process trains (free) and those that another process trains (busy, with the owners as
// their lock files say).
func (r *Run) Claims() (free []string, busy []*folder.BusyError) {
	for _, jc := range r.jobs {
		if finished(jc.state) && jc.state != folder.Failed {
			continue
		}
		o, err := folder.JobLockOwner(r.Dir, jc.info.ID)
		switch {
		case err != nil || o == nil:
			free = append(free, jc.info.ID)
		default:
			busy = append(busy, &folder.BusyError{Dir: r.Dir, Job: jc.info.ID, Owner: *o})
		}
	}
	return free, busy
}
