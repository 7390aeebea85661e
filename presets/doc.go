// Package presets holds the named experiment definitions of sipbench: problem, network,
// methods and hyper-parameters at several scales, and the user's overrides of them.
package presets
