// gaussface/node: the Node-only parts of the SDK (files, folders, downloads).
export { loadImageFolder, type FolderOptions, type ImageFolder } from './folder.js';
export { fetchDataset, fetchFile, DATASETS, defaultCacheDir, type DatasetName, type FetchOptions, type RemoteFile } from './fetch.js';
export { readMat } from './mat.js';
export { extractTar } from './tar.js';
export { nodeCodec } from './folder.js';
