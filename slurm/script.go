package slurm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options are the resources and limits asked of Slurm for every task of an array. Empty
// strings and zeros leave Slurm's (or the site's) defaults, except where said.
type Options struct {
	Partition string // --partition
	Time      string // --time, in Slurm's syntax ("30", "4:00:00", "1-12:00:00")
	// CPUsPerTask is --cpus-per-task. If 0, 2 is used.
	CPUsPerTask int
	Mem         string // --mem ("4G")
	Account     string // --account
	QOS         string // --qos
	// MaxParallel is the array's throttle (--array=0-N%MaxParallel): how many of its tasks
	// may run at once. If 0, min(tasks, DefaultThrottle), as submitit does.
	MaxParallel int
	// Setup holds shell lines run before the training starts, in order ("module load
	// gcc", "source ~/env.sh"), as submitit's setup=[…].
	Setup []string
	// SignalLead is how long before the time limit (or preemption) Slurm sends SIGUSR1 to
	// the batch step, so that it checkpoints and requeues itself (--signal=B:USR1@secs).
	// If 0, 90 s is used.
	SignalLead time.Duration
	// Extra holds further sbatch options, each written as one #SBATCH line as given
	// ("--gres=gpu:1", "--constraint=avx512").
	Extra []string
}

// DefaultCPUsPerTask, DefaultSignalLead, DefaultThrottle and DefaultTime are the defaults
// of Options (DefaultTime is the command line's --time; an empty Time leaves the site's).
const (
	DefaultCPUsPerTask = 2
	DefaultSignalLead  = 90 * time.Second
	DefaultThrottle    = 256
	DefaultTime        = "4:00:00"
)

// DefaultMaxArraySize is Slurm's MaxArraySize when the cluster does not say: array
// indices 0 … 1000.
const DefaultMaxArraySize = 1001

// The files an array's script and tasks write in its folder.
const (
	ScriptFile    = "slurm/array.sh"  // the batch script, relative to the folder
	LogPattern    = "slurm/%A_%a.log" // each task's standard output
	ErrLogPattern = "slurm/%A_%a.err" // each task's standard error
)

// PartScript is the script of the array whose index 0 trains task first: ScriptFile for
// the first array, slurm/array-FIRST.sh for a further one.
func PartScript(first int) string {
	if first == 0 {
		return ScriptFile
	}
	return fmt.Sprintf("slurm/array-%d.sh", first)
}

// Throttle is the array's %N: MaxParallel, or min(Tasks, DefaultThrottle).
func (s *Script) Throttle() int {
	if s.MaxParallel > 0 {
		return s.MaxParallel
	}
	return min(s.Tasks, DefaultThrottle)
}

// ArraySpec writes indices (ascending) as sbatch's --array takes them, ranges folded
// ("0-3,7,9-10"), with the throttle %throttle when it is above 0.
func ArraySpec(indices []int, throttle int) string {
	var parts []string
	for i := 0; i < len(indices); {
		j := i
		for j+1 < len(indices) && indices[j+1] == indices[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, fmt.Sprint(indices[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", indices[i], indices[j]))
		}
		i = j + 1
	}
	spec := strings.Join(parts, ",")
	if throttle > 0 {
		spec += fmt.Sprintf("%%%d", throttle)
	}
	return spec
}

// Script is the batch script of one job array: task i execs Command with
// SLURM_ARRAY_TASK_ID = i in its environment.
type Script struct {
	Options
	Name    string   // --job-name
	Tasks   int      // the array's tasks are 0 … Tasks−1
	Log     string   // --output: each task's log; Slurm expands %A (array id) and %a (task)
	ErrLog  string   // --error: each task's standard error; "" joins it to Log
	Dir     string   // --chdir
	Command []string // what each task execs (it becomes the batch step, so it gets the signals)
	Comment []string // lines of explanation written at the top
}

// Validate reports options that would make a broken script: no tasks, no command,
// negative numbers, values with line breaks, extra options that are not options.
func (s *Script) Validate() error {
	if s.Tasks < 1 {
		return errors.New("slurm: an array needs at least one task")
	}
	if len(s.Command) == 0 {
		return errors.New("slurm: no command for the tasks")
	}
	if s.CPUsPerTask < 0 || s.MaxParallel < 0 || s.SignalLead < 0 {
		return errors.New("slurm: --cpus-per-task, --max-parallel and the signal lead must not be negative")
	}
	if s.SignalLead > 0 && s.SignalLead < time.Second {
		return errors.New("slurm: the signal lead is given in whole seconds")
	}
	for _, v := range append(append([]string{s.Name, s.Log, s.ErrLog, s.Dir, s.Partition, s.Time, s.Mem, s.Account, s.QOS}, s.Extra...), s.Setup...) {
		if strings.ContainsAny(v, "\n\r") {
			return fmt.Errorf("slurm: option %q has a line break", v)
		}
	}
	for _, v := range []string{s.Partition, s.Time, s.Mem, s.Account, s.QOS} {
		if strings.ContainsAny(v, " \t") {
			return fmt.Errorf("slurm: option value %q has a space", v)
		}
	}
	for _, e := range s.Extra {
		if !strings.HasPrefix(e, "-") {
			return fmt.Errorf("slurm: sbatch argument %q is not an option (it should start with -)", e)
		}
	}
	return nil
}

// String returns the script: a bash script whose #SBATCH lines hold every option, so that
// `sbatch FILE` re-submits it by hand; the command is exec'd, so that Slurm's signals reach
// the training process itself and not a shell waiting for it. It panics if Validate fails.
func (s *Script) String() string {
	if err := s.Validate(); err != nil {
		panic(err)
	}
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	for _, c := range s.Comment {
		b.WriteString(strings.TrimRight("# "+c, " ") + "\n")
	}
	opt := func(name, val string) {
		if val != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", name, sbatchQuote(val))
		}
	}
	opt("job-name", s.Name)
	opt("array", fmt.Sprintf("0-%d%%%d", s.Tasks-1, s.Throttle()))
	cpus := s.CPUsPerTask
	if cpus == 0 {
		cpus = DefaultCPUsPerTask
	}
	opt("cpus-per-task", fmt.Sprint(cpus))
	opt("ntasks", "1")
	opt("partition", s.Partition)
	opt("time", s.Time)
	opt("mem", s.Mem)
	opt("account", s.Account)
	opt("qos", s.QOS)
	b.WriteString("#SBATCH --requeue\n")
	lead := s.SignalLead
	if lead == 0 {
		lead = DefaultSignalLead
	}
	opt("signal", fmt.Sprintf("B:USR1@%d", int(lead/time.Second)))
	opt("output", s.Log)
	opt("error", s.ErrLog)
	opt("open-mode", "append") // a requeued task adds to its logs
	opt("chdir", s.Dir)
	for _, e := range s.Extra {
		b.WriteString("#SBATCH " + e + "\n")
	}
	if len(s.Setup) > 0 {
		b.WriteString("\n# Set-up lines (--setup), run before the training:\n")
		for _, l := range s.Setup {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("\nexec")
	for _, a := range s.Command {
		b.WriteString(" " + Quote(a))
	}
	b.WriteString("\n")
	return b.String()
}

// sbatchQuote returns an #SBATCH option's value as sbatch reads it: unchanged without
// spaces or quotes, else in double quotes (sbatch takes a quoted value whole, and a
// backslash escapes a double quote or a backslash inside).
func sbatchQuote(v string) string {
	if !strings.ContainsAny(v, " \t\"'\\") {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// Quote returns s quoted for a POSIX shell: unchanged when it is made only of characters
// that need no quoting, otherwise in single quotes.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// WriteScriptAs writes the script to dir/rel (executable) and returns its path.
func WriteScriptAs(dir, rel string, s *Script) (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, writeAtomic(path, []byte(s.String()), 0o755)
}

func writeAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
