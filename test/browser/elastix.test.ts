import { expect } from 'chai';
import { configureItkAssets } from '../../src/browser/assets.js';
import { createBrowserElastixRunner } from '../../src/browser/elastix-runner.js';
import { readImageBlob, writeImageBlob } from '../../src/browser/image-file.js';
import { createFloatImage } from '../../src/image/image.js';
import { compare } from '../../src/compare.js';
import { CancelledError, InputError } from '../../src/errors.js';
import { gridCenter, gridOf, type Image } from '../../src/image/image.js';
import { registerElastix } from '../../src/methods/elastix.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { cornerError } from '../../src/metrics/corner-error.js';
import { ncc } from '../../src/metrics/similarity-metrics.js';
import { resample, resampleWithMask } from '../../src/resample.js';
import { invertTransform, similarity, type SimilarityParameters } from '../../src/transform/transform.js';

configureItkAssets('/dist/assets/itk');

async function fixtureFile(name: string): Promise<File> {
  const response = await fetch(`/samples/${name}`);
  if (!response.ok) throw new Error(`fixture ${name}: HTTP ${response.status}`);
  return new File([await response.blob()], name);
}

const about = (image: Image, p: SimilarityParameters) => similarity({ ...p, center: gridCenter(gridOf(image)) });

describe('image IO in the browser (itk-wasm worker, local pipelines)', () => {
  it('reads an 8-bit PNG and a float32 TIFF with their sizes', async () => {
    const png = await readImageBlob(await fixtureFile('deepclem_s6_em_crop512.png'));
    expect(png.size).to.deep.equal([512, 512]);
    expect(png.imageType.componentType).to.equal('uint8');
    const tiff = await readImageBlob(await fixtureFile('hxn_xrf_Fe_K.tiff'));
    expect(tiff.size).to.deep.equal([160, 160]);
    expect(tiff.imageType.componentType).to.equal('float32');
  });

  it('writes NRRD and TIFF that read back with size, spacing and values', async () => {
    const data = Float32Array.from({ length: 40 * 30 }, (_, k) => (k * 7) % 101);
    const image = createFloatImage([40, 30], data, { spacing: [0.25, 0.5], origin: [3, 4] });
    for (const name of ['out.nrrd', 'out.tif']) {
      const blob = await writeImageBlob(image, name);
      expect(blob.size).to.be.greaterThan(40 * 30 * 4 - 1);
      const back = await readImageBlob(blob, name);
      expect(back.size).to.deep.equal([40, 30]);
      expect(back.spacing[0]).to.be.closeTo(0.25, 1e-6);
      expect(back.spacing[1]).to.be.closeTo(0.5, 1e-6);
      expect(Array.from(back.data as Float32Array)).to.deep.equal(Array.from(data));
    }
  });

  it('refuses float pixels for PNG with the file name and what to do', async () => {
    const image = createFloatImage([4, 3], Float32Array.from({ length: 12 }, (_, k) => k / 3));
    let error: unknown;
    try {
      await writeImageBlob(image, 'registered.png');
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(/^registered\.png: cannot be written: \.png holds uint8 or uint16 pixels, this image has float32/);
  });

  it('names the file and the problem for a text file renamed .png', async () => {
    const bad = new File(['not an image'], 'notes.png');
    let error: unknown;
    try {
      await readImageBlob(bad);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(/^notes\.png: is not an image format/);
  });
});

describe('elastix in a web worker', () => {
  let em: Image;
  before(async () => {
    em = prepareImage(await readImageBlob(await fixtureFile('deepclem_s6_em_crop512.png')), 'em');
  });

  it('core geometry runs in the page: resampling undoes a known warp', () => {
    const truth = about(em, { rotationDeg: 12, scale: 1.1, translation: [5, 5] });
    const moving = resample(em, em, invertTransform(truth));
    const back = resampleWithMask(moving, gridOf(em), truth);
    expect(ncc(em, back.image, back.mask)).to.be.greaterThan(0.99);
  });

  it('recovers a known similarity on a real EM image within 0.5 px corner error', async () => {
    const truth = about(em, { rotationDeg: -9, scale: 0.94, translation: [6, 4] });
    const moving = resample(em, em, invertTransform(truth));
    const movingCopy = (moving.data as Float32Array).slice();
    const [result] = await compare(em, moving, ['elastix'], { elastixRunner: createBrowserElastixRunner() });
    const error = cornerError(truth, result.transform, gridOf(em));
    expect(error, `corner error ${error}`).to.be.lessThan(0.5);
    expect(result.backend).to.equal('wasm-worker');
    expect(Array.from(moving.data as Float32Array)).to.deep.equal(Array.from(movingCopy), 'input not mutated');
  });

  it('cancels within 1 s and stays usable', async () => {
    const truth = about(em, { rotationDeg: 5, translation: [3, 0] });
    const moving = resample(em, em, invertTransform(truth));
    const runner = createBrowserElastixRunner();
    const controller = new AbortController();
    const running = registerElastix(em, moving, runner, { preset: 'accurate', signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    const abortedAt = performance.now();
    controller.abort();
    let error: unknown;
    try {
      await running;
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).to.be.instanceOf(CancelledError);
    expect(performance.now() - abortedAt).to.be.lessThan(1000);
    const again = await registerElastix(em, moving, runner, { preset: 'fast' });
    expect(cornerError(truth, again.transform, gridOf(em))).to.be.lessThan(0.5);
  });
});
