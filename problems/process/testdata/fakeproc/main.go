// Command fakeproc is a problem process in Go for the tests of package process: it serves
// the rotation problem (or, with identity=N,M,K, P(x) = x on that shape, for the
// benchmark) and injects one fault when asked:
//
//	crash=CALL      write to stderr and exit 3 on CALL
//	exit=CALL       exit 0 on CALL, silently
//	hang=CALL       never answer CALL
//	malformed=CALL  answer CALL with a frame that is not one
//	stdout=CALL     print a log line to stdout before answering CALL
//	shape=CALL      answer CALL with an array of the wrong shape
//	nan=CALL        answer CALL with NaN values (metrics: from its 3rd call)
//	version=N       state protocol version N
//	wronggrad       a gradient 1.5 times too large
//	randomsample    a sample that the seed does not determine
//	child           start a child process (sleep) that shares the process group
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
	"github.com/sipbench/sipbench/problems/process"
)

var opts = map[string]string{}

type identity struct{ shape []int }

func (p identity) XShape() []int { return p.shape }
func (p identity) YShape() []int { return p.shape }
func (p identity) Sample(rng *rand.Rand, b int) (x, y *core.Tensor) {
	x = core.New(append([]int{b}, p.shape...)...)
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	return x, x.Clone()
}
func (p identity) Forward(dst, x *core.Tensor) *core.Tensor {
	if dst == nil {
		dst = core.New(x.Shape...)
	}
	copy(dst.Data, x.Data)
	return dst
}
func (p identity) Loss(dst []float64, x, y *core.Tensor) []float64 {
	dst = make([]float64, x.Batch())
	for e := range dst {
		for i, v := range x.Example(e) {
			r := float64(v) - float64(y.Example(e)[i])
			dst[e] += r * r / 2
		}
	}
	return dst
}
func (p identity) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	dst = core.New(x.Shape...)
	for i := range dst.Data {
		dst.Data[i] = x.Data[i] - y.Data[i]
	}
	return dst
}
func (p identity) Updates() []string { return []string{"sip"} }
func (p identity) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	dst = p.Gradient(nil, x, y)
	for i := range dst.Data {
		dst.Data[i] = -dst.Data[i]
	}
	return dst
}
func (p identity) MetricNames() []string { return []string{"x_l1"} }
func (p identity) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	return []float64{problems.MAE(x, xTrue)}
}

// faulty wraps a problem with the gradient and sample faults.
type faulty struct {
	problems.Problem
	n uint64
}

func (f *faulty) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	dst = f.Problem.Gradient(dst, x, y)
	if _, ok := opts["wronggrad"]; ok {
		for i := range dst.Data {
			dst.Data[i] *= 1.5
		}
	}
	return dst
}

func (f *faulty) Sample(rng *rand.Rand, b int) (x, y *core.Tensor) {
	if _, ok := opts["randomsample"]; ok {
		f.n++
		rng = rand.New(rand.NewPCG(uint64(time.Now().UnixNano())+f.n, 9))
	}
	return f.Problem.Sample(rng, b)
}

func main() {
	for _, a := range os.Args[1:] {
		k, v, _ := strings.Cut(a, "=")
		opts[k] = v
	}
	var p problems.Problem = problems.NewRotation(2, 0.3)
	name := "rotation"
	if s, ok := opts["identity"]; ok {
		var shape []int
		for _, f := range strings.Split(s, ",") {
			n, _ := strconv.Atoi(f)
			shape = append(shape, n)
		}
		p, name = identity{shape}, "identity"
	}
	p = &faulty{Problem: p}
	if _, ok := opts["child"]; ok {
		c := exec.Command("sleep", "300")
		c.Start()
		fmt.Fprintf(os.Stderr, "fakeproc: child %d\n", c.Process.Pid)
	}
	fmt.Fprintln(os.Stderr, "fakeproc: ready")
	d := process.Description{Name: name}
	if _, ok := opts["identity"]; ok && len(opts) == 1 { // the benchmark: no taps
		if err := process.Serve(p, d, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "fakeproc:", err)
			os.Exit(2)
		}
		return
	}
	// Serve through a filter that sees each request's call and injects the faults.
	in, out := &callTap{r: os.Stdin}, &faultWriter{w: os.Stdout}
	out.tap = in
	if err := process.Serve(p, d, in, out); err != nil {
		fmt.Fprintln(os.Stderr, "fakeproc:", err)
		os.Exit(2)
	}
}

// callTap reads the requests and records the call of each, with counts.
type callTap struct {
	r     io.Reader
	buf   []byte
	call  string
	count map[string]int
}

func (t *callTap) Read(b []byte) (int, error) {
	n, err := t.r.Read(b)
	t.buf = append(t.buf, b[:n]...)
	// Find the call of a complete header at the start of the buffer.
	for len(t.buf) >= 4 {
		hl := int(binary.LittleEndian.Uint32(t.buf))
		if len(t.buf) < 4+hl {
			break
		}
		var h struct {
			Call   string `json:"call"`
			Arrays []struct {
				Shape []int `json:"shape"`
			} `json:"arrays"`
		}
		json.Unmarshal(t.buf[4:4+hl], &h)
		size := 0
		for _, a := range h.Arrays {
			c := 4
			for _, v := range a.Shape {
				c *= v
			}
			size += c
		}
		if len(t.buf) < 4+hl+size {
			break
		}
		t.buf = t.buf[4+hl+size:]
		t.call = h.Call
		if t.count == nil {
			t.count = map[string]int{}
		}
		t.count[h.Call]++
		t.before()
	}
	return n, err
}

// before injects the faults that act before an answer.
func (t *callTap) before() {
	c := t.call
	switch c {
	case opts["crash"]:
		fmt.Fprintln(os.Stderr, "fakeproc: Traceback: something broke in", c)
		os.Exit(3)
	case opts["exit"]:
		os.Exit(0)
	case opts["hang"]:
		fmt.Fprintln(os.Stderr, "fakeproc: hanging in", c)
		time.Sleep(time.Hour)
	case opts["stdout"]:
		fmt.Fprintln(os.Stdout, "loading weights... done")
	}
}

// faultWriter rewrites answers for the faults that act on an answer.
type faultWriter struct {
	w   io.Writer
	tap *callTap
	buf bytes.Buffer
}

func (f *faultWriter) Write(b []byte) (int, error) {
	c := f.tap.call
	switch {
	case c == opts["malformed"]:
		f.w.Write([]byte{7, 0, 0, 0, '{', 'o', 'o', 'p', 's', '!', '!'})
		return len(b), nil
	case c == opts["shape"] && c != "":
		return f.w.Write(reshape(b))
	case c == opts["nan"] && c != "" && (c != "metrics" || f.tap.count[c] >= 3):
		return f.w.Write(nanify(b))
	case c == "describe" && opts["version"] != "":
		return f.w.Write(reversion(b, opts["version"]))
	}
	return f.w.Write(b)
}

// The rewrites work on a whole answer: Serve writes each through a bufio.Writer of 64 KiB,
// and the answers of the tests are smaller.
func split(b []byte) (map[string]any, []byte) {
	hl := binary.LittleEndian.Uint32(b)
	var h map[string]any
	json.Unmarshal(b[4:4+hl], &h)
	return h, b[4+hl:]
}

func join(h map[string]any, data []byte) []byte {
	hb, _ := json.Marshal(h)
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(hb)))
	return append(append(out, hb...), data...)
}

func reshape(b []byte) []byte {
	h, data := split(b)
	arrays := h["arrays"].([]any)
	a := arrays[0].(map[string]any)
	shape := a["shape"].([]any)
	// Same number of elements, another shape: [b, n] → [n, b].
	shape[0], shape[len(shape)-1] = shape[len(shape)-1], shape[0]
	return join(h, data)
}

func nanify(b []byte) []byte {
	h, data := split(b)
	arrays := h["arrays"].([]any)
	if arrays[0].(map[string]any)["dtype"] == "f64" {
		binary.LittleEndian.PutUint64(data, math.Float64bits(math.NaN()))
	} else {
		binary.LittleEndian.PutUint32(data, math.Float32bits(float32(math.NaN())))
	}
	return join(h, data)
}

func reversion(b []byte, v string) []byte {
	h, data := split(b)
	n, _ := strconv.Atoi(v)
	h["protocol"] = n
	return join(h, data)
}
