/** xemreg for the browser: the core plus file reading and elastix in web workers. */
export * from './core.js';
export { configureItkAssets } from './browser/assets.js';
export { readImageBlob, writeImageBlob, type BlobReadOptions } from './browser/image-file.js';
export { createBrowserElastixRunner } from './browser/elastix-runner.js';
export { chooseTfBackend, configureTfAssets, loadCnnModelFromUrl, type BackendChoice } from './browser/tf-backend.js';
