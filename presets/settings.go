package presets

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Kind is the type of a setting's value.
type Kind int

// The kinds of settings.
const (
	Int   Kind = iota // a whole number ≥ 0 (or ≥ 1 where stated)
	Float             // a finite number
)

// Key declares one setting a preset accepts: its name, type, meaning and bounds.
type Key struct {
	Name string
	Kind Kind
	Doc  string
	Min  float64 // smallest accepted value
	// Max is the largest accepted value. If it is 0 there is no upper bound but, for an
	// Int, MaxWhole (the largest whole number a float64 holds exactly).
	Max float64
	// Pow2 restricts an Int to powers of two (grid sizes of FFT-based problems).
	Pow2 bool
}

// MaxWhole is the largest value an Int setting without a Max accepts: 2⁵³ − 1, the largest
// whole number that every reader of the setting (a float64 included) holds exactly.
const MaxWhole = 1<<53 - 1

// Values holds settings by name as the command line writes them ("xi" → "32", "lr.adam" →
// "1e-3"): the parse step between --set and the typed settings (Settings, each method's
// optimizers.Method), and the form a run folder's record and a listing show them in.
type Values map[string]string

// Sorted returns the keys in lexical order.
func (v Values) Sorted() []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// check validates a raw value against k and returns it normalised, or a *SettingError.
// An Int may be written as any number that is whole ("1e12", "64.0"); it is normalised to
// its digits.
func (k Key) check(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		if err != nil && errors.Is(err, strconv.ErrRange) { // 1e400
			return "", &SettingError{Key: k.Name, Value: raw, Reason: "out of range [" + k.rangeText() + "]"}
		}
		return "", &SettingError{Key: k.Name, Value: raw, Reason: "want a " + k.kindName()}
	}
	hi := k.Max
	if k.Kind == Int {
		if f != math.Trunc(f) {
			return "", &SettingError{Key: k.Name, Value: raw, Reason: "want a whole number"}
		}
		if hi == 0 {
			hi = MaxWhole
		}
		if f >= k.Min && f <= hi {
			raw = strconv.FormatInt(int64(f), 10)
		}
	}
	if f < k.Min || (hi != 0 && f > hi) {
		return "", &SettingError{Key: k.Name, Value: raw, Reason: "out of range [" + k.rangeText() + "]", parsed: true}
	}
	if k.Pow2 && !pow2(int64(f)) {
		return "", &SettingError{Key: k.Name, Value: raw, Reason: "want a power of two in [" + k.rangeText() + "]", parsed: true}
	}
	return raw, nil
}

func pow2(n int64) bool { return n > 0 && n&(n-1) == 0 }

func (k Key) kindName() string {
	if k.Pow2 {
		return "power of two"
	}
	if k.Kind == Int {
		return "whole number"
	}
	return "number"
}

func (k Key) rangeText() string {
	hi := "∞"
	switch {
	case k.Max != 0:
		hi = strconv.FormatFloat(k.Max, 'g', -1, 64)
	case k.Kind == Int:
		hi = strconv.FormatInt(MaxWhole, 10)
	}
	return strconv.FormatFloat(k.Min, 'g', -1, 64) + ", " + hi
}

// Usage describes the key for help texts: "name (kind in [min, max]): doc".
func (k Key) Usage() string {
	return fmt.Sprintf("%s (%s in [%s]): %s", k.Name, k.kindName(), k.rangeText(), k.Doc)
}

// The names of the settings that every preset accepts (Common's fields).
const (
	KeySteps           = "steps"
	KeyBatch           = "batch"
	KeyMaxSeconds      = "max_seconds"
	KeySnapshotEvery   = "snapshot_every"
	KeyCheckpointEvery = "checkpoint_every"
)

// commonKeys declares the settings of Common, in the order listings show them.
var commonKeys = []Key{
	{Name: KeySteps, Kind: Int, Min: 1, Doc: "training steps per job"},
	{Name: KeyBatch, Kind: Int, Min: 1, Max: 4096, Doc: "examples per training batch (fresh every step)"},
	{Name: KeyMaxSeconds, Kind: Float, Min: 0, Doc: "stop each job after this many seconds of training (0: no limit)"},
	{Name: KeySnapshotEvery, Kind: Int, Min: 1, Doc: "steps between snapshots of predicted fields"},
	{Name: KeyCheckpointEvery, Kind: Int, Min: 1, Doc: "steps between checkpoints"},
}

// Common holds the settings that every preset accepts, typed. A Scale states them for
// its size; a resolved Spec carries them with the user's overrides (Spec.Common). Steps
// and Batch have no default; the zero values of the others mean what their comments say.
type Common struct {
	Steps int // training steps per job (for a solver preset, iterations)
	Batch int // examples per training batch (fresh every step)
	// MaxSeconds stops each job after this many seconds of training. If it is 0, there is
	// no limit.
	MaxSeconds float64
	// SnapshotEvery is the number of steps between snapshots of the predicted fields. If
	// it is 0, Steps/100 is used (at least 1).
	SnapshotEvery int
	// CheckpointEvery is the number of steps between checkpoints. If it is 0, Steps/10
	// is used (at least 1).
	CheckpointEvery int
}

// withDefaults returns c with its zero fields replaced by their defaults.
func (c Common) withDefaults() Common {
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = max(1, c.Steps/100)
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = max(1, c.Steps/10)
	}
	return c
}

// values returns c, with defaults, as settings.
func (c Common) values() Values {
	c = c.withDefaults()
	return Values{
		KeySteps:           strconv.Itoa(c.Steps),
		KeyBatch:           strconv.Itoa(c.Batch),
		KeyMaxSeconds:      strconv.FormatFloat(c.MaxSeconds, 'g', -1, 64),
		KeySnapshotEvery:   strconv.Itoa(c.SnapshotEvery),
		KeyCheckpointEvery: strconv.Itoa(c.CheckpointEvery),
	}
}

// set stores the checked value raw of the common setting key in c.
func (c *Common) set(key, raw string) {
	f, _ := strconv.ParseFloat(raw, 64) // checked by the key
	switch key {
	case KeySteps:
		c.Steps = int(f)
	case KeyBatch:
		c.Batch = int(f)
	case KeyMaxSeconds:
		c.MaxSeconds = f
	case KeySnapshotEvery:
		c.SnapshotEvery = int(f)
	case KeyCheckpointEvery:
		c.CheckpointEvery = int(f)
	}
}

// SettingError is a value that a setting does not accept. Resolve wraps it with the
// preset's name; use errors.As to show it next to the setting it belongs to.
type SettingError struct {
	Key    string
	Value  string
	Reason string // "want a whole number", "out of range [1, 4096]", …
	// parsed is true when Value is a valid number (then shown without quotes).
	parsed bool
}

// Error returns `key="value": reason` (`key=value: reason` for a number out of range).
func (e *SettingError) Error() string {
	if e.parsed {
		return fmt.Sprintf("%s=%s: %s", e.Key, e.Value, e.Reason)
	}
	return fmt.Sprintf("%s=%q: %s", e.Key, e.Value, e.Reason)
}
