/**
 * Where the page loads itk-wasm's worker and pipelines from. Everything is served by our own
 * server (`scripts/copy-assets.mjs` puts them in dist/assets/itk); nothing comes from a CDN.
 */
import { setPipelinesBaseUrl as setImageIoPipelines, setPipelineWorkerUrl as setImageIoWorker } from '@itk-wasm/image-io';
import { setPipelinesBaseUrl as setElastixPipelines, setPipelineWorkerUrl as setElastixWorker } from '@itk-wasm/elastix';

let workerUrl: string | null = null;
let hdf5Worker: string | null = null;

/**
 * Point itk-wasm at `base` (default "/dist/assets/itk", relative to the server root). A path, not
 * an http URL: itk-wasm fetches http worker URLs into never-revoked object URLs.
 */
export function configureItkAssets(base = '/dist/assets/itk'): void {
  const root = base.replace(/\/$/, '');
  workerUrl = `${root}/itk-wasm-pipeline.min.worker.js`;
  // The HDF5 reader's worker sits beside them (dist/assets/hdf5), as the build puts it.
  hdf5Worker = `${root.replace(/\/itk$/, '')}/hdf5/hdf5-worker.js`;
  setImageIoPipelines(`${root}/image-io`);
  setImageIoWorker(workerUrl);
  setElastixPipelines(`${root}/elastix`);
  setElastixWorker(workerUrl);
}

/** The worker script URL; configures the defaults on first use. */
export function itkWorkerUrl(): string {
  if (workerUrl === null) configureItkAssets();
  return workerUrl as string;
}

/** The HDF5 reader's worker script URL (hdf5-worker.ts); configures the defaults on first use. */
export function hdf5WorkerUrl(): string {
  if (hdf5Worker === null) configureItkAssets();
  return hdf5Worker as string;
}
