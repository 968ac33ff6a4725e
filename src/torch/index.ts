/**
 * ribbit's tensor engine: libtorch from TypeScript.
 *
 *     import * as torch from 'ribbit/torch';
 *     const x = torch.randn([2, 3], { requiresGrad: true });
 *     x.mul(x).sum().backward();
 */

export * as aten from './aten.js';
export * from './autograd.js';
export { allSchemas, op } from './dispatch.js';
export type { DType } from './dtype.js';
export { dtypeSize, isFloatingDType } from './dtype.js';
export * as F from './functional.js';
export * from './random.js';
export {
  blasInfo,
  cudaDeviceCount,
  cudaIsAvailable,
  getNumThreads,
  setNumThreads,
  torchVersion,
} from './runtime.js';
export * from './scope.js';
export * from './tensor.js';
