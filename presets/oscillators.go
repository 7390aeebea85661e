package presets

import (
	"github.com/sipbench/sipbench/optimizers"
	"github.com/sipbench/sipbench/problems"
	"github.com/sipbench/sipbench/problems/oscillators"
)

// The coupled nonlinear oscillators of the half-inverse gradients paper (Schnell, Holl
// and Thuerey, ICLR 2022, arXiv 2203.10131, Figure 2b), with the settings of its
// code (tum-pbs/half-inverse-gradients, Nonlinear_oscillators/: submit_HIG.py,
// submit_GN.py, submit_Adam.py, simulation.py, ODEs_batch.py). docs/oscillators.md lists
// each setting and where it stands.
func init() {
	hig := higMethods(1, 1, optimizers.DefaultTau, true)
	register(&Preset{
		Name: "oscillators",
		Description: "HIG paper (Schnell, Holl, Thuerey, ICLR 2022), nonlinear oscillators, Figure 2b: two masses in harmonic potentials " +
			"with a quartic coupling (cubic force, strength 1), the last driven by a control u(t) of gain 3; 96 RK4 " +
			"steps of 0.125 (submit_*.py: Nx = 2, Nt = 96, dt = 0.125) must return the system to its initial state " +
			"x0 ~ U[0,1)^4 (simulation.py get_data). The network maps x0 to the 96 controls; loss = |P - x0|^2 per " +
			"example (world_batch.py l2_loss), batch mean. hig: eta 1, tau 1e-6 relative to the largest singular value " +
			"(submit_HIG.py: learning_rate 1.0, truncation 10**-6, SGD applying the update); gn: the same with kappa 1 " +
			"(submit_GN.py); adam: lr 3e-4 (submit_Adam.py). sip (off by default) is a minimum-norm Gauss-Newton step " +
			"of the physics alone (docs/oscillators.md says why it is a meaningful inverse here). The ratio column is " +
			"each method's loss over hig's. 'paper' stops each job after 3600 s of training (criteria = 'sim_time', " +
			"maxnumber = 60*60).",
		Deviations: []string{
			"Every method trains on batches of 128 (the original: 128 for hig and gn, 512 for adam), because the methods of a seed share their data stream.",
			"Each batch is drawn fresh (the original cycles through a fixed set of 4096 initial states, with a second 4096 for its test loss).",
			"The loss is measured on the training batch before each update (the original plots the loss of its test set after each epoch).",
		},
		Network:   "MLP 4-20-20-20-96, ReLU",
		Metric:    "loss",
		Reference: "hig",
		Reduction: optimizers.Mean,
		Methods: []MethodDef{
			hig[0],
			hig[1],
			method("adam", optimizers.Adjoint, "", "adam", 3e-4, true),
			method("sip", optimizers.Inverse, "sip", "adam", 3e-4, false),
		},
		Scales: []Scale{
			{Name: "quick", Note: "100 steps instead of an hour of training per method", Common: Common{Steps: 100, Batch: 128, SnapshotEvery: 5, CheckpointEvery: 50}},
			{Name: "paper", Common: Common{Steps: 10000000, Batch: 128, MaxSeconds: 3600, SnapshotEvery: 100, CheckpointEvery: 1000}},
		},
		NewProblem: func(Settings) problems.Problem { return oscillators.New(2, 96, 0.125) },
		NewNetwork: func(Settings) Network { return Network{Kind: MLP, Sizes: []int{4, 20, 20, 20, 96}, Activation: "relu"} },
	})
}
