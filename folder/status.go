package folder

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipbench/sipbench/core"
)

// Version is sipbench's version, recorded in run.json.
const Version = "0.1.0"

// FormatVersion is the version of the run folder's format that this sipbench writes, and
// the newest it reads (run.json's and config.json's "format"). Folders without one were
// written before it was recorded (format 0): their config.json records no network.
const FormatVersion = 1

// creatingMark marks the temporary name of a run folder that Create is making:
// .NAME.creating-ID beside NAME. Listings of runs leave such folders out.
const CreatingMark = ".creating-"

// creating reports whether name is that of a run folder being made (creatingMark).
func Creating(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, CreatingMark)
}

// SetJobState records state s and message msg in the status of a job that no process is
// training (it takes the job's lock for the write, so it fails with a *BusyError while
// one is), keeping the step and wall time it had reached.
func SetJobState(dir, job string, s State, msg string) error {
	l, err := LockJob(dir, job, "") // a moment's lock: no task named
	if err != nil {
		return err
	}
	defer l.Release()
	st, err := ReadStatus(dir, job)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	st.State, st.Message = s, msg
	return WriteStatus(dir, job, st)
}

// writeStatus replaces a job's status.json atomically. If that fails (a full disk has no
// room for the temporary file), it rewrites the file in place, in the blocks it already
// has, so that a job failing for lack of space still records it rather than staying
// "running".
func WriteStatus(dir, job string, s Status) error {
	s.Updated = time.Now().UTC().Format(time.RFC3339)
	err := WriteJSON(filepath.Join(dir, job, StatusFile), s)
	if err == nil {
		return nil
	}
	b, merr := json.MarshalIndent(s, "", "  ")
	if merr != nil {
		return err
	}
	f, oerr := OpenRWIn(dir, job, StatusFile)
	if oerr != nil {
		return err
	}
	defer f.Close()
	b = append(b, '\n')
	if _, werr := f.WriteAt(b, 0); werr != nil {
		return err
	}
	if terr := f.Truncate(int64(len(b))); terr != nil {
		return err
	}
	return f.Sync()
}

// writeControl asks the process running the job in dir to pause, resume or cancel it. The
// file is replaced atomically, never written through a link, and only inside a job folder
// that is a real folder of dir.
func WriteControl(dir, job, action string) error {
	if _, err := ParseControl([]byte(action)); err != nil {
		return fmt.Errorf("runner: %v", err)
	}
	if err := CheckJob(dir, job); err != nil {
		return err
	}
	return core.WriteFileAtomic(filepath.Join(dir, job, ControlFile), []byte(action+"\n"))
}
