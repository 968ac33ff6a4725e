/**
 * ribbit's `torch.nn`: the `Module` base class, containers, layers with PyTorch's parameter names and default
 * initialisation, weight normalisation and parameter initialisers.
 *
 *     import { Conv1d, Module, weightNorm } from 'ribbit/torch/nn';
 */

export * from './activation.ts';
export * from './container.ts';
export * from './conv.ts';
export * from './embedding.ts';
export * as init from './init.ts';
export * from './linear.ts';
export * from './module.ts';
export * from './normalization.ts';
export * from './rnn.ts';
export * from './weight_norm.ts';
