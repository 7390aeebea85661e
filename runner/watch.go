package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Source is what readers of a run need: its description, its events, and control of its
// jobs. A Run (training in this process) and a Watch (a run folder written by any
// process) are both Sources, so a dashboard does not care where the run lives.
type Source interface {
	Folder() string
	RunInfo() RunInfo
	// Subscribe returns a subscription to the events from now on; a Watch replays the
	// folder's history to each new subscriber.
	Subscribe() *Subscription
	Pause(job string)
	Resume(job string)
	Cancel(job string)
}

var (
	_ Source = (*Run)(nil)
	_ Source = (*Watch)(nil)
)

// Folder returns the run folder.
func (r *Run) Folder() string { return r.Dir }

// RunInfo returns the run's description.
func (r *Run) RunInfo() RunInfo { return r.Info }

// Watch follows a run folder on disk, turning what its writer appends (metrics rows,
// status changes, snapshots) into the same events a Run publishes. It polls, so it works
// for runs of other processes, live or finished, on any file system.
type Watch struct {
	Dir  string
	Info RunInfo
	hub  hub
	jobs []watchedJob
	// history holds every event read so far, replayed to each new subscriber; mu
	// orders its growth with publication, so no subscriber misses or repeats an event.
	mu      sync.Mutex
	history []Event
}

type watchedJob struct {
	id     string
	off    int64
	state  State
	status Status
	snap   int
	// snapMod and snapSize identify the snapshot.json last read, so that an unchanged
	// file (a solver's, with its loss grid, or a finished job's) is not parsed again.
	snapMod  time.Time
	snapSize int64
}

// OpenWatch reads the run folder's run.json. Call Follow to start reading events.
func OpenWatch(dir string) (*Watch, error) {
	info, err := ReadRunInfo(dir)
	if err != nil {
		return nil, fmt.Errorf("runner: %s is not a run folder: %v", dir, err)
	}
	w := &Watch{Dir: dir, Info: info}
	for _, j := range info.Jobs {
		w.jobs = append(w.jobs, watchedJob{id: j.ID, snap: -1})
	}
	return w, nil
}

// Folder returns the run folder.
func (w *Watch) Folder() string { return w.Dir }

// RunInfo returns the run's description.
func (w *Watch) RunInfo() RunInfo { return w.Info }

// Subscribe returns a subscription that first receives every event read so far.
func (w *Watch) Subscribe() *Subscription {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hub.subscribeWith(slices.Clone(w.history))
}

// Pause asks the process that trains the job to pause it (through its control file).
func (w *Watch) Pause(job string) { WriteControl(w.Dir, job, "pause") }

// Resume asks the process that trains the job to resume it.
func (w *Watch) Resume(job string) { WriteControl(w.Dir, job, "resume") }

// Cancel asks the process that trains the job to stop it.
func (w *Watch) Cancel(job string) { WriteControl(w.Dir, job, "cancel") }

// Poll reads what changed in the folder since the last call and publishes it. It
// reports whether every job has reached a final state.
func (w *Watch) Poll() (bool, error) {
	var events []Event
	final := true
	for i := range w.jobs {
		j := &w.jobs[i]
		rows, off, err := ReadMetrics(w.Dir, j.id, j.off, w.Info.Metrics)
		if err != nil {
			return false, err
		}
		j.off = off
		for _, r := range rows {
			events = append(events, Event{Job: j.id, Kind: EvMetrics, Step: r.Step, Wall: r.Wall, Metrics: r.Metrics})
		}
		if st, err := ReadStatus(w.Dir, j.id); err == nil {
			if st.State != j.state || st.Message != j.status.Message {
				events = append(events, Event{Job: j.id, Kind: EvState, State: st.State, Message: st.Message, Step: st.Step, Wall: st.Wall})
			}
			j.state, j.status = st.State, st
		}
		if !j.state.Final() {
			final = false
		}
		fi, err := os.Stat(filepath.Join(w.Dir, j.id, snapshotFile))
		if err != nil || fi.ModTime().Equal(j.snapMod) && fi.Size() == j.snapSize {
			continue
		}
		snap, err := ReadSnapshot(w.Dir, j.id)
		if err != nil || snap == nil {
			continue
		}
		j.snapMod, j.snapSize = fi.ModTime(), fi.Size()
		if snap.Step != j.snap {
			j.snap = snap.Step
			events = append(events, Event{Job: j.id, Kind: EvSnapshot, Step: snap.Step, Snapshot: snap})
		}
	}
	w.mu.Lock()
	w.history = append(w.history, events...)
	for _, e := range events {
		w.hub.publish(e)
	}
	w.mu.Unlock()
	return final, nil
}

// Follow polls the folder every interval until ctx is done or, if untilFinal, until every
// job has reached a final state; then it closes the subscriptions.
func (w *Watch) Follow(ctx context.Context, every time.Duration, untilFinal bool) error {
	defer w.hub.close()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		final, err := w.Poll()
		if err != nil {
			return err
		}
		if final && untilFinal {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
