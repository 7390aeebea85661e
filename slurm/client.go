package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoSlurm says that Slurm's commands are not installed here (sbatch is not on PATH).
var ErrNoSlurm = errors.New("slurm: sbatch not found on PATH (is this a Slurm cluster's login node?)")

// Client runs Slurm's commands (sbatch, squeue, scancel, scontrol). Its zero value finds
// them on PATH. It is safe for concurrent use.
type Client struct {
	// Bin is the folder of Slurm's commands; if "", they are looked up on PATH.
	Bin string
}

// Available returns nil if sbatch can be run, and ErrNoSlurm otherwise.
func (c Client) Available() error {
	if _, err := exec.LookPath(c.path("sbatch")); err != nil {
		return ErrNoSlurm
	}
	return nil
}

func (c Client) path(cmd string) string {
	if c.Bin == "" {
		return cmd
	}
	return filepath.Join(c.Bin, cmd)
}

// run runs cmd with args and returns its standard output; on failure the error holds the
// command's own message (its standard error, trimmed to its last lines).
func (c Client) run(ctx context.Context, cmd string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	x := exec.CommandContext(ctx, c.path(cmd), args...)
	x.Stdout, x.Stderr = &stdout, &stderr
	if err := x.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			if cmd == "sbatch" {
				return nil, ErrNoSlurm
			}
			return nil, fmt.Errorf("slurm: %s not found on PATH", cmd)
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), &CommandError{Cmd: cmd, Msg: msg, Err: err}
	}
	return stdout.Bytes(), nil
}

// CommandError is a Slurm command that failed, with its message.
type CommandError struct {
	Cmd string // sbatch, squeue, scancel or scontrol
	Msg string // what it printed on standard error
	Err error  // how it ended
}

func (e *CommandError) Error() string {
	if strings.HasPrefix(e.Msg, e.Cmd+":") { // "sbatch: error: …"
		return e.Msg
	}
	return e.Cmd + ": " + e.Msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// Submit submits the batch script at path with `sbatch --parsable` and returns the job
// (array) id that sbatch prints. args come before the script (overrides of its #SBATCH
// lines, such as "--array=3").
func (c Client) Submit(ctx context.Context, path string, args ...string) (string, error) {
	out, err := c.run(ctx, "sbatch", append(append([]string{"--parsable"}, args...), path)...)
	if err != nil {
		return "", err
	}
	return ParseSubmit(out)
}

// ParseSubmit reads the output of sbatch --parsable: "ID" or "ID;CLUSTER".
func ParseSubmit(out []byte) (string, error) {
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if id == "" || strings.Trim(id, "0123456789") != "" {
		return "", fmt.Errorf("slurm: sbatch printed %q, want a job id", strings.TrimSpace(string(out)))
	}
	return id, nil
}

// Queue returns what Slurm lists of the array's tasks, by index, from one squeue call. An
// array that Slurm no longer knows (finished longer than MinJobAge ago) has no tasks.
func (c Client) Queue(ctx context.Context, array string) (map[int]Task, error) {
	out, err := c.run(ctx, "squeue", queueArgs(array)...)
	var ce *CommandError
	if errors.As(err, &ce) && strings.Contains(ce.Msg, "Invalid job id") {
		return map[int]Task{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseQueue(out, array)
}

// MaxArraySize returns the cluster's MaxArraySize (scontrol show config): array indices
// are below it.
func (c Client) MaxArraySize(ctx context.Context) (int, error) {
	out, err := c.run(ctx, "scontrol", "show", "config")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "MaxArraySize" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return 0, fmt.Errorf("slurm: MaxArraySize %q is not a count", strings.TrimSpace(v))
			}
			return n, nil
		}
	}
	return 0, errors.New("slurm: scontrol show config names no MaxArraySize")
}

// Cancel cancels jobs, array tasks ("ARRAY_INDEX") or whole arrays ("ARRAY") with scancel.
func (c Client) Cancel(ctx context.Context, ids ...string) error {
	_, err := c.run(ctx, "scancel", ids...)
	return err
}

// Requeue puts a job or array task back in the queue (scontrol requeue): Slurm ends it and
// starts it again later, with SLURM_RESTART_COUNT one higher.
func (c Client) Requeue(ctx context.Context, id string) error {
	_, err := c.run(ctx, "scontrol", "requeue", id)
	return err
}

// MinPollInterval is the shortest time between two squeue calls of a Poller: a dashboard
// open for hours must not load the cluster's controller.
const MinPollInterval = 10 * time.Second

// Poller asks Slurm about one array at most every Every (at least MinPollInterval), and
// answers from its last reply in between. It is safe for concurrent use.
type Poller struct {
	Client Client
	Array  string
	Every  time.Duration // if less than MinPollInterval, MinPollInterval is used

	mu    sync.Mutex
	last  time.Time
	tasks map[int]Task
	err   error
	calls int
	now   func() time.Time // for tests
}

// Tasks returns the array's tasks as of the last squeue call, calling squeue first if the
// last call is older than the interval, and when that reply was taken.
func (p *Poller) Tasks(ctx context.Context) (map[int]Task, time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	every := max(p.Every, MinPollInterval)
	if p.calls == 0 || now().Sub(p.last) >= every {
		p.tasks, p.err = p.Client.Queue(ctx, p.Array)
		p.last = now()
		p.calls++
	}
	return p.tasks, p.last, p.err
}
