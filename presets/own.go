package presets

import (
	"fmt"
	"reflect"
	"strconv"
)

// Settings are a resolved preset's settings, typed: the ones every preset has (Common) and
// the preset's own (Own). Each method's learning rate, and HIG's τ and κ, are not among
// them: they live in the method (Spec.Methods), in one place.
type Settings struct {
	Common
	// Own is the preset's own settings: a value of the struct type of its scales' Own (see
	// Scale), or nil for a preset that has none. A preset's functions read it with a type
	// assertion: s.Own.(RotationSettings).
	Own any
}

// The tags of a field of a preset's own settings struct (Scale.Own) declare it as a setting
// (a Key): set names it (the --set key), doc says what it means, min and max bound it (max
// absent: no upper bound), and pow2:"true" restricts an int to powers of two. An int field
// is an Int setting, a float64 field a Float one; fields without a set tag are not settings.
// For example:
//
//	type RotationSettings struct {
//		Xi  float64 `set:"xi" min:"1e-3" max:"1e3" doc:"conditioning ξ (1 well, 32 ill conditioned)"`
//		Phi float64 `set:"phi" min:"-360" max:"360" doc:"coupling angle φ in degrees (0 decouples)"`
//	}
const (
	tagSet  = "set"
	tagDoc  = "doc"
	tagMin  = "min"
	tagMax  = "max"
	tagPow2 = "pow2"
)

// ownField is one setting of an own settings struct: its key and the field's index.
type ownField struct {
	key   Key
	index int
}

// ownFields returns the settings that the struct own declares through its tags, or an
// error for a tag it cannot read, a tagged field that is neither int nor float64, or own
// not a struct. A nil own declares none.
func ownFields(own any) ([]ownField, error) {
	if own == nil {
		return nil, nil
	}
	t := reflect.TypeOf(own)
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("own settings of type %v: want a struct", t)
	}
	var fs []ownField
	for i := range t.NumField() {
		f := t.Field(i)
		name, ok := f.Tag.Lookup(tagSet)
		if !ok {
			continue
		}
		k := Key{Name: name, Doc: f.Tag.Get(tagDoc), Pow2: f.Tag.Get(tagPow2) == "true"}
		switch f.Type.Kind() {
		case reflect.Int:
			k.Kind = Int
		case reflect.Float64:
			k.Kind = Float
		default:
			return nil, fmt.Errorf("setting %q (field %s): want an int or a float64, not %v", name, f.Name, f.Type)
		}
		if !f.IsExported() {
			return nil, fmt.Errorf("setting %q (field %s): the field must be exported", name, f.Name)
		}
		for tag, dst := range map[string]*float64{tagMin: &k.Min, tagMax: &k.Max} {
			if v, ok := f.Tag.Lookup(tag); ok {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, fmt.Errorf("setting %q: tag %s:%q is not a number", name, tag, v)
				}
				*dst = x
			}
		}
		fs = append(fs, ownField{key: k, index: i})
	}
	return fs, nil
}

// mustOwnFields is ownFields for a preset that Check accepted (register's own presets
// and Register's): it panics on an error, which Check rules out.
func mustOwnFields(own any) []ownField {
	fs, err := ownFields(own)
	if err != nil {
		panic("presets: " + err.Error())
	}
	return fs
}

// withOwn returns own with the setting key set to the checked value raw.
func withOwn(own any, key, raw string) any {
	v := reflect.New(reflect.TypeOf(own)).Elem()
	v.Set(reflect.ValueOf(own))
	for _, f := range mustOwnFields(own) {
		if f.key.Name != key {
			continue
		}
		x, _ := strconv.ParseFloat(raw, 64) // checked by the key
		if f.key.Kind == Int {
			v.Field(f.index).SetInt(int64(x))
		} else {
			v.Field(f.index).SetFloat(x)
		}
	}
	return v.Interface()
}

// ownValues returns the settings of own as Values.
func ownValues(own any) Values {
	vals := Values{}
	if own == nil {
		return vals
	}
	v := reflect.ValueOf(own)
	for _, f := range mustOwnFields(own) {
		if f.key.Kind == Int {
			vals[f.key.Name] = strconv.FormatInt(v.Field(f.index).Int(), 10)
		} else {
			vals[f.key.Name] = strconv.FormatFloat(v.Field(f.index).Float(), 'g', -1, 64)
		}
	}
	return vals
}

// values returns every setting of s as Values: the common ones and the own ones.
func (s Settings) values() Values {
	vals := s.Common.values()
	for k, v := range ownValues(s.Own) {
		vals[k] = v
	}
	return vals
}

// set stores the checked value raw of the setting key (common or own) in s.
func (s *Settings) set(key, raw string) {
	if isCommon(key) {
		s.Common.set(key, raw)
		return
	}
	s.Own = withOwn(s.Own, key, raw)
}

// isCommon reports whether key is one of the settings that every preset has.
func isCommon(key string) bool {
	for _, k := range commonKeys {
		if k.Name == key {
			return true
		}
	}
	return false
}
