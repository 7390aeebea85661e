package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
	"github.com/sipbench/sipbench/metrics"
)

// Watch follows a run folder on disk, turning what its writer appends (metrics rows,
// status changes, snapshots) into the same events a Run publishes. It polls, so it works
// for runs of other processes, live or finished, on any file system.
type Watch struct {
	Dir  string
	Info folder.Info
	hub  hub
	jobs []watchedJob
	// history is what a new subscriber is replayed (see Subscribe), bounded per job; mu
	// orders its growth with publication, so no subscriber misses or repeats an event.
	mu      sync.Mutex
	history []jobHistory

	cluster *watchCluster // nil unless the folder's record (slurm.json) names a submitted array

	// LostAfter is how long the lock of a job whose status is not final must be seen free
	// before the job is reported Lost: the time a trainer that was just started may take
	// to lock its jobs. If 0, DefaultLostAfter is used; if negative, a free lock is lost at
	// once (for a run already known to have lost its trainer). Set it before Follow.
	LostAfter time.Duration
}

// InvalidSnapshotNote begins the message of the EvNote by which a Watch says that a job's
// snapshot.json exists but is invalid; the reason follows it.
const InvalidSnapshotNote = "snapshot.json is invalid, not shown: "

// DefaultLostAfter is Watch.LostAfter's default.
const DefaultLostAfter = 5 * time.Second

// watchCluster is what a Watch adds for a run trained on a cluster: the engine's view of
// each job's array task, asked with one query for the whole array at most every
// cluster.PollInterval.
type watchCluster struct {
	rec    *cluster.Record
	eng    cluster.Engine // the record's engine, shared by every Watch of the process; nil if not built in
	tasks  map[string]int // job → the record's task number
	views  map[string]cluster.View
	polled bool // the engine has answered at least once
}

// Bounds of a Watch's memory, whatever the length of the run.
const (
	// watchChunk is the number of rows a Poll reads from each job's metrics.csv: a long
	// run is read in pieces, each published before the next is read.
	watchChunk = 8192
	// watchBacklog is the number of events that a subscriber may leave undrained before
	// Follow stops reading rows until it catches up.
	watchBacklog = 4 * watchChunk
	// replayRows bounds the metrics events of a job that a new subscriber is replayed.
	ReplayRows = 2048
)

// jobHistory is what a Watch replays of one job to a new subscriber: its metrics events
// decimated to at most replayRows (every stride-th row, the stride doubling as the run
// grows, and the latest row), then its latest snapshot, Slurm view and state.
type jobHistory struct {
	rows   []Event
	stride int
	seen   int    // metrics events added
	last   *Event // the latest metrics event
	other  []Event
}

func (h *jobHistory) add(e Event) {
	switch e.Kind {
	case EvMetrics:
		h.seen++
		h.last = &e
		if h.stride == 0 {
			h.stride = 1
		}
		if h.seen%h.stride != 0 {
			return
		}
		h.rows = append(h.rows, e)
		if len(h.rows) >= ReplayRows { // keep every other row
			n := 0
			for i := 1; i < len(h.rows); i += 2 {
				h.rows[n] = h.rows[i]
				n++
			}
			clear(h.rows[n:])
			h.rows = h.rows[:n]
			h.stride *= 2
		}
	default: // the latest of each kind, the state last
		for i, o := range h.other {
			if o.Kind == e.Kind {
				h.other = append(h.other[:i], h.other[i+1:]...)
				break
			}
		}
		h.other = append(h.other, e)
		slices.SortStableFunc(h.other, func(a, b Event) int { return kindOrder(a.Kind) - kindOrder(b.Kind) })
	}
}

// kindOrder orders the non-metrics events of a replay: the state, which decides how the
// others are shown, comes last.
func kindOrder(k EventKind) int {
	if k == EvState {
		return 1
	}
	return 0
}

func (h *jobHistory) replay() []Event {
	out := slices.Clone(h.rows)
	if h.last != nil && (len(out) == 0 || out[len(out)-1].Step != h.last.Step) {
		out = append(out, *h.last)
	}
	return append(out, h.other...)
}

type watchedJob struct {
	id     string
	mr     *metrics.Reader
	state  folder.State
	status folder.Status
	snap   int
	// snapMod and snapSize identify the snapshot.json last read, so that an unchanged
	// file (a solver's, with its loss grid, or a finished job's) is not parsed again.
	snapMod  time.Time
	snapSize int64
	// freeSince is when the job's lock was first seen free while its status was not
	// final (zero while a process holds it); lost is true once it is reported Lost.
	freeSince time.Time
	lost      bool
}

// OpenWatch reads the run folder's run.json. Call Follow to start reading events.
func OpenWatch(dir string) (*Watch, error) {
	info, err := folder.ReadInfo(dir)
	if err != nil {
		return nil, fmt.Errorf("runner: %s is not a run folder: %v", dir, err)
	}
	w := &Watch{Dir: dir, Info: info, history: make([]jobHistory, len(info.Jobs))}
	for _, j := range info.Jobs {
		mr := metrics.NewReader(dir, j.ID, info.Metrics)
		mr.Sample = ReplayRows // a long run opened late: its curve, not its every row
		w.jobs = append(w.jobs, watchedJob{id: j.ID, snap: -1, mr: mr})
	}
	if rec, err := cluster.ReadRecord(dir); err == nil && rec.Array != "" {
		c := &watchCluster{rec: rec, tasks: map[string]int{}, views: map[string]cluster.View{}}
		c.eng, _ = rec.EngineOf()
		for _, t := range rec.Tasks {
			if t.Run == "" {
				c.tasks[t.Job] = t.Task
			}
		}
		w.cluster = c
	}
	return w, nil
}

// Cluster reports whether the run was submitted to a cluster, and its array's id.
func (w *Watch) Cluster() (array string, ok bool) {
	if w.cluster == nil {
		return "", false
	}
	return w.cluster.rec.Array, true
}

// pollCluster asks the engine (at most every cluster.PollInterval) about the run's arrays and returns an EvCluster event for each job whose merged view
// changed. It reports whether every job that is not final is lost (nothing more will
// happen without the user; never while the engine fails), and whether the engine still
// holds a job whose status is final (a cancelled job that it requeued).
func (w *Watch) pollCluster() (events []Event, allLost, held bool) {
	c := w.cluster
	byJob := map[int]*watchedJob{}
	for i := range w.jobs {
		if g, ok := c.tasks[w.jobs[i].id]; ok {
			byJob[g] = &w.jobs[i]
		}
	}
	p := cluster.PollRecord(c.eng, c.rec, func(g int) bool { j := byJob[g]; return j != nil && !j.state.Final() })
	if p.Err == nil {
		c.polled = true
	}
	allLost = p.Err == nil
	for i := range w.jobs {
		j := &w.jobs[i]
		g, ok := c.tasks[j.id]
		if !ok {
			continue
		}
		updated, _ := time.Parse(time.RFC3339, j.status.Updated)
		v := p.View(g, j.state, updated, func() *folder.LockOwner { o, _ := folder.JobLockOwner(w.Dir, j.id); return o },
			fmt.Sprintf("sipbench resume %s --job %s", w.Dir, j.id))
		if !j.state.Final() && v.State != cluster.Lost {
			allLost = false
		}
		if j.state.Final() && v.State != cluster.None {
			held = true
		}
		if old, seen := c.views[j.id]; !seen || old != v {
			c.views[j.id] = v
			events = append(events, Event{Job: j.id, Kind: EvCluster, State: j.state, Message: v.String(), Cluster: &v})
		}
	}
	return events, allLost, held
}

// Subscribe returns a subscription that receives every event read from now on. A
// subscriber that comes after events were read first receives a summary of them: each
// job's metrics decimated to at most a few thousand rows (all of them for a shorter run),
// its latest snapshot, Slurm view and state. Subscribe before Follow to receive every row.
func (w *Watch) Subscribe() *Subscription {
	w.mu.Lock()
	defer w.mu.Unlock()
	var hist []Event
	for i := range w.history {
		hist = append(hist, w.history[i].replay()...)
	}
	return w.hub.subscribeWith(hist)
}

// Pause asks the process that trains the job to pause it (through its control file). It
// does nothing if no process trains the job: a control file would wait for the next one.
func (w *Watch) Pause(job string) {
	if o, err := folder.JobLockOwner(w.Dir, job); err == nil && o != nil {
		folder.WriteControl(w.Dir, job, "pause")
	}
}

// Resume asks the process that trains the job to resume it, as Pause does.
func (w *Watch) Resume(job string) {
	if o, err := folder.JobLockOwner(w.Dir, job); err == nil && o != nil {
		folder.WriteControl(w.Dir, job, "resume")
	}
}

// Cancel asks the process that trains the job to stop it. A job that no process trains
// (queued, or lost: its trainer died) is marked cancelled instead, so that no control
// file is left for a later trainer to obey; a resume continues it. For a cluster run it
// cancels the job's array task (Slurm: scancel ARRAY_INDEX); a job that no process trains
// yet (a pending task) is marked cancelled.
func (w *Watch) Cancel(job string) {
	if w.cluster == nil {
		o, err := folder.JobLockOwner(w.Dir, job)
		if err != nil {
			return
		}
		if o != nil {
			folder.WriteControl(w.Dir, job, "cancel")
			return
		}
		if st, err := folder.ReadStatus(w.Dir, job); err != nil || !st.State.Final() {
			folder.SetJobState(w.Dir, job, folder.Cancelled, "stopped while no process trained it") // fails if one has just taken it
		}
		return
	}
	v := w.cluster.views[job]
	if g, ok := w.cluster.tasks[job]; ok && w.cluster.eng != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		id := v.Task
		if id == "" {
			id = w.cluster.rec.TaskID(g)
		}
		w.cluster.eng.Cancel(ctx, id)
	}
	if v.State != cluster.Pending && v.State != cluster.Requeued && v.State != cluster.Lost {
		return // a running task writes its own state as it stops
	}
	if st, err := folder.ReadStatus(w.Dir, job); err == nil && !st.State.Final() && st.State != folder.Running && st.State != folder.Paused {
		// Best effort: fails harmlessly if the task has just started and holds the job.
		msg := w.cancelledBefore()
		if v.State == cluster.Lost {
			msg = "cancelled while lost: no process trained it"
		}
		folder.SetJobState(w.Dir, job, folder.Cancelled, msg)
	}
}

// cancelledBefore is the status of a job cancelled in its engine's queue.
func (w *Watch) cancelledBefore() string {
	t := cluster.Terms{Title: "Slurm", Cancel: "scancel"}
	if w.cluster.eng != nil {
		t = w.cluster.eng.Terms()
	}
	return fmt.Sprintf("cancelled in %s before it started (%s)", t.Title, t.Cancel)
}

// CancelAll cancels every unfinished job: for a cluster run, with one cancel of the
// whole array (or of a sweep combination's tasks); the jobs that no process trains yet
// are marked cancelled (the others' tasks write it as they stop).
func (w *Watch) CancelAll() {
	if w.cluster == nil {
		for _, j := range w.jobs {
			w.Cancel(j.id)
		}
		return
	}
	if w.cluster.eng != nil {
		rec := w.cluster.rec
		if r, err := cluster.ReadRecord(w.Dir); err == nil && r.Array != "" { // it may follow a newer array
			rec = r
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		w.cluster.eng.Cancel(ctx, rec.CancelIDs()...)
		cancel()
	}
	for _, j := range w.jobs {
		if st, err := folder.ReadStatus(w.Dir, j.id); err == nil && !st.State.Final() && st.State != folder.Running && st.State != folder.Paused {
			folder.SetJobState(w.Dir, j.id, folder.Cancelled, w.cancelledBefore()) // fails while a task holds it
		}
	}
}

// Poll reads what changed in the folder since the last call and publishes it: for each
// job, up to a few thousand new rows of metrics.csv (a long backlog takes several calls),
// a changed status or snapshot. It reports whether every job has reached a final state (or
// is lost) and every row has been read.
func (w *Watch) Poll() (bool, error) {
	final, _, err := w.poll()
	return final, err
}

// poll is Poll; it also reports whether rows remain to be read.
func (w *Watch) poll() (final, more bool, err error) {
	var events []Event
	final = true
	for i := range w.jobs {
		j := &w.jobs[i]
		rs, err := j.mr.Next(watchChunk)
		if err != nil {
			return false, false, err
		}
		if len(rs) == watchChunk {
			more = true
		}
		for _, r := range rs {
			events = append(events, Event{Job: j.id, Kind: EvMetrics, Step: r.Step, Wall: r.Wall, Metrics: r.Metrics})
		}
		if st, err := folder.ReadStatus(w.Dir, j.id); err == nil {
			if st.State != j.state || st.Message != j.status.Message {
				events = append(events, Event{Job: j.id, Kind: EvState, State: st.State, Message: st.Message, Step: st.Step, Wall: st.Wall})
				j.lost = false
			}
			j.state, j.status = st.State, st
		}
		if w.cluster == nil { // a cluster run's lost jobs are pollCluster's to find
			if ev, ok := w.checkLost(j); ok {
				events = append(events, ev)
			}
		}
		if !j.state.Final() && !j.lost {
			final = false
		}
		fi, err := os.Lstat(filepath.Join(w.Dir, j.id, folder.SnapshotFile))
		if err != nil || fi.ModTime().Equal(j.snapMod) && fi.Size() == j.snapSize {
			continue
		}
		snap, err := folder.ReadSnapshot(w.Dir, j.id)
		if err != nil { // read again only once it changes; said once
			j.snapMod, j.snapSize = fi.ModTime(), fi.Size()
			events = append(events, Event{Job: j.id, Kind: EvNote, Message: InvalidSnapshotNote + err.Error()})
			continue
		}
		if snap == nil {
			continue
		}
		j.snapMod, j.snapSize = fi.ModTime(), fi.Size()
		if snap.Step != j.snap {
			j.snap = snap.Step
			events = append(events, Event{Job: j.id, Kind: EvSnapshot, Step: snap.Step, Snapshot: snap})
		}
	}
	if w.cluster != nil {
		ev, allLost, held := w.pollCluster()
		events = append(events, ev...)
		switch {
		case held:
			final = false // a cancelled job that Slurm requeued: it will train again
		case w.cluster.polled && allLost:
			final = true // every job is final or lost
		}
	}
	w.mu.Lock()
	for _, e := range events {
		if i := slices.IndexFunc(w.jobs, func(j watchedJob) bool { return j.id == e.Job }); i >= 0 {
			w.history[i].add(e)
		}
		w.hub.publish(e)
	}
	w.mu.Unlock()
	return final && !more, more, nil
}

// Lost returns the jobs that the last Poll found lost (see Lost), in the run's order. Call
// it from the goroutine that polls, or after Follow has returned.
func (w *Watch) Lost() []string {
	var ids []string
	for _, j := range w.jobs {
		if j.lost || w.cluster != nil && !j.state.Final() && w.cluster.views[j.id].State == cluster.Lost {
			ids = append(ids, j.id)
		}
	}
	return ids
}

// checkLost looks at the lock of a job whose status is not final: free for LostAfter, the
// job is lost (an EvState Lost with the command that resumes it); held again, it is not.
// It returns the event to publish, if any.
func (w *Watch) checkLost(j *watchedJob) (Event, bool) {
	if j.state.Final() {
		j.freeSince, j.lost = time.Time{}, false
		return Event{}, false
	}
	owner, err := folder.JobLockOwner(w.Dir, j.id)
	if err != nil {
		return Event{}, false
	}
	if owner != nil {
		j.freeSince = time.Time{}
		if j.lost { // trained again: back to what its status says
			j.lost = false
			return Event{Job: j.id, Kind: EvState, State: j.state, Message: j.status.Message, Step: j.status.Step, Wall: j.status.Wall}, true
		}
		return Event{}, false
	}
	now := time.Now()
	if j.freeSince.IsZero() {
		j.freeSince = now
	}
	after := w.LostAfter
	if after == 0 {
		after = DefaultLostAfter
	}
	if j.lost || now.Sub(j.freeSince) < after {
		return Event{}, false
	}
	j.lost = true
	return Event{Job: j.id, Kind: EvState, State: folder.Lost, Step: j.status.Step, Wall: j.status.Wall,
		Message: fmt.Sprintf("its trainer has ended: sipbench resume %s continues it", w.Dir)}, true
}

// Follow polls the folder every interval until ctx is done or, if untilFinal, until every
// job has reached a final state (or is lost) and every row has been read; then it closes
// the subscriptions. A backlog of rows (a long run opened late) is read in pieces without
// waiting for the interval, but only as fast as the subscribers drain their events, so
// that memory stays bounded whatever the run's length: a subscriber must drain. Call Follow
// once; it and Poll must not run at the same time.
func (w *Watch) Follow(ctx context.Context, every time.Duration, untilFinal bool) error {
	defer w.hub.close()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		final, more, err := w.poll()
		if err != nil {
			return err
		}
		if final && untilFinal {
			return nil
		}
		if more { // read on once the subscribers have caught up
			for w.hub.backlog() >= watchBacklog {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(5 * time.Millisecond):
				}
			}
			if ctx.Err() != nil {
				return nil
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
