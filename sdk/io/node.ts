// gaussface/node: the Node-only parts of the SDK (files, folders, downloads).
export { loadImageFolder, type FolderOptions, type ImageFolder } from './folder.js';
