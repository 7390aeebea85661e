package folder

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/sipbench/sipbench/core"
)

// checkpointMeta is the JSON metadata of a checkpoint.
type CheckpointMeta struct {
	Job  string  `json:"job"`
	Step int     `json:"step"`
	Wall float64 `json:"wall_s"`
	RNG  []byte  `json:"rng"` // the data stream's PCG state
	LR   float64 `json:"lr"`
	// Run and Settings bind the checkpoint to its run (runBinding); both are absent from
	// checkpoints written before run ids.
	Run      string `json:"run,omitempty"`
	Settings string `json:"settings,omitempty"`
}

// readCheckpoint reads and checks a job's checkpoint.bin (not a link) and its metadata. A
// missing file gives an error wrapping os.ErrNotExist.
func ReadCheckpoint(dir, job string) (*core.Checkpoint, CheckpointMeta, error) {
	var meta CheckpointMeta
	f, err := OpenIn(dir, job, CheckpointFile)
	if err != nil {
		return nil, meta, err
	}
	defer f.Close()
	c, meta, err := ParseCheckpoint(bufio.NewReaderSize(f, 64<<10), job)
	if err != nil {
		return nil, meta, fmt.Errorf("runner: %s: %s: %v (remove it to train the job from its start)", job, CheckpointFile, err)
	}
	return c, meta, nil
}

// parseCheckpoint reads a checkpoint of job from r, to its end, and checks its metadata.
func ParseCheckpoint(r *bufio.Reader, job string) (*core.Checkpoint, CheckpointMeta, error) {
	var meta CheckpointMeta
	c, err := core.ReadCheckpoint(r)
	if err != nil {
		return nil, meta, err
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, meta, errors.New("data after the checkpoint")
	}
	if err := decodeJSON(c.Meta, &meta); err != nil {
		return nil, meta, fmt.Errorf("metadata: %v", err)
	}
	switch {
	case meta.Job != job:
		return nil, meta, fmt.Errorf("it is the checkpoint of job %q", meta.Job)
	case meta.Step < 0 || !FiniteValue(meta.Wall) || meta.Wall < 0:
		return nil, meta, fmt.Errorf("step %d, wall_s %v", meta.Step, meta.Wall)
	case !FiniteValue(meta.LR):
		return nil, meta, fmt.Errorf("learning rate %v", meta.LR)
	}
	return c, meta, nil
}
