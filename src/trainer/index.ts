/**
 * ribbit training: the generic Trainer (Coqui Trainer's design), its model API types, checkpoints, console
 * and TensorBoard logging (`import { Trainer } from 'ribbit/trainer'`).
 */
export type * from './api.ts';
export * from './checkpoint.ts';
export * from './console.ts';
export * from './dashboard.ts';
export * from './device.ts';
export * from './trainer.ts';
