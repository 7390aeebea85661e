package tune

import (
	"strconv"
	"strings"

	"github.com/sipbench/sipbench/optimizers"
)

// HyperValue is the value of one tunable hyper-parameter besides the learning rate
// (optimizers.Hyper): the setting <Name>.<method>.
type HyperValue struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Point is one candidate of a method's search: a learning rate and the values of the
// method's other tunable hyper-parameters, in the order the method declares them (none
// for a method that declares none, or a search of the learning rate alone).
type Point struct {
	LR     float64
	Hypers []HyperValue
}

// Points returns the candidates of a method whose optimizer declares hypers: every rate
// of grid crossed with every value of each hyper-parameter, the rate varying slowest (so
// that, among equal scores, Keep prefers the lower rate). Without hypers, one point per
// rate.
func Points(grid []float64, hypers []optimizers.Hyper) []Point {
	pts := []Point{}
	for _, lr := range grid {
		pts = append(pts, Point{LR: lr})
	}
	for _, h := range hypers {
		var next []Point
		for _, p := range pts {
			for _, v := range h.Values {
				q := Point{LR: p.LR, Hypers: append(append([]HyperValue(nil), p.Hypers...), HyperValue{Name: h.Name, Value: v})}
				next = append(next, q)
			}
		}
		pts = next
	}
	return pts
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Dir names the point's run folder in a rung: "lr=0.001", "lr=0.001,momentum=0.9".
// Methods at the same point share it.
func (p Point) Dir() string {
	parts := []string{"lr=" + fmtFloat(p.LR)}
	for _, h := range p.Hypers {
		parts = append(parts, h.Name+"="+fmtFloat(h.Value))
	}
	return strings.Join(parts, ",")
}

// String is Dir's text with spaces: "0.001", "0.001 momentum=0.9".
func (p Point) String() string {
	s := strconv.FormatFloat(p.LR, 'g', 3, 64)
	for _, h := range p.Hypers {
		s += " " + h.Name + "=" + strconv.FormatFloat(h.Value, 'g', 3, 64)
	}
	return s
}

// Sets returns the point as settings of method: lr.<method>=rate and <name>.<method>=value
// for each hyper-parameter.
func (p Point) Sets(method string) []string {
	out := []string{"lr." + method + "=" + fmtFloat(p.LR)}
	for _, h := range p.Hypers {
		out = append(out, h.Name+"."+method+"="+fmtFloat(h.Value))
	}
	return out
}

// Values returns the point as a sweep's values: "lr" and each hyper-parameter's name.
func (p Point) Values() map[string]string {
	v := map[string]string{"lr": fmtFloat(p.LR)}
	for _, h := range p.Hypers {
		v[h.Name] = fmtFloat(h.Value)
	}
	return v
}
