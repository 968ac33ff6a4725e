/**
 * Optimizers and learning-rate schedulers with PyTorch's semantics (and Coqui's names for configs).
 *
 *     import { Adam, NoamLR } from 'ribbit/torch/optim';
 *     const opt = new Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-6 });
 *     const sched = new NoamLR(opt, { warmupSteps: 4000 });
 *     loss.backward(); opt.step(); opt.zeroGrad(); sched.step();
 */

export * from './adam.ts';
export * from './factory.ts';
export * from './lr_scheduler.ts';
export * from './optimizer.ts';
export * from './radam.ts';
export * from './sgd.ts';
