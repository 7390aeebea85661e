package cluster

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sipbench/sipbench/folder"
)

// Poll is an engine's view of the tasks of one record at one moment.
type Poll struct {
	Rec     *Record
	eng     Terms
	tasks   map[int]Task // by the record's task number, across its arrays
	when    time.Time    // when the engine answered
	Err     error        // the engine failed to answer: every view is unknown
	acct    map[int]Task // what the engine's history says of tasks its queue no longer lists
	acctErr error        // ErrNoAccounting, or why the history failed
}

// PollRecord asks eng (nil: the engine rec names) about the arrays of rec (every one it
// records, the previous ones too, so that tasks still pending in an older array are not
// lost). open reports whether task g's job is not final: if the engine no longer lists
// such a task, its history is asked why.
func PollRecord(eng Engine, rec *Record, open func(g int) bool) Poll {
	p := Poll{Rec: rec}
	if eng == nil {
		var err error
		if eng, err = rec.EngineOf(); err != nil {
			p.eng, p.Err = TermsOf(rec.Engine), err
			return p
		}
	}
	p.eng = eng.Terms()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ids := rec.ArrayIDs()
	byArray, when, err := eng.Tasks(ctx, ids)
	p.when = when
	if err != nil {
		p.Err = err
		return p
	}
	p.tasks = rec.View(byArray)
	fresh := false
	for _, tj := range rec.Tasks {
		if _, ok := p.tasks[tj.Task]; !ok && open(tj.Task) {
			fresh = true
		}
	}
	acct, err := eng.Ended(ctx, ids, fresh)
	p.acctErr = err
	if acct != nil {
		p.acct = rec.View(acct)
	}
	return p
}

// View merges task g's state with the job's status (Merge). owner is asked only for a job
// about to be called lost.
func (p Poll) View(g int, state folder.State, updated time.Time, owner func() *folder.LockOwner, resume string) View {
	v := p.view(g, state, updated, owner, resume)
	if p.eng != slurmTerms {
		v.Engine = p.eng
	}
	return v
}

func (p Poll) view(g int, state folder.State, updated time.Time, owner func() *folder.LockOwner, resume string) View {
	id := p.Rec.TaskID(g)
	if p.Err != nil {
		if state.Final() {
			return View{Task: id}
		}
		msg := p.Err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return View{State: Unknown, Task: id, Reason: p.eng.Queue + " failed: " + msg}
	}
	var task *Task
	if t, ok := p.tasks[g]; ok {
		task, id = &t, t.ID
	}
	var o *folder.LockOwner
	if !state.Final() && (task == nil || task.Ended()) {
		o = owner()
	}
	newer := updated.After(p.when.Truncate(time.Second)) // RFC 3339 keeps whole seconds
	v := Merge(state, newer, id, task, o, resume)
	if v.State == Lost && task == nil {
		v.Reason = p.lostReason(g)
	}
	return v
}

// lostReason says why task g, which the engine no longer lists, ended: its history's word.
func (p Poll) lostReason(g int) string {
	gone := "gone from " + p.eng.Queue
	switch t, ok := p.acct[g]; {
	case ok:
		r := t.State
		if t.Node != "" {
			r += " on " + t.Node
		}
		return r + ", says " + p.eng.History
	case errors.Is(p.acctErr, ErrNoAccounting) && p.eng.History != "":
		return gone + "; no accounting (" + p.eng.History + ") to say why"
	case errors.Is(p.acctErr, ErrNoAccounting):
		return gone
	case p.acctErr != nil:
		return gone + "; " + p.eng.History + " failed"
	}
	return gone
}

// CancelFolder cancels the array that trains the folder dir, if its record names one, and
// reports whether it did. For one combination of a sweep (its record lists a part of the
// sweep's array) it cancels that combination's tasks only.
func CancelFolder(dir string) bool {
	rec, err := ReadRecord(dir)
	if err != nil || rec.Array == "" {
		return false
	}
	eng, err := rec.EngineOf()
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return eng.Cancel(ctx, rec.CancelIDs()...) == nil
}

// CancelIDs returns what cancels the record's tasks: its arrays, the previous ones too (a
// task may still wait in one), or for a sweep's combination its own tasks in each.
func (r *Record) CancelIDs() []string {
	if !r.InSweep() {
		return r.ArrayIDs()
	}
	var ids []string
	for _, t := range r.Tasks {
		for _, a := range r.Arrays() {
			if t.Task >= a.First {
				ids = append(ids, TaskID(a.ID, t.Task-a.First))
			}
		}
	}
	return ids
}
