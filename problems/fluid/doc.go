// Package fluid is the incompressible Navier–Stokes problem of the SIP paper's Figure 7 and
// Table 1: recover the initial velocity v₀ of a periodic 2D flow from a marker observed at
// t = 0 and t = T.
//
// The physics (see experiments.md, "Figure 7 and Table 1"), all in float64:
//
//   - a periodic n×n grid of physical size 128×128 (n = 64 in the paper, cell size h = 2),
//     T = 2 in 8 steps of dt = 0.25;
//   - the velocity lives on a staggered (MAC) grid: u on the x-faces, v on the y-faces;
//     the marker m lives on cell centres;
//   - one step: E₀ = mean(v²) per component; v ← MacCormack(v advected by itself);
//     v ← v − ∇p with ∇²p = ∇·v solved exactly in Fourier space; each component
//     rescaled by √(E₀/E) of its own energy (as the original's field.mean keeps the vector
//     channel); m ← MacCormack(m advected by v);
//   - the rollout starts from the divergence-free part of the prediction on the faces
//     (the original's make_incompressible(StaggeredGrid(v₀))).
//
// Held against the original library: testdata/phiflow_fixtures.py ran the original's
// physics_step, loss and estimate_v0 in PhiFlow 2.2.3 (float64) on two examples, and
// TestPhiFlowFixtures checks this package against them to 1e-10 (measured 1e-13 or
// better).
//
// The unknown x is v₀ at cell centres, 2 channels (x then y component); the observation y
// is (m₀, m_T). The loss is the frequency loss of m(T; x) − m_T. Gradient is the exact
// reverse-mode derivative of the discrete simulation (hand-written adjoints of every stage,
// the limiter's clamp included). The "sip" update is the original's estimate_v0, a
// forward-and-reverse simulation that estimates the translation and the vortex strength.
//
// Files: grid.go (layout, centre↔face maps, bilinear sampling), advect.go (MacCormack and
// its adjoint), project.go (spectral pressure projection), step.go (one step, the rollout
// and their adjoints), loss.go (frequency loss), generate.go (examples), sip.go (the SIP
// update), updates.go (Update: "sip", "lbfgs", "accumulated-gd"), fluid.go (the
// problems.Problem).
package fluid
