package process

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/problems"
)

// SampleSeeder is implemented by problems whose batches a seed determines (examples/arm):
// Serve answers sample(seed, batch) with SampleSeed. For other problems, Serve samples
// from a PCG seeded with (seed, 0).
type SampleSeeder interface {
	SampleSeed(seed uint64, batch int) (x, y *core.Tensor)
}

// Serve answers the protocol's calls on r with p's results on w until r ends (the end of
// a process's stdin): the server side, for a problem process written in Go. d is the
// description it answers describe with (its shapes, metrics and updates are p's; its
// protocol Version). A malformed request ends it with an error; a method of p that panics
// is answered with the panic as the error. Serve reuses its tensors from call to call (a
// process answering large arrays would otherwise fault in fresh memory at each): p must
// not keep its inputs or results beyond a call.
func Serve(p problems.Problem, d Description, r io.Reader, w io.Writer) error {
	d.Protocol = Version
	d.XShape, d.YShape, d.Metrics, d.Updates = p.XShape(), p.YShape(), p.MetricNames(), p.Updates()
	br := bufio.NewReaderSize(r, 1<<16)
	bw := bufio.NewWriterSize(w, 1<<16)
	c := &cache{}
	for {
		req, arrays, err := readRequest(br, c)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		hdr, out := answerCall(p, d, req, arrays, c)
		if err := writeAnswer(bw, hdr, out); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
}

// request is a request's header.
type request struct {
	Call   string  `json:"call"`
	Seed   uint64  `json:"seed"`
	Batch  int     `json:"batch"`
	Name   string  `json:"name"`
	Arrays []array `json:"arrays"`
}

// out is an array of an answer.
type out struct {
	name  string
	f64   bool
	shape []int
	f32   []float32
	d64   []float64
}

// cache holds Serve's tensors from one request to the next, by role and shape, so that a
// process answering large arrays does not allocate (and fault in) them at every call.
type cache struct{ ts map[string]*core.Tensor }

func (c *cache) get(role string, shape []int) *core.Tensor {
	key := fmt.Sprint(role, shape)
	if t, ok := c.ts[key]; ok {
		return t
	}
	if c.ts == nil || len(c.ts) > 16 {
		c.ts = map[string]*core.Tensor{}
	}
	t := core.New(shape...)
	c.ts[key] = t
	return t
}

func readRequest(r io.Reader, c *cache) (request, []*core.Tensor, error) {
	var req request
	var lenb [4]byte
	if _, err := io.ReadFull(r, lenb[:]); err != nil {
		return req, nil, err
	}
	n := binary.LittleEndian.Uint32(lenb[:])
	if n == 0 || n > MaxHeader {
		return req, nil, fmt.Errorf("request header length %d", n)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return req, nil, err
	}
	if err := json.Unmarshal(hdr, &req); err != nil {
		return req, nil, err
	}
	var ts []*core.Tensor
	for _, a := range req.Arrays {
		count := 1
		for _, v := range a.Shape {
			if v < 0 || v > MaxElements {
				return req, nil, fmt.Errorf("request array shape %v", a.Shape)
			}
			count *= v
		}
		if a.DType != "f32" || count > MaxElements || len(a.Shape) == 0 {
			return req, nil, fmt.Errorf("request array %q: dtype %s shape %v", a.Name, a.DType, a.Shape)
		}
		t := c.get("in"+fmt.Sprint(len(ts)), a.Shape)
		if littleEndian {
			if _, err := io.ReadFull(r, float32Bytes(t.Data)); err != nil {
				return req, nil, err
			}
		} else {
			raw := make([]byte, 4*count)
			if _, err := io.ReadFull(r, raw); err != nil {
				return req, nil, err
			}
			for i := range t.Data {
				t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		}
		ts = append(ts, t)
	}
	return req, ts, nil
}

func answerCall(p problems.Problem, d Description, req request, in []*core.Tensor, c *cache) (hdr map[string]any, outs []out) {
	defer func() {
		if rec := recover(); rec != nil {
			hdr, outs = map[string]any{"error": fmt.Sprint(rec)}, nil
		}
	}()
	need := func(n int) {
		if len(in) != n {
			panic(fmt.Sprintf("%s: %d arrays, want %d", req.Call, len(in), n))
		}
	}
	t32 := func(name string, t *core.Tensor) out { return out{name: name, shape: t.Shape, f32: t.Data} }
	switch req.Call {
	case "describe":
		b, _ := json.Marshal(d)
		var m map[string]any
		json.Unmarshal(b, &m)
		return m, nil
	case "sample":
		var x, y *core.Tensor
		if s, ok := p.(SampleSeeder); ok {
			x, y = s.SampleSeed(req.Seed, req.Batch)
		} else {
			x, y = p.Sample(rand.New(rand.NewPCG(req.Seed, 0)), req.Batch)
		}
		return map[string]any{}, []out{t32("x", x), t32("y", y)}
	case "forward":
		need(1)
		y := c.get("y", append([]int{in[0].Shape[0]}, p.YShape()...))
		return map[string]any{}, []out{t32("y", p.Forward(y, in[0]))}
	case "loss":
		need(2)
		l := p.Loss(nil, in[0], in[1])
		return map[string]any{}, []out{{name: "loss", f64: true, shape: []int{len(l)}, d64: l}}
	case "gradient":
		need(2)
		return map[string]any{}, []out{t32("grad", p.Gradient(c.get("grad", in[0].Shape), in[0], in[1]))}
	case "update":
		need(2)
		return map[string]any{}, []out{t32("dx", p.Update(c.get("dx", in[0].Shape), req.Name, in[0], in[1]))}
	case "metrics":
		need(3)
		m := p.Metrics(nil, in[0], in[2], in[1])
		return map[string]any{}, []out{{name: "metrics", f64: true, shape: []int{len(m)}, d64: m}}
	}
	panic(fmt.Sprintf("unknown call %q", req.Call))
}

func writeAnswer(w io.Writer, hdr map[string]any, outs []out) error {
	if len(outs) > 0 {
		list := make([]array, len(outs))
		for i, o := range outs {
			dt := "f32"
			if o.f64 {
				dt = "f64"
			}
			list[i] = array{Name: o.name, DType: dt, Shape: o.shape}
		}
		hdr["arrays"] = list
	}
	b, err := json.Marshal(hdr)
	if err != nil {
		return err
	}
	var lenb [4]byte
	binary.LittleEndian.PutUint32(lenb[:], uint32(len(b)))
	if _, err := w.Write(lenb[:]); err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	for _, o := range outs {
		var buf []byte
		if o.f64 {
			buf = make([]byte, 0, 8*len(o.d64))
			for _, v := range o.d64 {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
		} else if littleEndian {
			buf = float32Bytes(o.f32)
		} else {
			buf = make([]byte, 0, 4*len(o.f32))
			for _, v := range o.f32 {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
