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
export { syntheticFaces, FACE_ATTRIBUTES, type SyntheticFacesOptions, type SyntheticFaces } from './synthetic-faces.js';
export { encodeSafetensors, decodeSafetensors, type Tensor, type TensorData, type DType } from './safetensors.js';
export type { ModelState, TensorMap } from './model-state.js';
export { ImageModel, IMAGE_MODEL_FORMAT, type ImageSpec } from './pipelines/image-model.js';
export { lineChart, type Series } from './plots.js';
