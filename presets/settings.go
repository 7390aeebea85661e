package presets

import (
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
	Max  float64 // largest accepted value; 0 means no upper bound
}

// Values holds a preset's settings by name, as strings as the user wrote them. Use Int
// and Float to read them; they were validated when the Spec was resolved.
type Values map[string]string

// Int returns the setting as an int. It panics if the key is missing or not an integer,
// which Resolve rules out for a preset's own keys.
func (v Values) Int(key string) int {
	n, err := strconv.Atoi(v.must(key))
	if err != nil {
		panic(fmt.Sprintf("presets: setting %s=%q is not an integer", key, v[key]))
	}
	return n
}

// Float returns the setting as a float64, panicking as Int does.
func (v Values) Float(key string) float64 {
	f, err := strconv.ParseFloat(v.must(key), 64)
	if err != nil {
		panic(fmt.Sprintf("presets: setting %s=%q is not a number", key, v[key]))
	}
	return f
}

func (v Values) must(key string) string {
	s, ok := v[key]
	if !ok {
		panic(fmt.Sprintf("presets: no setting %q", key))
	}
	return s
}

// Sorted returns the keys in lexical order.
func (v Values) Sorted() []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// check validates a raw value against k and returns it normalised.
func (k Key) check(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("%s=%q: want a %s", k.Name, raw, k.kindName())
	}
	if k.Kind == Int {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return "", fmt.Errorf("%s=%q: want a whole number", k.Name, raw)
		}
		f = float64(n)
		raw = strconv.Itoa(n)
	}
	if f < k.Min || (k.Max != 0 && f > k.Max) {
		return "", fmt.Errorf("%s=%s: out of range [%s]", k.Name, raw, k.rangeText())
	}
	return raw, nil
}

func (k Key) kindName() string {
	if k.Kind == Int {
		return "whole number"
	}
	return "number"
}

func (k Key) rangeText() string {
	hi := "∞"
	if k.Max != 0 {
		hi = strconv.FormatFloat(k.Max, 'g', -1, 64)
	}
	return strconv.FormatFloat(k.Min, 'g', -1, 64) + ", " + hi
}

// Usage describes the key for help texts: "name (kind in [min, max]): doc".
func (k Key) Usage() string {
	return fmt.Sprintf("%s (%s in [%s]): %s", k.Name, k.kindName(), k.rangeText(), k.Doc)
}
