// gaussface/node: the Node-only parts of the SDK (images through sharp, files, folders, downloads).
import { imageGrid as grid, type GridOptions } from './grid.js';
import { loadSharp, nodeCodec } from './sharp.js';
import type { Matrix } from '../matrix.js';

export { loadSharp, nodeCodec };
export { readRegularFile, saveFileAtomic } from './files.js';
export { loadImageFolder, openImageFolder, type FolderOptions, type ImageFolder, type ImageFolderSource } from './folder.js';
export { fetchDataset, fetchFile, DATASETS, defaultCacheDir, type DatasetName, type FetchOptions, type RemoteFile } from './fetch.js';
export { readMat } from './mat.js';
export { extractTar } from './tar.js';

/** gaussface's imageGrid, writing the PNG with sharp (captions as SVG text). */
export const imageGrid = (images: Float32Array[] | Matrix, opts: GridOptions): Promise<Uint8Array> => grid(images, { codec: nodeCodec, ...opts });
