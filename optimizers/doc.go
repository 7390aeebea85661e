// Package optimizers holds the network optimizers (SGD, Adam, Adagrad, Adadelta, RMSprop,
// AdaHessian, Hessian-free) and the training methods' x-space gradient sources (adjoint,
// SIP, supervised, sign). They see parameters and gradients, never a screen or a file.
package optimizers
