package core

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Checkpoint is the content of a checkpoint file: named float32 tensors (network weights,
// optimizer state, …) and an opaque metadata blob, typically JSON holding the step, the
// RNG state and the configuration.
//
// The binary format (version 1, all integers little-endian) is
//
//	magic     8 bytes  "SIPBCKPT"
//	version   uint32   1
//	length    uint64   number of payload bytes that follow
//	payload:
//	  metaLen uint32, meta bytes
//	  count   uint32, then count tensors, each:
//	    nameLen uint16, name bytes; rank uint8, rank × uint32 dims;
//	    numel × uint32 IEEE-754 float32 bits (row-major)
//	crc       uint32   CRC-32 (Castagnoli) of every byte before it, magic included
//
// Values are stored as their bits, so a round trip is exact, NaN payloads and −0 included.
// Names need not be unique; the order of Tensors is preserved.
type Checkpoint struct {
	Meta    []byte
	Tensors []NamedTensor
}

// NamedTensor is a tensor with the name it is stored under in a Checkpoint.
type NamedTensor struct {
	Name string
	T    *Tensor
}

// Limits of the checkpoint format. A header that declares more is rejected before
// anything of that size is allocated.
const (
	// CheckpointVersion is the format version that WriteTo writes and the highest that
	// ReadCheckpoint reads.
	CheckpointVersion = 1
	// MaxCheckpointBytes bounds the payload (1 GiB, 2.7·10⁸ float32 values).
	MaxCheckpointBytes = 1 << 30
	// MaxCheckpointMeta bounds the metadata blob (16 MiB).
	MaxCheckpointMeta = 16 << 20
	// MaxCheckpointTensors bounds the number of tensors.
	MaxCheckpointTensors = 1 << 20
	// MaxCheckpointRank bounds the rank of a tensor.
	MaxCheckpointRank = 8
	// MaxCheckpointName bounds the length of a tensor's name in bytes.
	MaxCheckpointName = 1 << 12
)

const checkpointMagic = "SIPBCKPT"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCheckpointChecksum is returned (wrapped) when a checkpoint's checksum does not match
// its content.
var ErrCheckpointChecksum = errors.New("core: checkpoint: checksum mismatch (file corrupt)")

func checkpointErr(format string, args ...any) error {
	return fmt.Errorf("core: checkpoint: "+format, args...)
}

// payloadLen returns the number of payload bytes c encodes to, or an error if c breaks a
// limit of the format.
func (c *Checkpoint) payloadLen() (int64, error) {
	if len(c.Meta) > MaxCheckpointMeta {
		return 0, checkpointErr("metadata of %d bytes exceeds the limit of %d", len(c.Meta), MaxCheckpointMeta)
	}
	if len(c.Tensors) > MaxCheckpointTensors {
		return 0, checkpointErr("%d tensors exceed the limit of %d", len(c.Tensors), MaxCheckpointTensors)
	}
	n := int64(4 + len(c.Meta) + 4)
	for i, nt := range c.Tensors {
		if len(nt.Name) > MaxCheckpointName {
			return 0, checkpointErr("tensor %d: name of %d bytes exceeds the limit of %d", i, len(nt.Name), MaxCheckpointName)
		}
		if nt.T == nil {
			return 0, checkpointErr("tensor %d (%q) is nil", i, nt.Name)
		}
		if len(nt.T.Shape) > MaxCheckpointRank {
			return 0, checkpointErr("tensor %q: rank %d exceeds the limit of %d", nt.Name, len(nt.T.Shape), MaxCheckpointRank)
		}
		numel := int64(1)
		for _, d := range nt.T.Shape {
			if d < 0 || d > math.MaxUint32 {
				return 0, checkpointErr("tensor %q: dimension out of range in shape %v", nt.Name, nt.T.Shape)
			}
			numel *= int64(d)
			if numel > MaxCheckpointBytes {
				return 0, checkpointErr("tensor %q: shape %v too large", nt.Name, nt.T.Shape)
			}
		}
		if numel != int64(len(nt.T.Data)) {
			return 0, checkpointErr("tensor %q: %d values for shape %v", nt.Name, len(nt.T.Data), nt.T.Shape)
		}
		n += 2 + int64(len(nt.Name)) + 1 + 4*int64(len(nt.T.Shape)) + 4*numel
		if n > MaxCheckpointBytes {
			return 0, checkpointErr("payload exceeds the limit of %d bytes", MaxCheckpointBytes)
		}
	}
	return n, nil
}

// WriteTo writes c to w in the checkpoint format and returns the number of bytes written.
// It returns an error if c breaks a limit of the format (Max* constants), holds a nil
// tensor or one whose Data does not match its Shape, or if w fails.
func (c *Checkpoint) WriteTo(w io.Writer) (int64, error) {
	plen, err := c.payloadLen()
	if err != nil {
		return 0, err
	}
	n, err := c.write(w, plen)
	if err != nil {
		return n, checkpointErr("write: %w", err)
	}
	return n, nil
}

// write encodes c, whose payload is plen bytes long, to w and returns w's errors as they
// are.
func (c *Checkpoint) write(w io.Writer, plen int64) (int64, error) {
	cw := &countingWriter{w: w}
	h := crc32.New(crcTable)
	bw := bufio.NewWriterSize(io.MultiWriter(cw, h), 64<<10)
	var buf [8]byte
	put32 := func(v uint32) {
		binary.LittleEndian.PutUint32(buf[:4], v)
		bw.Write(buf[:4])
	}
	bw.WriteString(checkpointMagic)
	put32(CheckpointVersion)
	binary.LittleEndian.PutUint64(buf[:], uint64(plen))
	bw.Write(buf[:])
	put32(uint32(len(c.Meta)))
	bw.Write(c.Meta)
	put32(uint32(len(c.Tensors)))
	for _, nt := range c.Tensors {
		binary.LittleEndian.PutUint16(buf[:2], uint16(len(nt.Name)))
		bw.Write(buf[:2])
		bw.WriteString(nt.Name)
		bw.WriteByte(byte(len(nt.T.Shape)))
		for _, d := range nt.T.Shape {
			put32(uint32(d))
		}
		for _, v := range nt.T.Data {
			put32(math.Float32bits(v))
		}
	}
	if err := bw.Flush(); err != nil { // bufio keeps the first write error
		return cw.n, err
	}
	binary.LittleEndian.PutUint32(buf[:4], h.Sum32())
	_, err := cw.Write(buf[:4])
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadCheckpoint reads one checkpoint from r, consuming exactly its bytes. It returns an
// error starting with "core: checkpoint: " for a wrong magic, an unsupported version, a
// declared size beyond the format's limits, a truncated input (wrapping
// io.ErrUnexpectedEOF), a checksum mismatch (wrapping ErrCheckpointChecksum) or a
// malformed payload. Memory allocated is bounded by the bytes actually read, not by the
// sizes a header declares.
func ReadCheckpoint(r io.Reader) (*Checkpoint, error) {
	var hdr [20]byte
	if err := readFull(r, hdr[:], "header"); err != nil {
		return nil, err
	}
	if string(hdr[:8]) != checkpointMagic {
		return nil, checkpointErr("not a checkpoint (bad magic %q)", hdr[:8])
	}
	if v := binary.LittleEndian.Uint32(hdr[8:12]); v != CheckpointVersion {
		return nil, checkpointErr("unsupported format version %d (this build reads version %d)", v, CheckpointVersion)
	}
	plen := binary.LittleEndian.Uint64(hdr[12:20])
	if plen > MaxCheckpointBytes {
		return nil, checkpointErr("declared payload of %d bytes exceeds the limit of %d", plen, MaxCheckpointBytes)
	}
	// Grow the buffer as bytes arrive, so that a false length cannot allocate memory
	// that the input does not back.
	var payload bytes.Buffer
	if n, err := io.CopyN(&payload, r, int64(plen)); err != nil {
		if err == io.EOF {
			return nil, checkpointErr("truncated payload (%d of %d bytes): %w", n, plen, io.ErrUnexpectedEOF)
		}
		return nil, checkpointErr("read: %w", err)
	}
	var tail [4]byte
	if err := readFull(r, tail[:], "checksum"); err != nil {
		return nil, err
	}
	h := crc32.New(crcTable)
	h.Write(hdr[:])
	h.Write(payload.Bytes())
	if got, want := h.Sum32(), binary.LittleEndian.Uint32(tail[:]); got != want {
		return nil, fmt.Errorf("%w: stored %08x, computed %08x", ErrCheckpointChecksum, want, got)
	}
	return decodePayload(payload.Bytes())
}

func readFull(r io.Reader, b []byte, what string) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return checkpointErr("truncated %s: %w", what, io.ErrUnexpectedEOF)
		}
		return checkpointErr("read: %w", err)
	}
	return nil
}

// decoder reads little-endian fields from a payload, remembering the first overrun.
type decoder struct {
	b   []byte
	off int
	bad bool
}

func (d *decoder) take(n int) []byte {
	if d.bad || n < 0 || n > len(d.b)-d.off {
		d.bad = true
		return nil
	}
	s := d.b[d.off : d.off+n]
	d.off += n
	return s
}

func (d *decoder) u8() uint8 {
	if s := d.take(1); s != nil {
		return s[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if s := d.take(2); s != nil {
		return binary.LittleEndian.Uint16(s)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if s := d.take(4); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (d *decoder) left() int { return len(d.b) - d.off }

func decodePayload(b []byte) (*Checkpoint, error) {
	d := &decoder{b: b}
	c := &Checkpoint{}
	mlen := d.u32()
	if mlen > MaxCheckpointMeta {
		return nil, checkpointErr("declared metadata of %d bytes exceeds the limit of %d", mlen, MaxCheckpointMeta)
	}
	if m := d.take(int(mlen)); m != nil {
		c.Meta = append([]byte{}, m...)
	}
	count := d.u32()
	if d.bad {
		return nil, checkpointErr("malformed payload: metadata overruns it")
	}
	if count > MaxCheckpointTensors {
		return nil, checkpointErr("declared %d tensors exceed the limit of %d", count, MaxCheckpointTensors)
	}
	// Each tensor takes at least 3 bytes (empty name, rank 0 would still hold 1 value).
	if int(count) > d.left()/3 {
		return nil, checkpointErr("malformed payload: %d tensors declared in %d bytes", count, d.left())
	}
	c.Tensors = make([]NamedTensor, 0, count)
	for i := range int(count) {
		nlen := d.u16()
		if nlen > MaxCheckpointName {
			return nil, checkpointErr("tensor %d: name of %d bytes exceeds the limit of %d", i, nlen, MaxCheckpointName)
		}
		name := string(d.take(int(nlen)))
		rank := int(d.u8())
		if d.bad {
			return nil, checkpointErr("malformed payload: tensor %d header overruns it", i)
		}
		if rank > MaxCheckpointRank {
			return nil, checkpointErr("tensor %q: rank %d exceeds the limit of %d", name, rank, MaxCheckpointRank)
		}
		shape := make([]int, rank)
		numel := 1
		for k := range shape {
			shape[k] = int(d.u32())
			numel *= shape[k]
			if numel > MaxCheckpointBytes/4 {
				return nil, checkpointErr("tensor %q: shape %v too large", name, shape[:k+1])
			}
		}
		if d.bad {
			return nil, checkpointErr("malformed payload: tensor %q shape overruns it", name)
		}
		raw := d.take(4 * numel)
		if raw == nil && numel > 0 {
			return nil, checkpointErr("malformed payload: tensor %q of shape %v needs %d bytes, %d left",
				name, shape, 4*numel, d.left())
		}
		t := &Tensor{Shape: shape, Data: make([]float32, numel)}
		for k := range t.Data {
			t.Data[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
		}
		c.Tensors = append(c.Tensors, NamedTensor{Name: name, T: t})
	}
	if d.left() != 0 {
		return nil, checkpointErr("malformed payload: %d unused bytes after the last tensor", d.left())
	}
	return c, nil
}

// SaveCheckpoint writes c to the file at path atomically: to a temporary file in the same
// directory, synced to disk, then renamed over path, so that a crash leaves either the old
// file or the new one, never half of one.
func SaveCheckpoint(path string, c *Checkpoint) error {
	plen, err := c.payloadLen()
	if err != nil {
		return err
	}
	return writeAtomic("core: checkpoint: save", path, func(w io.Writer) error {
		_, err := c.write(w, plen)
		return err
	})
}

// LoadCheckpoint reads the checkpoint file at path. Besides ReadCheckpoint's errors, it
// returns an error if bytes follow the checkpoint.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, checkpointErr("%w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	c, err := ReadCheckpoint(br)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, checkpointErr("trailing data after the checkpoint in %s", path)
	}
	return c, nil
}

// WriteFileAtomic writes data to the file at path atomically: to a temporary file in the
// same directory, synced to disk, then renamed over path (and the directory synced where
// the system allows it). Readers see either the old content or the new, never a mixture.
// The file gets permissions 0644.
func WriteFileAtomic(path string, data []byte) error {
	return writeAtomic("core: write", path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic implements WriteFileAtomic with write producing the content; errors are
// prefixed with prefix and the path.
func writeAtomic(prefix, path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("%s %s: %w", prefix, path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("%s %s: %w", prefix, path, err)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename durable; not every system can sync a directory, so this is best
	// effort.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
