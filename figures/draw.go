package figures

import (
	"errors"
	"path/filepath"
	"slices"

	"github.com/sipbench/sipbench/view"
)

// ErrNoFields says that a run has no fields to draw yet: no snapshot.
var ErrNoFields = errors.New("no fields to draw yet (no snapshot)")

// Draw draws the figure a viewer asks for (the dashboard's f and F keys) into the first
// run folder's figures/ (DefaultPath, or f.Name there) and returns the path written: the
// learning curves of f.Dirs, or the fields of the run f.Dirs[0] (its default figure other
// than the curves and Table 1; ErrNoFields before its first snapshot). Its type is a
// view.FigureFunc.
func Draw(f view.Figure) (string, error) {
	if len(f.Dirs) == 0 {
		return "", errors.New("figures: no run folder to draw")
	}
	dir := f.Dirs[0]
	o := Options{Kind: Curves, Metric: f.Metric, Wall: f.Wall}
	switch {
	case f.Raw:
		o.Window = 1
	case f.Window > 0:
		o.Window = f.Window
	}
	dirs := f.Dirs
	if f.Fields {
		kinds, err := DefaultKinds(dir)
		if err != nil {
			return "", err
		}
		kinds = slices.DeleteFunc(kinds, func(k Kind) bool { return k == Curves || k == Table1 })
		if len(kinds) == 0 {
			return "", ErrNoFields
		}
		o, dirs = Options{Kind: kinds[0]}, dirs[:1]
	}
	fig, err := New(dirs, o)
	if err != nil {
		return "", err
	}
	path, err := DefaultPath(dir, o.Kind)
	if err != nil {
		return "", err
	}
	if f.Name != "" {
		path = filepath.Join(filepath.Dir(path), filepath.Base(f.Name))
	}
	if err := fig.Save(path); err != nil {
		return "", err
	}
	return path, nil
}

var _ view.FigureFunc = Draw
