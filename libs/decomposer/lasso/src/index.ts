export { LassoDictionary } from './dictionary';
export { NonNegativeLasso, type LassoBatchResult, type NonNegativeLassoConfig } from './non-negative-lasso';
export { LASSO_DEFAULTS, resolveLassoOptions, type LassoOptions, type ResolvedLassoOptions } from './lasso.options';
export { abtSync, jsMatMul, type MatMul } from './matmul';
export { checkedMatrix, type Matrix } from './matrix';
export { dualityGap } from './duality-gap';
export { checkOptimality, type OptimalityReport } from './optimality';
export { describeKernelBackend, KERNELS_ENV, resolveKernelBackend, type KernelBackend } from './kernel-backend';
