// Package process is a problems.Problem served by another process, in any language, over
// its stdin and stdout: the problem process protocol of docs/problem-protocol.md (the
// contract; Version is its number). `sipbench run --problem-cmd 'python3 my_problem.py'`
// starts one process per job through Start.
//
// Faults are results, never hangs: a process that crashes, exits, answers late (the
// per-call timeout), writes a malformed frame or wrong shapes, or writes text to stdout
// is killed (with its process group) and the call panics with a *Fault, one line that
// names the call and the reason, with the tail of the process's stderr. The runner marks
// the job failed with that line and appends the tail to the run's train.log; Close ends
// the process in every case.
package process

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// Version is the protocol's version, which a process states in its answer to describe.
// A process of another version is refused by name.
const Version = 1

// DefaultTimeout is the per-call timeout when Options.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// The bounds on what a process may send: a header of at most MaxHeader bytes, and arrays
// of at most MaxElements elements in all (4 GiB of float64), checked against the shape
// the call expects before anything is read.
const (
	MaxHeader   = 1 << 20
	MaxElements = 1 << 29
)

// Options configure a problem process.
type Options struct {
	// Timeout bounds each call, from the request's first byte to the answer's last
	// (DefaultTimeout if 0). describe, the first call, gets it too.
	Timeout time.Duration
	// Dir is the working directory of the process ("" for this one's).
	Dir string
}

// Description is the process's answer to describe.
type Description struct {
	Protocol int      `json:"protocol"`
	Name     string   `json:"name"`
	XShape   []int    `json:"x_shape"`
	YShape   []int    `json:"y_shape"`
	Metrics  []string `json:"metrics"`
	Updates  []string `json:"updates"`
	// Snapshot is the kind of figure the problem's snapshots suit: "fields", "scatter",
	// "xspace" or "" (the learning curves only).
	Snapshot string `json:"snapshot,omitempty"`
	// Preset, if present, proposes the preset sipbench trains the problem with (Preset).
	Preset *PresetHint `json:"preset,omitempty"`
}

// Fault is a problem process's failure: the call, a one-line reason and the tail of its
// stderr. Calls panic with it (problems.Problem has no error results); the runner
// recovers it as the job's failure.
type Fault struct {
	Call   string
	Reason string
	Stderr string // the last lines the process wrote to stderr
}

// Error is the one line: "problem process: CALL: REASON".
func (f *Fault) Error() string { return "problem process: " + f.Call + ": " + f.Reason }

// Tail returns the tail of the process's stderr, for train.log.
func (f *Fault) Tail() string { return f.Stderr }

// Problem is a problem process: a problems.Problem whose every method is a call to it. It
// is not safe for concurrent use, as no Problem is.
type Problem struct {
	argv    []string
	timeout time.Duration
	desc    Description

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *tail
	waited chan struct{} // closed when the process has been reaped
	fault  *Fault        // the first fault; every later call repeats it
	mu     sync.Mutex
	closed bool
}

var _ problems.Problem = (*Problem)(nil)

// Split returns the words of a command line as a POSIX shell splits them, without running
// a shell: words are separated by blanks, '…' quotes literally, "…" quotes with \" \\ \$
// and \` escapes, and \ escapes one character outside quotes. It fails on an unclosed
// quote or an empty command.
func Split(cmd string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quote, esc := false, rune(0), false
	for _, r := range cmd {
		switch {
		case esc:
			if quote == '"' && !strings.ContainsRune("\"\\$`", r) {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			esc, in = false, true
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				esc = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			esc, in = true, true
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 || esc {
		return nil, fmt.Errorf("problem command %q: unclosed quote or trailing backslash", cmd)
	}
	if in {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("problem command is empty")
	}
	return words, nil
}

// Resolve returns argv with its program as an absolute path (exec.LookPath, made absolute
// against dir when it is relative): what a run records, so that a task on a cluster runs
// the same program.
func Resolve(argv []string, dir string) ([]string, error) {
	prog := argv[0]
	if !strings.Contains(prog, "/") {
		p, err := exec.LookPath(prog)
		if err != nil {
			return nil, fmt.Errorf("problem command: %v", err)
		}
		prog = p
	}
	if !strings.HasPrefix(prog, "/") {
		base := dir
		if base == "" {
			wd, err := os.Getwd()
			if err != nil {
				return nil, err
			}
			base = wd
		}
		prog = base + "/" + prog
	}
	return append([]string{prog}, argv[1:]...), nil
}

// Start starts the process argv (argv[0] a program, no shell) and calls describe. It
// fails, with the reason in one line and the stderr tail, if the process does not start,
// answers describe wrongly or late, or states another protocol version.
func Start(argv []string, o Options) (p *Problem, err error) {
	if len(argv) == 0 {
		return nil, errors.New("problem command is empty")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	p = &Problem{argv: argv, timeout: o.Timeout, stderr: newTail(4096), waited: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = o.Dir
	p.cmd.Stderr = p.stderr
	setGroup(p.cmd)
	// Pipes of our own (not StdinPipe): Linux lets them grow to 1 MiB, so that a large
	// array crosses in a few context switches rather than one per 64 KiB.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	growPipe(inW)
	growPipe(outW)
	p.cmd.Stdin, p.cmd.Stdout = inR, outW
	p.stdin, p.stdout = inW, outR
	err = p.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("problem process %s: %v", strings.Join(argv, " "), err)
	}
	go func() {
		p.cmd.Wait()
		close(p.waited)
	}()
	defer func() {
		if rec := recover(); rec != nil {
			f, ok := rec.(*Fault)
			if !ok {
				panic(rec)
			}
			p.Close()
			p, err = nil, f
		}
	}()
	var d Description
	hdr, _ := p.call("describe", map[string]any{"call": "describe", "protocol": Version}, nil, nil)
	if err := json.Unmarshal(hdr, &d); err != nil {
		p.failf("describe", "the answer is not a description: %v", err)
	}
	if d.Protocol != Version {
		p.failf("describe", "the process speaks protocol version %d; this sipbench speaks version %d (docs/problem-protocol.md)", d.Protocol, Version)
	}
	if err := d.validate(); err != nil {
		p.failf("describe", "%v", err)
	}
	p.desc = d
	return p, nil
}

var plain = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

func (d *Description) validate() error {
	if !plain.MatchString(d.Name) {
		return fmt.Errorf("name %q: want plain lowercase ([a-z][a-z0-9_-]*, at most 32 bytes)", d.Name)
	}
	for _, s := range [][]int{d.XShape, d.YShape} {
		n := 1
		for _, v := range s {
			if v <= 0 || v > MaxElements {
				return fmt.Errorf("shapes x %v, y %v: every size must be in [1, %d]", d.XShape, d.YShape, MaxElements)
			}
			n *= v
			if n > MaxElements {
				return fmt.Errorf("shapes x %v, y %v: more than %d elements per example", d.XShape, d.YShape, MaxElements)
			}
		}
		if len(s) == 0 || len(s) > 4 {
			return fmt.Errorf("shapes x %v, y %v: want 1 to 4 dimensions each", d.XShape, d.YShape)
		}
	}
	if len(d.Metrics) == 0 || d.Metrics[0] != "x_l1" {
		return fmt.Errorf("metrics %v: want x_l1 first", d.Metrics)
	}
	for _, names := range [][]string{d.Metrics, d.Updates} {
		for i, m := range names {
			if !plain.MatchString(m) || slices.Contains(names[:i], m) {
				return fmt.Errorf("name %q among %v: want distinct plain lowercase names", m, names)
			}
		}
	}
	switch d.Snapshot {
	case "", "fields", "scatter", "xspace":
	default:
		return fmt.Errorf("snapshot %q: want fields, scatter, xspace or nothing", d.Snapshot)
	}
	return nil
}

// Description returns the process's answer to describe.
func (p *Problem) Description() Description { return p.desc }

// Stderr returns the tail of what the process wrote to stderr.
func (p *Problem) Stderr() string { return p.stderr.String() }

// Close asks the process to end (closing its stdin), waits up to a second, then kills it
// and its process group. It is safe to call more than once.
func (p *Problem) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.stdin.Close()
	select {
	case <-p.waited:
	case <-time.After(time.Second):
	}
	killGroup(p.cmd)
	<-p.waited
	p.stdout.Close()
	return nil
}

func (p *Problem) failf(call, format string, args ...any) {
	if p.fault == nil {
		killGroup(p.cmd)
		select { // the stderr tail is complete once the process is reaped
		case <-p.waited:
		case <-time.After(2 * time.Second):
		}
		p.fault = &Fault{Call: call, Reason: fmt.Sprintf(format, args...), Stderr: p.stderr.String()}
	}
	panic(p.fault)
}

// array is one array of a frame: its name, element type and shape.
type array struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// want is an array a call expects in the answer.
type want struct {
	name  string
	shape []int
	dst   *core.Tensor // if set, the array is read into it (float32), not returned
}

// answer is the part of every answer's header that the client reads.
type answer struct {
	Error  *string `json:"error"`
	Arrays []array `json:"arrays"`
}

// call sends a request (header, and f32 arrays in order) and reads the answer, whose
// arrays must be those of wants in order (f32 or f64); it returns the answer's header and
// the arrays as float64. Any fault panics with a *Fault.
func (p *Problem) call(name string, header map[string]any, arrays []*core.Tensor, wants []want) ([]byte, [][]float64) {
	if p.fault != nil {
		panic(p.fault)
	}
	if p.closed {
		p.failf(name, "the process was closed")
	}
	type result struct {
		hdr  []byte
		data [][]float64
		err  error
	}
	var soft *softError
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() { done <- r }()
		if r.err = writeFrame(p.stdin, header, arrays); r.err != nil {
			r.err = fmt.Errorf("writing the request: %v", r.err)
			return
		}
		r.hdr, r.data, r.err = readAnswer(p.stdout, wants)
	}()
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if errors.As(r.err, &soft) { // the answer was read whole: the process may go on
			panic(&Fault{Call: name, Reason: soft.msg, Stderr: p.stderr.String()})
		}
		if r.err != nil {
			if errors.Is(r.err, io.EOF) || errors.Is(r.err, io.ErrUnexpectedEOF) || errors.Is(r.err, os.ErrClosed) ||
				strings.Contains(r.err.Error(), "broken pipe") {
				select {
				case <-p.waited:
				case <-time.After(2 * time.Second):
				}
				p.failf(name, "the process ended (%s) before answering", exitText(p.cmd))
			}
			p.failf(name, "%v", r.err)
		}
		return r.hdr, r.data
	case <-timer.C:
		p.failf(name, "no answer within %v (the per-call timeout, --problem-timeout)", p.timeout)
	}
	panic("unreachable")
}

func exitText(c *exec.Cmd) string {
	if c.ProcessState == nil {
		return "still running"
	}
	return c.ProcessState.String()
}

// writeFrame writes a frame: the header's length (uint32, little-endian), the header
// (JSON, with "arrays" listing the arrays), then each array's float32 data, little-endian.
func writeFrame(w io.Writer, header map[string]any, arrays []*core.Tensor) error {
	var names = []string{"x", "y", "x_true"}
	if len(arrays) > 0 {
		list := make([]array, len(arrays))
		for i, a := range arrays {
			list[i] = array{Name: names[i], DType: "f32", Shape: a.Shape}
		}
		header["arrays"] = list
	}
	hdr, err := json.Marshal(header)
	if err != nil {
		return err
	}
	buf := make([]byte, 4, 4+len(hdr))
	binary.LittleEndian.PutUint32(buf, uint32(len(hdr)))
	if _, err := w.Write(append(buf, hdr...)); err != nil {
		return err
	}
	for _, a := range arrays {
		raw := float32Bytes(a.Data)
		if !littleEndian {
			raw = make([]byte, 0, 4*len(a.Data))
			for _, v := range a.Data {
				raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
			}
		}
		if _, err := w.Write(raw); err != nil {
			return err
		}
	}
	return nil
}

// readAnswer reads an answer frame. An "error" in the header is the process's own report
// of a failure; otherwise its arrays must be wants, in order.
func readAnswer(r io.Reader, wants []want) ([]byte, [][]float64, error) {
	hdr, a, err := readHeader(r)
	if err != nil {
		return nil, nil, err
	}
	if a.Error != nil && len(a.Arrays) == 0 {
		return nil, nil, &softError{"the process reports an error: " + oneLine(*a.Error)}
	}
	if a.Error != nil {
		return nil, nil, fmt.Errorf("malformed frame: an error with arrays")
	}
	if wrong := mismatch(a.Arrays, wants); wrong != "" {
		return nil, nil, skipArrays(r, a.Arrays, wrong)
	}
	out := make([][]float64, len(wants))
	for i, w := range wants {
		if out[i], err = readArray(r, a.Arrays[i], w); err != nil {
			return nil, nil, err
		}
	}
	return hdr, out, nil
}

// readHeader reads a frame's header: its length, then the JSON.
func readHeader(r io.Reader) ([]byte, answer, error) {
	var lenb [4]byte
	if _, err := io.ReadFull(r, lenb[:]); err != nil {
		return nil, answer{}, err
	}
	n := binary.LittleEndian.Uint32(lenb[:])
	if n == 0 || n > MaxHeader {
		return nil, answer{}, fmt.Errorf("malformed frame: header length %d, want 1 to %d%s", n, MaxHeader, textHint(lenb[:]))
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, answer{}, err
	}
	var a answer
	if err := json.Unmarshal(hdr, &a); err != nil {
		return nil, answer{}, fmt.Errorf("malformed frame: the header is not JSON: %v%s", err, textHint(lenb[:]))
	}
	return hdr, a, nil
}

// mismatch says how the arrays of an answer differ from wants in number, names or
// shapes; "" if they do not.
func mismatch(arrays []array, wants []want) string {
	if len(arrays) != len(wants) {
		return fmt.Sprintf("wrong answer: %d arrays, want %d (%s)", len(arrays), len(wants), wantNames(wants))
	}
	for i, got := range arrays {
		if got.Name != wants[i].name || !slices.Equal(got.Shape, wants[i].shape) {
			return fmt.Sprintf("wrong shape: array %q of shape %v, want %q of shape %v", got.Name, got.Shape, wants[i].name, wants[i].shape)
		}
	}
	return ""
}

// skipArrays reads past the data of a wrong answer's arrays if they are small (at most
// 1 GiB in all), so that the process may go on, and returns the soft error wrong; if
// they are too large or of an unknown dtype, it returns wrong as a hard error.
func skipArrays(r io.Reader, arrays []array, wrong string) error {
	var total int64
	for _, got := range arrays {
		n := int64(8)
		for _, v := range got.Shape {
			if v < 0 || v > MaxElements {
				return errors.New(wrong)
			}
			n *= int64(v)
			if n > 1<<30 {
				return errors.New(wrong)
			}
		}
		if got.DType == "f32" {
			n /= 2
		} else if got.DType != "f64" {
			return errors.New(wrong)
		}
		total += n
	}
	if total > 1<<30 {
		return errors.New(wrong)
	}
	if _, err := io.CopyN(io.Discard, r, total); err != nil {
		return err
	}
	return &softError{wrong}
}

// readArray reads the data of the answer's array got, of the shape w wants: into w.dst
// if it has one (and then returns nil), else as float64 values.
func readArray(r io.Reader, got array, w want) ([]float64, error) {
	size := 4
	switch got.DType {
	case "f32":
	case "f64":
		size = 8
	default:
		return nil, fmt.Errorf("array %q: dtype %q, want f32 or f64", got.Name, got.DType)
	}
	count := 1
	for _, v := range w.shape {
		count *= v
	}
	if w.dst != nil && size == 4 && littleEndian { // straight into the tensor
		_, err := io.ReadFull(r, float32Bytes(w.dst.Data[:count]))
		return nil, err
	}
	raw := make([]byte, size*count)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, err
	}
	if w.dst != nil {
		for k := range count {
			if size == 4 {
				w.dst.Data[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
			} else {
				w.dst.Data[k] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*k:])))
			}
		}
		return nil, nil
	}
	vals := make([]float64, count)
	for k := range vals {
		if size == 4 {
			vals[k] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:])))
		} else {
			vals[k] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*k:]))
		}
	}
	return vals, nil
}

func wantNames(ws []want) string {
	var s []string
	for _, w := range ws {
		s = append(s, fmt.Sprintf("%s %v", w.name, w.shape))
	}
	return strings.Join(s, ", ")
}

// textHint says that a length that reads as text is likely a log line on stdout.
func textHint(b []byte) string {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c > 0x7e {
			return ""
		}
	}
	return fmt.Sprintf(" (it starts with the text %q: does the process print to stdout? Logs go to stderr)", string(b))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = slices.Clone(t.buf[len(t.buf)-t.max:])
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.ToValidUTF8(t.buf, []byte("?")))
}

// The problems.Problem methods: each one call.

func batched(b int, shape []int) []int { return append([]int{b}, shape...) }

// XShape returns the described shape of one unknown.
func (p *Problem) XShape() []int { return slices.Clone(p.desc.XShape) }

// YShape returns the described shape of one observation.
func (p *Problem) YShape() []int { return slices.Clone(p.desc.YShape) }

// Updates returns the described inverse updates.
func (p *Problem) Updates() []string { return slices.Clone(p.desc.Updates) }

// MetricNames returns the described metrics.
func (p *Problem) MetricNames() []string { return slices.Clone(p.desc.Metrics) }

// SeedBits is the number of bits of the seed Sample sends: 53, so that every JSON reader
// holds it exactly.
const SeedBits = 53

// Sample calls sample(seed, batch) with seed = rng.Uint64() >> 11, a whole number below
// 2⁵³.
func (p *Problem) Sample(rng *rand.Rand, batch int) (x, y *core.Tensor) {
	seed := rng.Uint64() >> (64 - SeedBits)
	x, y = core.New(batched(batch, p.desc.XShape)...), core.New(batched(batch, p.desc.YShape)...)
	p.call("sample", map[string]any{"call": "sample", "seed": seed, "batch": batch}, nil,
		[]want{{"x", x.Shape, x}, {"y", y.Shape, y}})
	return x, y
}

// dstTensor returns dst, allocated when nil, after checking its shape.
func dstTensor(dst *core.Tensor, shape []int) *core.Tensor {
	if dst == nil {
		return core.New(shape...)
	}
	if !slices.Equal(dst.Shape, shape) {
		panic(fmt.Sprintf("problem process: dst shape %v, want %v", dst.Shape, shape))
	}
	return dst
}

func (p *Problem) checkX(op string, x *core.Tensor) int {
	if x == nil || len(x.Shape) != 1+len(p.desc.XShape) || !slices.Equal(x.Shape[1:], p.desc.XShape) {
		panic(fmt.Sprintf("problem process: %s: x of shape %v, want [batch %v]", op, shapeOf(x), p.desc.XShape))
	}
	return x.Shape[0]
}

func (p *Problem) checkPair(op string, x, y *core.Tensor) int {
	b := p.checkX(op, x)
	if y == nil || !slices.Equal(y.Shape, batched(b, p.desc.YShape)) {
		panic(fmt.Sprintf("problem process: %s: y of shape %v, want %v", op, shapeOf(y), batched(b, p.desc.YShape)))
	}
	return b
}

func shapeOf(t *core.Tensor) any {
	if t == nil {
		return "nil"
	}
	return t.Shape
}

// Forward calls forward(x) → y.
func (p *Problem) Forward(dst, x *core.Tensor) *core.Tensor {
	b := p.checkX("Forward", x)
	dst = dstTensor(dst, batched(b, p.desc.YShape))
	p.call("forward", map[string]any{"call": "forward"}, []*core.Tensor{x}, []want{{"y", dst.Shape, dst}})
	return dst
}

// Loss calls loss(x, y) → loss, one float64 per example.
func (p *Problem) Loss(dst []float64, x, y *core.Tensor) []float64 {
	b := p.checkPair("Loss", x, y)
	_, d := p.call("loss", map[string]any{"call": "loss"}, []*core.Tensor{x, y}, []want{{"loss", []int{b}, nil}})
	if dst == nil {
		return d[0]
	}
	if len(dst) != b {
		panic(fmt.Sprintf("problem process: Loss: dst of %d, want %d", len(dst), b))
	}
	copy(dst, d[0])
	return dst
}

// Gradient calls gradient(x, y) → grad, ∂L/∂x.
func (p *Problem) Gradient(dst, x, y *core.Tensor) *core.Tensor {
	b := p.checkPair("Gradient", x, y)
	dst = dstTensor(dst, x.Shape)
	p.call("gradient", map[string]any{"call": "gradient"}, []*core.Tensor{x, y}, []want{{"grad", dst.Shape, dst}})
	_ = b
	return dst
}

// Update calls update(name, x, y) → dx. It panics on a name that the process did not
// describe, as every problem does.
func (p *Problem) Update(dst *core.Tensor, name string, x, y *core.Tensor) *core.Tensor {
	if !slices.Contains(p.desc.Updates, name) {
		panic(fmt.Sprintf("problem process: Update: unknown update %q (updates: %s)", name, strings.Join(p.desc.Updates, ", ")))
	}
	b := p.checkPair("Update", x, y)
	dst = dstTensor(dst, x.Shape)
	p.call("update", map[string]any{"call": "update", "name": name}, []*core.Tensor{x, y}, []want{{"dx", dst.Shape, dst}})
	_ = b
	return dst
}

// Metrics calls metrics(x, y, x_true) → metrics, the batch means in the described order.
func (p *Problem) Metrics(dst []float64, x, xTrue, y *core.Tensor) []float64 {
	b := p.checkPair("Metrics", x, y)
	if xTrue == nil || !slices.Equal(xTrue.Shape, x.Shape) {
		panic(fmt.Sprintf("problem process: Metrics: x_true of shape %v, want %v", shapeOf(xTrue), x.Shape))
	}
	_ = b
	_, d := p.call("metrics", map[string]any{"call": "metrics"}, []*core.Tensor{x, y, xTrue}, []want{{"metrics", []int{len(p.desc.Metrics)}, nil}})
	if dst == nil {
		return d[0]
	}
	if len(dst) != len(d[0]) {
		panic(fmt.Sprintf("problem process: Metrics: dst of %d, want %d", len(dst), len(d[0])))
	}
	copy(dst, d[0])
	return dst
}

// softError is a wrong answer read whole (an error the process reports, arrays of wrong
// shapes): the call fails, and the process may answer the next one.
type softError struct{ msg string }

func (e *softError) Error() string { return e.msg }

// Pid returns the process's id.
func (p *Problem) Pid() int { return p.cmd.Process.Pid }

// littleEndian reports whether this machine stores a float32 as the protocol does.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// float32Bytes returns the bytes of v in the machine's order (the protocol's on a
// little-endian machine; writeFrame and readAnswer use it only there).
func float32Bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}
