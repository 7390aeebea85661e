// Package presets holds the named experiment definitions of sipbench: problem, network,
// methods and hyper-parameters at several scales, and the user's overrides of them.
//
// # Your own problem
//
// A Preset is plain data plus three constructors, all exported, so another module can
// define one and Register it from an init function:
//
//   - NewProblem makes the problems.Problem of one job from the resolved settings, and
//     NewNetwork describes the network (a Network: MLP, U-Net or FNO) that learns to solve
//     it; or NewSolver makes a problems.PathProblem for a preset of iterative solvers;
//   - Methods are optimizers.Method values: where the x-space gradient comes from (the
//     adjoint, the problem's named inverse update, or a source of another package,
//     optimizers.RegisterSource), the network optimizer (optimizers.Names, or one of
//     another package, optimizers.Register) and its default learning rate, each a setting
//     lr.<method> that --set overrides; a resolved Spec holds each rate in its method, the
//     one place it lives (a run folder records it there too);
//   - each Scale's Own is a struct of the preset's own settings, typed: the tags of its
//     fields name the --set keys and bound them (see Settings), and NewProblem reads them
//     as s.Own.(MySettings). Values, the settings as strings, is only the parse step of
//     --set (ParseSets) and the form listings show.
//
// Check says what makes a preset unusable; Register panics with it. A binary of your own
// that imports your package and calls cli.Main (package cli) is sipbench with your preset
// in list, run, the app, show, plot, sweep and resume; examples/arm is a complete one, and
// the README's tutorial ("Your first problem") walks through it.
package presets
