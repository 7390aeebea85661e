package slurm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// QueueMany returns what Slurm lists of the tasks of several arrays, by array and index,
// from one squeue call. Arrays that Slurm no longer knows have no tasks.
func (c Client) QueueMany(ctx context.Context, arrays []string) (map[string]map[int]Task, error) {
	out := map[string]map[int]Task{}
	if len(arrays) == 0 {
		return out, nil
	}
	b, err := c.run(ctx, "squeue", queueArgs(strings.Join(arrays, ","))...)
	var ce *CommandError
	if errors.As(err, &ce) && strings.Contains(ce.Msg, "Invalid job id") {
		return out, nil // one id that Slurm forgot: squeue names the error for a single id only
	}
	if err != nil {
		return nil, err
	}
	for _, a := range arrays {
		ts, err := ParseQueue(b, a)
		if err != nil {
			return nil, err
		}
		out[a] = ts
	}
	return out, nil
}

// ErrNoAccounting says that the cluster keeps no job accounting (sacct has nothing to
// say): a task that squeue no longer lists, MinJobAge after it ended, ended for a reason
// nobody recorded.
var ErrNoAccounting = errors.New("slurm: the cluster keeps no job accounting (sacct)")

// Accounting asks sacct once about every task of arrays and returns each listed task's
// final state (COMPLETED, CANCELLED, NODE_FAIL, OUT_OF_MEMORY, TIMEOUT, …), by array and
// index. A cluster without accounting gives ErrNoAccounting.
func (c Client) Accounting(ctx context.Context, arrays []string) (map[string]map[int]Task, error) {
	out := map[string]map[int]Task{}
	if len(arrays) == 0 {
		return out, nil
	}
	b, err := c.run(ctx, "sacct", "--noheader", "--parsable2", "--allocations",
		"--jobs="+strings.Join(arrays, ","), "--format=JobID,State,NodeList")
	var ce *CommandError
	if errors.As(err, &ce) && (strings.Contains(ce.Msg, "accounting storage is disabled") || strings.Contains(ce.Msg, "Accounting storage")) {
		return nil, ErrNoAccounting
	}
	if err != nil && strings.Contains(err.Error(), "not found on PATH") {
		return nil, ErrNoAccounting
	}
	if err != nil {
		return nil, err
	}
	for _, a := range arrays {
		out[a] = map[int]Task{}
	}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) < 3 {
			return nil, fmt.Errorf("slurm: sacct line %d: %q: want 3 fields separated by |", n+1, line)
		}
		array, idx, ok := strings.Cut(f[0], "_")
		if !ok || out[array] == nil {
			continue
		}
		ids, err := expandIndices(idx)
		if err != nil {
			return nil, fmt.Errorf("slurm: sacct line %d: %v", n+1, err)
		}
		state, _, _ := strings.Cut(f[1], " ") // "CANCELLED by 0"
		node := f[2]
		if node == "None assigned" || node == "(null)" {
			node = ""
		}
		for _, i := range ids {
			out[array][i] = Task{Index: i, ID: TaskID(array, i), State: state, Node: node}
		}
	}
	return out, nil
}

// Monitor asks Slurm about every array that its callers follow with one squeue call per
// interval, however many screens, watches or sweep combinations ask: a caller names the
// arrays it wants, and the call covers every array asked for during the last few
// intervals. It also asks sacct, at most once per AccountingEvery for one set of arrays,
// why tasks that squeue no longer lists ended. It is safe for concurrent use.
type Monitor struct {
	Client Client
	Every  time.Duration // if less than MinPollInterval, MinPollInterval is used
	// AccountingEvery is the least time between two sacct calls about the same arrays; if
	// 0, DefaultAccountingEvery.
	AccountingEvery time.Duration

	mu     sync.Mutex
	wanted map[string]time.Time // array → when a caller last asked for it
	last   time.Time
	asked  []string // the arrays of the last squeue call
	tasks  map[string]map[int]Task
	err    error
	calls  int
	acct   map[string]*acctEntry // by the sorted, joined arrays
	now    func() time.Time      // for tests
}

// DefaultAccountingEvery is Monitor.AccountingEvery's default.
const DefaultAccountingEvery = time.Minute

type acctEntry struct {
	when  time.Time
	tasks map[string]map[int]Task
	err   error
}

func (m *Monitor) clock() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

// Calls returns how many squeue calls the monitor has made.
func (m *Monitor) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

// Queue returns what squeue last said about arrays, by array and index, and when it
// said it, calling squeue (for these arrays and every other one followed lately) when the
// last call is older than the interval or did not ask about one of them. A failed call
// is an error until the next one, one interval later: an outage is not hammered.
func (m *Monitor) Queue(ctx context.Context, arrays []string) (map[string]map[int]Task, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	if m.wanted == nil {
		m.wanted = map[string]time.Time{}
	}
	every := max(m.Every, MinPollInterval)
	covered := true
	for _, a := range arrays {
		m.wanted[a] = now
		if !slices.Contains(m.asked, a) {
			covered = false
		}
	}
	if m.calls == 0 || now.Sub(m.last) >= every || !covered {
		var ask []string
		for a, t := range m.wanted {
			if now.Sub(t) <= 3*every {
				ask = append(ask, a)
			} else {
				delete(m.wanted, a)
			}
		}
		slices.Sort(ask)
		m.tasks, m.err = m.Client.QueueMany(ctx, ask)
		m.asked, m.last = ask, now
		m.calls++
	}
	if m.err != nil {
		return nil, m.last, m.err
	}
	out := map[string]map[int]Task{}
	for _, a := range arrays {
		out[a] = m.tasks[a]
	}
	return out, m.last, nil
}

// Accounting returns what sacct says about arrays (Client.Accounting), asking it at most
// once per AccountingEvery for the same arrays, and only when fresh is true (a task has
// just gone from squeue); otherwise the last answer, or nil if there is none.
func (m *Monitor) Accounting(ctx context.Context, arrays []string, fresh bool) (map[string]map[int]Task, error) {
	key := strings.Join(slices.Sorted(slices.Values(arrays)), ",")
	m.mu.Lock()
	if m.acct == nil {
		m.acct = map[string]*acctEntry{}
	}
	e := m.acct[key]
	every := m.AccountingEvery
	if every <= 0 {
		every = DefaultAccountingEvery
	}
	now := m.clock()
	ask := fresh && (e == nil || now.Sub(e.when) >= every) && !(e != nil && errors.Is(e.err, ErrNoAccounting))
	m.mu.Unlock()
	if !ask {
		if e == nil {
			return nil, nil
		}
		return e.tasks, e.err
	}
	tasks, err := m.Client.Accounting(ctx, arrays)
	m.mu.Lock()
	m.acct[key] = &acctEntry{when: now, tasks: tasks, err: err}
	m.mu.Unlock()
	return tasks, err
}
