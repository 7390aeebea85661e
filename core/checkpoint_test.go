package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testCheckpoints returns small checkpoints covering the format's corners: empty,
// metadata only, special float32 bit patterns, rank 0, empty dimensions, and a random
// multi-tensor one.
func testCheckpoints() map[string]*Checkpoint {
	rng := rand.New(rand.NewPCG(1, 1))
	special := []uint32{
		0x7fc00000, // quiet NaN
		0x7fc00001, // quiet NaN with a payload
		0xffbfffff, // negative signalling NaN with a payload
		0x7f800001, // signalling NaN
		0x80000000, // −0
		0x7f800000, // +Inf
		0xff800000, // −Inf
		0x00000001, // smallest subnormal
		0x7f7fffff, // largest finite
	}
	sp := New(len(special))
	for i, b := range special {
		sp.Data[i] = math.Float32frombits(b)
	}
	r := New(2, 3, 4)
	for i := range r.Data {
		r.Data[i] = float32(rng.NormFloat64())
	}
	scalar := New()
	scalar.Data[0] = -1.5
	return map[string]*Checkpoint{
		"empty":     {},
		"meta only": {Meta: []byte(`{"step":12,"rng":[1,2]}`)},
		"special":   {Tensors: []NamedTensor{{Name: "bits", T: sp}}},
		"corners": {Meta: []byte{0, 1, 2}, Tensors: []NamedTensor{
			{Name: "", T: scalar},
			{Name: "zero-dim", T: New(0, 3)},
			{Name: "θ/ünïcode", T: New(1, 1, 1, 1, 1, 1, 1, 1)},
		}},
		"network": {Meta: []byte(`{"step":3}`), Tensors: []NamedTensor{
			{Name: "l0.w", T: r},
			{Name: "l0.b", T: FromData([]float32{1, -0.25, 3}, 3)},
			{Name: "adam.step", T: FromData([]float32{3}, 1)},
		}},
	}
}

func encode(t testing.TB, c *Checkpoint) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := c.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo returned %d; wrote %d bytes", n, buf.Len())
	}
	return buf.Bytes()
}

// sameCheckpoint reports how a and b differ, comparing values bit for bit, or "".
func sameCheckpoint(a, b *Checkpoint) string {
	if !bytes.Equal(a.Meta, b.Meta) {
		return "metadata differs"
	}
	if len(a.Tensors) != len(b.Tensors) {
		return "tensor counts differ"
	}
	for i := range a.Tensors {
		x, y := a.Tensors[i], b.Tensors[i]
		if x.Name != y.Name || !SameShape(x.T.Shape, y.T.Shape) || len(x.T.Data) != len(y.T.Data) {
			return "tensor " + x.Name + ": name or shape differs"
		}
		for k := range x.T.Data {
			if math.Float32bits(x.T.Data[k]) != math.Float32bits(y.T.Data[k]) {
				return "tensor " + x.Name + ": values differ"
			}
		}
	}
	return ""
}

func TestCheckpointRoundTrip(t *testing.T) {
	t.Parallel()
	for name, c := range testCheckpoints() {
		b := encode(t, c)
		// A reader that has more after the checkpoint must stop exactly at its end.
		r := bytes.NewReader(append(append([]byte{}, b...), "next"...))
		got, err := ReadCheckpoint(r)
		if err != nil {
			t.Errorf("%s: ReadCheckpoint: %v", name, err)
			continue
		}
		if d := sameCheckpoint(c, got); d != "" {
			t.Errorf("%s: round trip: %s", name, d)
		}
		if r.Len() != 4 {
			t.Errorf("%s: ReadCheckpoint left %d bytes of the following data; want 4", name, r.Len())
		}
		if b2 := encode(t, got); !bytes.Equal(b, b2) {
			t.Errorf("%s: re-encoding gives different bytes", name)
		}
	}
}

func wantCheckpointErr(t *testing.T, what string, err error, contains string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error; want one containing %q", what, contains)
		return
	}
	if !strings.HasPrefix(err.Error(), "core: checkpoint: ") || !strings.Contains(err.Error(), contains) {
		t.Errorf("%s: error %q; want \"core: checkpoint: …%s…\"", what, err, contains)
	}
}

func TestCheckpointTruncated(t *testing.T) {
	t.Parallel()
	b := encode(t, testCheckpoints()["network"])
	for n := range len(b) {
		_, err := ReadCheckpoint(bytes.NewReader(b[:n]))
		wantCheckpointErr(t, "truncated", err, "truncated")
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("truncated to %d of %d bytes: %v does not wrap io.ErrUnexpectedEOF", n, len(b), err)
		}
	}
}

func TestCheckpointFlippedByte(t *testing.T) {
	t.Parallel()
	b := encode(t, testCheckpoints()["corners"])
	for i := range b {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			c := append([]byte{}, b...)
			c[i] ^= mask
			_, err := ReadCheckpoint(bytes.NewReader(c))
			// Which error depends on the field hit (magic, version, length, checksum);
			// any of them must be a clean checkpoint error.
			wantCheckpointErr(t, "flipped byte", err, "")
		}
	}
	c := append([]byte{}, b...)
	c[len(c)-10] ^= 0x04 // inside the last tensor's values
	if _, err := ReadCheckpoint(bytes.NewReader(c)); !errors.Is(err, ErrCheckpointChecksum) {
		t.Errorf("flipped value bit: error %v; want ErrCheckpointChecksum", err)
	}
}

// rawCheckpoint frames payload as a version-1 checkpoint with a correct checksum, so that
// the payload decoder's own checks can be reached.
func rawCheckpoint(version uint32, payload []byte) []byte {
	b := []byte(checkpointMagic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(payload)))
	b = append(b, payload...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func TestCheckpointBadHeadersAndPayloads(t *testing.T) {
	le := binary.LittleEndian
	u32 := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = le.AppendUint32(b, v)
		}
		return b
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	// tensor header: name length, name, rank, dims
	tensor := func(name string, dims ...uint32) []byte {
		b := le.AppendUint16(nil, uint16(len(name)))
		b = append(b, name...)
		b = append(b, byte(len(dims)))
		return append(b, u32(dims...)...)
	}
	bigHeader := func(plen uint64) []byte {
		b := []byte(checkpointMagic)
		b = le.AppendUint32(b, 1)
		return le.AppendUint64(b, plen)
	}
	good := encode(t, testCheckpoints()["network"])
	badMagic := append([]byte("SIPBCKPX"), good[8:]...)
	for _, c := range []struct {
		name, want string
		data       []byte
	}{
		{"wrong magic", "bad magic", badMagic},
		{"other file", "bad magic", []byte("PK\x03\x04 this is a zip file, not a checkpoint")},
		{"future version", "unsupported format version 2", rawCheckpoint(2, u32(0, 0))},
		{"huge payload", "exceeds the limit", bigHeader(1 << 40)},
		{"false payload length", "truncated payload", append(bigHeader(MaxCheckpointBytes), 1, 2, 3)},
		{"empty payload", "malformed payload", rawCheckpoint(1, nil)},
		{"huge metadata", "exceeds the limit", rawCheckpoint(1, u32(MaxCheckpointMeta+1, 0))},
		{"metadata overrun", "overruns", rawCheckpoint(1, u32(100, 0))},
		{"too many tensors", "exceed the limit", rawCheckpoint(1, u32(0, MaxCheckpointTensors+1))},
		{"tensors without bytes", "tensors declared", rawCheckpoint(1, u32(0, 1000))},
		{"long name", "exceeds the limit", rawCheckpoint(1, cat(u32(0, 1), tensor(strings.Repeat("n", MaxCheckpointName+1)), make([]byte, 8)))},
		{"high rank", "rank 9", rawCheckpoint(1, cat(u32(0, 1), tensor("x", 1, 1, 1, 1, 1, 1, 1, 1, 1)))},
		{"huge shape", "too large", rawCheckpoint(1, cat(u32(0, 1), tensor("x", 1<<20, 1<<20)))},
		{"short values", "needs 24 bytes", rawCheckpoint(1, cat(u32(0, 1), tensor("x", 2, 3), make([]byte, 20)))},
		{"trailing payload", "unused bytes", rawCheckpoint(1, cat(u32(0, 1), tensor("x", 1), make([]byte, 4+2)))},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadCheckpoint(bytes.NewReader(c.data))
		runtime.ReadMemStats(&after)
		wantCheckpointErr(t, c.name, err, c.want)
		// A corrupt header must not make the reader allocate what the input does not
		// hold: 1 MiB is far above these inputs (< 10 kB) and far below the sizes
		// they declare (≥ 16 MiB).
		if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
			t.Errorf("%s: allocated %d bytes", c.name, a)
		}
	}
}

type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errors.New("disk full")
	}
	w.left -= len(p)
	return len(p), nil
}

func TestCheckpointWriteErrors(t *testing.T) {
	t.Parallel()
	ok := New(2)
	for _, c := range []struct {
		name, want string
		c          *Checkpoint
	}{
		{"nil tensor", "is nil", &Checkpoint{Tensors: []NamedTensor{{Name: "x"}}}},
		{"data/shape mismatch", "1 values for shape [2]", &Checkpoint{Tensors: []NamedTensor{{Name: "x", T: &Tensor{Shape: []int{2}, Data: []float32{1}}}}}},
		{"rank", "rank 9", &Checkpoint{Tensors: []NamedTensor{{Name: "x", T: New(1, 1, 1, 1, 1, 1, 1, 1, 1)}}}},
		{"name", "name of 4097 bytes", &Checkpoint{Tensors: []NamedTensor{{Name: strings.Repeat("n", 4097), T: ok}}}},
		{"meta", "metadata of", &Checkpoint{Meta: make([]byte, MaxCheckpointMeta+1)}},
	} {
		_, err := c.c.WriteTo(io.Discard)
		wantCheckpointErr(t, c.name, err, c.want)
	}
	b := encode(t, testCheckpoints()["network"])
	for _, k := range []int{0, 5, 20, len(b) - 4, len(b) - 1} {
		n, err := testCheckpoints()["network"].WriteTo(&failingWriter{left: k})
		wantCheckpointErr(t, "failing writer", err, "disk full")
		if n != int64(k) {
			t.Errorf("failing writer after %d bytes: WriteTo reported %d", k, n)
		}
	}
}

func TestSaveLoadCheckpoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.bin")
	cs := testCheckpoints()
	for _, name := range []string{"network", "special"} { // the second overwrites the first
		if err := SaveCheckpoint(path, cs[name]); err != nil {
			t.Fatalf("SaveCheckpoint(%s): %v", name, err)
		}
		got, err := LoadCheckpoint(path)
		if err != nil {
			t.Fatalf("LoadCheckpoint(%s): %v", name, err)
		}
		if d := sameCheckpoint(cs[name], got); d != "" {
			t.Errorf("%s: save/load: %s", name, d)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries after saving; want 1 (no temporary files left)", len(entries))
	}
	// A failed save leaves the old file intact and no temporary file.
	bad := &Checkpoint{Tensors: []NamedTensor{{Name: "x"}}}
	wantCheckpointErr(t, "save nil tensor", SaveCheckpoint(path, bad), "is nil")
	if got, err := LoadCheckpoint(path); err != nil || sameCheckpoint(cs["special"], got) != "" {
		t.Errorf("after a failed save, LoadCheckpoint = %v; want the previous checkpoint", err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{0})
	f.Close()
	_, err := LoadCheckpoint(path)
	wantCheckpointErr(t, "trailing byte", err, "trailing data")
	_, err = LoadCheckpoint(filepath.Join(dir, "missing"))
	wantCheckpointErr(t, "missing file", err, "no such file")
	wantCheckpointErr(t, "save into missing dir", SaveCheckpoint(filepath.Join(dir, "no", "x"), cs["empty"]), "save")
}

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "status.json")
	for _, content := range []string{`{"state":"running"}`, `{"state":"done"}`, ""} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatalf("WriteFileAtomic: %v", err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Errorf("after WriteFileAtomic(%q): read %q, %v", content, got, err)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want 0644", fi.Mode().Perm(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries; want 1 (no temporary files left)", len(entries))
	}
	err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "core: write ") {
		t.Errorf("WriteFileAtomic into a missing directory: %v; want a \"core: write …\" error", err)
	}
}

// FuzzReadCheckpoint checks that no input makes ReadCheckpoint panic, and that whatever it
// accepts re-encodes to exactly the bytes it consumed.
func FuzzReadCheckpoint(f *testing.F) {
	for _, c := range testCheckpoints() {
		b := encode(f, c)
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
	f.Add([]byte(checkpointMagic))
	f.Add(rawCheckpoint(1, []byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		c, err := ReadCheckpoint(r)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "core: checkpoint: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		used := data[:len(data)-r.Len()]
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			t.Fatalf("accepted checkpoint does not re-encode: %v", err)
		}
		if !bytes.Equal(buf.Bytes(), used) {
			t.Fatalf("re-encoding differs from the %d bytes read", len(used))
		}
	})
}
