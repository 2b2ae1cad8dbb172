/**
 * Where the page loads itk-wasm's worker and pipelines from. Everything is served by our own
 * server (`scripts/copy-assets.mjs` puts them in dist/assets/itk); nothing comes from a CDN.
 */
import { setPipelinesBaseUrl as setImageIoPipelines, setPipelineWorkerUrl as setImageIoWorker } from '@itk-wasm/image-io';
import { setPipelinesBaseUrl as setElastixPipelines, setPipelineWorkerUrl as setElastixWorker } from '@itk-wasm/elastix';

let workerUrl: string | null = null;

/**
 * Point itk-wasm at `base` (default "/dist/assets/itk", relative to the server root). A path, not
 * an http URL: itk-wasm fetches http worker URLs into never-revoked object URLs.
 */
export function configureItkAssets(base = '/dist/assets/itk'): void {
  const root = base.replace(/\/$/, '');
  workerUrl = `${root}/itk-wasm-pipeline.min.worker.js`;
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
