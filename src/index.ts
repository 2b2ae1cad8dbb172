/** xemreg for Node: the core plus file IO and elastix in this process. */
export * from './core.js';
export { readImageFile, writeImageFile } from './node/image-file.js';
export { nodeElastixRunner } from './node/elastix-runner.js';
export { loadCnnModel, shippedModelDir, useWasmBackend } from './node/cnn-model.js';
