package core

import (
	"fmt"
	"math"
)

// Tensor is a dense float32 array in row-major order. Shape[0] is the batch dimension for
// batched data: NCHW for fields and [batch, features] for vectors.
//
// The zero value is an empty tensor with no shape.
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zeroed tensor of the given shape. It panics if a dimension is negative.
func New(shape ...int) *Tensor {
	n := numel(shape)
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
}

// FromData wraps data (not copied) in a tensor of the given shape. It panics if the length
// of data does not match the shape.
func FromData(data []float32, shape ...int) *Tensor {
	if n := numel(shape); n != len(data) {
		panic(fmt.Sprintf("core: FromData: %d values for shape %v (%d)", len(data), shape, n))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("core: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Batch returns Shape[0], the number of examples.
func (t *Tensor) Batch() int { return t.Shape[0] }

// ExampleLen returns the number of elements of one example (the product of Shape[1:]).
func (t *Tensor) ExampleLen() int { return numel(t.Shape[1:]) }

// Example returns the elements of example i, sharing memory with t.
func (t *Tensor) Example(i int) []float32 {
	n := t.ExampleLen()
	return t.Data[i*n : (i+1)*n]
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// CopyFrom copies src's values into t. It panics if the shapes differ.
func (t *Tensor) CopyFrom(src *Tensor) {
	mustSameShape("CopyFrom", t.Shape, src.Shape)
	copy(t.Data, src.Data)
}

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

// Fill sets every element to v.
func (t *Tensor) Fill(v float32) {
	for i := range t.Data {
		t.Data[i] = v
	}
}

// Reshape returns a tensor sharing t's data with a new shape of the same size.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if numel(shape) != len(t.Data) {
		panic(fmt.Sprintf("core: Reshape: shape %v has %d elements, tensor of shape %v has %d",
			shape, numel(shape), t.Shape, len(t.Data)))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: t.Data}
}

// AllFinite reports whether no element is NaN or ±Inf.
func (t *Tensor) AllFinite() bool {
	for _, v := range t.Data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

// SameShape reports whether two shapes are equal.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func mustSameShape(op string, a, b []int) {
	if !SameShape(a, b) {
		panic(fmt.Sprintf("core: %s: shape mismatch %v vs %v", op, a, b))
	}
}

func mustRank(op string, shape []int, rank int) {
	if len(shape) != rank {
		panic(fmt.Sprintf("core: %s: want rank %d, got shape %v", op, rank, shape))
	}
}

// ToFloat64 converts src into dst element by element; dst must be at least as long.
// Problems that compute in float64 use it at the float32 boundary.
func ToFloat64(dst []float64, src []float32) {
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// ToFloat32 rounds src into dst element by element; dst must be at least as long.
func ToFloat32(dst []float32, src []float64) {
	for i, v := range src {
		dst[i] = float32(v)
	}
}
