/**
 * ribbit's tensor engine: libtorch from TypeScript.
 *
 *     import * as torch from 'ribbit/torch';
 *     const x = torch.randn([2, 3], { requiresGrad: true });
 *     x.mul(x).sum().backward();
 */
export * from './tensor.js';
export * from './random.js';
export * from './autograd.js';
export * from './scope.js';
export { op, allSchemas } from './dispatch.js';
export type { DType } from './dtype.js';
export { dtypeSize, isFloatingDType } from './dtype.js';
export * as F from './functional.js';
export * as aten from './aten.js';
export { setNumThreads, getNumThreads, cudaIsAvailable, cudaDeviceCount, torchVersion } from './runtime.js';
