package presets

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/sipbench/sipbench/core"
	"github.com/sipbench/sipbench/optimizers"
)

// higMethods returns the half-inverse gradient methods of a preset: "hig" (κ = ½) and
// "gn" (Gauss–Newton, κ = 1), both with the truncation τ and learning rate η given, off
// by default. Their τ and κ are settings (tau.<m>, kappa.<m>) like the learning rates.
func higMethods(higLR, gnLR, tau float64, def bool) []MethodDef {
	hig := method("hig", optimizers.Adjoint, "", "hig", higLR, def)
	hig.Tau, hig.Kappa = tau, optimizers.DefaultKappa
	gn := method("gn", optimizers.Adjoint, "", "hig", gnLR, def)
	gn.Tau, gn.Kappa = tau, 1
	return []MethodDef{hig, gn}
}

// checkJacobians refuses a method trained by HIG whose Jacobian would not fit
// (optimizers.CheckJacobian): batch × outputs rows by the network's weights. It builds
// the network (to count its weights) and the problem (for its output shape) only when
// such a method is chosen.
func (s *Spec) checkJacobians() error {
	if s.Preset.IsSolver() {
		return nil
	}
	outputs := 0
	for _, m := range s.Methods {
		if m.Optimizer != "hig" {
			continue
		}
		if outputs == 0 {
			outputs = 1
			for _, d := range s.NewProblem().YShape() {
				outputs *= d
			}
		}
		net, err := s.NewNetworkFor(m.Name, rand.New(rand.NewPCG(0, 0)))
		if err != nil {
			return err
		}
		if err := optimizers.CheckJacobian(m.Name, s.Common.Batch, outputs, core.CountParams(net.Params())); err != nil {
			return fmt.Errorf("%s: %w", s.Preset.Name, err)
		}
	}
	return nil
}

// trainableAt returns the preset's methods less those a HIG size bound refuses at the
// scale (optimizers.ErrJacobianTooLarge): a preset may offer HIG on grids where it fits.
func (p *Preset) trainableAt(scale string) []string {
	var names []string
	for _, m := range p.MethodNames() {
		if _, err := p.Resolve(scale, []string{m}, nil); errors.Is(err, optimizers.ErrJacobianTooLarge) {
			continue
		}
		names = append(names, m)
	}
	return names
}
