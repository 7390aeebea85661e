package core

// Network is a trainable function from a batch of inputs to a batch of outputs.
type Network interface {
	// Forward records the network applied to x on x's tape.
	Forward(x *Var) *Var
	// Params returns the trainable parameters in a fixed order.
	Params() []*Param
	// Buffers returns non-trainable state (BatchNorm running statistics) in a fixed
	// order; it is saved in checkpoints beside the parameters.
	Buffers() []*Tensor
}
