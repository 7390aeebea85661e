package optimizers

import (
	"math"
	"strings"
	"testing"
)

// TestMethodValidate checks that Validate accepts the methods this package trains and
// names what is wrong with the others.
func TestMethodValidate(t *testing.T) {
	ok := []Method{
		{Name: "sip", Source: Inverse, Update: "sip", Optimizer: "adam", LR: 1e-3},
		{Name: "rot", Source: Inverse, Update: "sip", Proxy: L1, Optimizer: "adam", LR: 1e-3},
		{Name: "sgd", Source: Adjoint, Optimizer: "sgd", LR: 1e-2, Momentum: 0.9},
		{Name: "sup", Source: Supervised, Optimizer: "hf", LR: 1},
		{Name: "sign", Source: Sign, Optimizer: "rmsprop"},
	}
	for _, m := range ok {
		if err := m.Validate([]string{"sip"}); err != nil {
			t.Errorf("%+v: %v", m, err)
		}
	}
	for _, c := range []struct {
		m    Method
		want string
	}{
		{Method{Name: "a", Source: "oracle", Optimizer: "adam"}, `unknown source "oracle"`},
		{Method{Name: "a", Source: Inverse, Update: "newton", Optimizer: "adam"}, `no update "newton" (updates: sip)`},
		{Method{Name: "a", Source: Inverse, Update: "sip", Proxy: "huber", Optimizer: "adam"}, `unknown proxy loss "huber"`},
		{Method{Name: "a", Source: Adjoint, Optimizer: "lion"}, `unknown optimizer "lion"`},
		{Method{Name: "a", Source: Adjoint, Optimizer: "adam", LR: math.NaN()}, "learning rate NaN"},
		{Method{Name: "a", Source: Adjoint, Optimizer: "adam", LR: -1}, "learning rate -1"},
	} {
		if err := c.m.Validate([]string{"sip"}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v; want an error with %q", c.m, err, c.want)
		}
	}
}
