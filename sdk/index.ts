// gaussface public API.
export { GaussfaceError } from './errors.js';
export { Engine, loadEngine, compileEngine } from './engine.js';
export { Matrix, asMatrix, type MatrixLike, type Float } from './matrix.js';
export { Pool, Dataset, getPool, shutdown, chunkRowsFor, type PoolOptions, type CallOptions, type ChunkSource } from './pool.js';
export { matmul, type MatmulOptions } from './linalg.js';
export { KMeans, kmeansPlusPlus, type KMeansOptions, type KMeansProgress, type KMeansPlusPlusOptions } from './kmeans.js';
export { PCA, type PCAOptions, type SvdSolver } from './pca.js';
export { GaussianMixture, type GaussianMixtureOptions, type MixtureSample, type CovarianceType, type EMProgress, type InitParams } from './mixture/gmm.js';
export { selectComponents, type SelectOptions, type SelectionRow, type Selection } from './mixture/select.js';
export { generate, type GenerateOptions, type GenerateResult, type PipelineProgress } from './pipelines/generate.js';
