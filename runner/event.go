package runner

import (
	"github.com/sipbench/sipbench/cluster"
	"github.com/sipbench/sipbench/folder"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of events.
const (
	// EvState: the job changed state (Event.State; Event.Message for failures).
	EvState EventKind = iota
	// EvMetrics: one logged step's metrics (Event.Step, Event.Wall, Event.Metrics).
	EvMetrics
	// EvSnapshot: the latest fields of one example (Event.Snapshot).
	EvSnapshot
	// EvCluster: Slurm's view of the job changed (Event.Cluster); only for a Watch of a
	// run trained on a Slurm cluster.
	EvCluster
	// EvNote: something the user should know about the job that changes nothing in its
	// state (Event.Message): what a resume repaired in its files.
	EvNote
)

// Event is one thing that happened to one job. Readers (the TUI, the headless printer,
// the run store) receive the same events, whether the job runs in this process or is read
// back from its folder.
type Event struct {
	Job      string // JobInfo.ID
	Kind     EventKind
	State    folder.State
	Message  string
	Step     int       // steps completed
	Wall     float64   // seconds of training since the job started (excluding pauses)
	Metrics  []float64 // in the order of RunInfo.Metrics; for EvMetrics
	Snapshot *folder.Snapshot
	Cluster  *cluster.View // for EvCluster
}
