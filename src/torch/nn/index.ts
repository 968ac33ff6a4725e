/**
 * ribbit's `torch.nn`: the `Module` base class, containers, layers with PyTorch's parameter names and default
 * initialisation, weight normalisation and parameter initialisers.
 *
 *     import { Conv1d, Module, weightNorm } from 'ribbit/torch/nn';
 */

export * from './activation.js';
export * from './container.js';
export * from './conv.js';
export * from './embedding.js';
export * as init from './init.js';
export * from './linear.js';
export * from './module.js';
export * from './normalization.js';
export * from './rnn.js';
export * from './weight_norm.js';
