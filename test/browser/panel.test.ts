import { expect } from 'chai';
import { configureItkAssets } from '../../src/browser/assets.js';
import { createBrowserElastixRunner } from '../../src/browser/elastix-runner.js';
import { readImageBlob } from '../../src/browser/image-file.js';
import { chooseTfBackend, loadCnnModelFromUrl } from '../../src/browser/tf-backend.js';
import { withSpacing } from '../../src/image/spacing.js';
import { createFloatImage, gridOf, type Grid, type Image } from '../../src/image/image.js';
import { Rng } from '../../src/synthetic/random.js';
import * as tf from '@tensorflow/tfjs';
import { cornerError } from '../../src/metrics/corner-error.js';
import { resample } from '../../src/resample.js';
import { similarity } from '../../src/transform/transform.js';
import { parseTransform } from '../../src/transform/formats.js';
import { transformFromJSON, type TransformJSON } from '../../src/transform/json.js';
import '../../viewer/xem-viewer.js';
import type { XemViewer } from '../../viewer/xem-viewer.js';
import { REGISTRATION_MANIFEST, registrationPlugin } from '../../plugin/registration-plugin.js';
import type { XemRegistrationPanel } from '../../plugin/registration-panel.js';

configureItkAssets('/dist/assets/itk');

async function sample(name: string) {
  const response = await fetch(`/samples/${name}`);
  return readImageBlob(new File([await response.blob()], name));
}

/** The tfjs backend the app's default order picked (set by `setup`). */
let backendChoice: Awaited<ReturnType<typeof chooseTfBackend>> | null = null;

async function setup(withModel: boolean, moving?: Image, fixed?: Image): Promise<{ viewer: XemViewer; panel: XemRegistrationPanel }> {
  const viewer = document.createElement('xem-viewer');
  viewer.style.height = '300px';
  document.body.append(viewer);
  await viewer.updateComplete;
  viewer.addLayer(fixed ?? (await sample('deepclem_s6_em_crop512.png')), { role: 'fixed', name: 'fixed' });
  viewer.addLayer(moving ?? (await sample('deepclem_s6_em_moved.png')), { role: 'moving', name: 'moving' });
  backendChoice = await chooseTfBackend();
  // The shipped model, as the app loads it.
  const shipped = withModel ? ((await (await fetch('/models/index.json')).json()) as { default: string }).default : null;
  const cnn = shipped ? await loadCnnModelFromUrl(`/models/${shipped}/model.json`) : null;
  viewer.plugins.register(REGISTRATION_MANIFEST, registrationPlugin({ elastixRunner: createBrowserElastixRunner(), cnn }));
  expect(viewer.plugins.widgets().map((w) => w.displayName)).to.include('Registration');
  const panel = (await viewer.plugins.execute('xemreg.registration-panel')) as XemRegistrationPanel;
  document.body.append(panel);
  await panel.updateComplete;
  return { viewer, panel };
}

describe('<xem-registration-panel> (built-in plugin)', () => {
  it('says when the CNN is unsure: a moving image of pure noise', async () => {
    const rng = new Rng(5);
    const { viewer, panel } = await setup(true, createFloatImage([200, 200], new Float32Array(200 * 200).map(() => rng.next()), { name: 'noise' }));
    (panel.shadowRoot?.querySelector('#method') as HTMLSelectElement).value = 'cnn';
    panel.shadowRoot?.querySelector('#method')?.dispatchEvent(new Event('change'));
    const [result] = await panel.run();
    await panel.updateComplete;
    expect(Number(result.details.confidence)).to.be.lessThan(0.5);
    expect(panel.shadowRoot?.querySelector('.status')?.textContent).to.match(/The CNN is unsure for cnn \(confidence below 0\.5\): that estimate is likely wrong/);
    // The PNG and the noise carry no pixel size: the status says what that assumed, and what to do.
    expect(panel.shadowRoot?.querySelector('.status')?.textContent).to.match(/Neither image has a pixel size.*set both pixel sizes in the layer list, or tick "CNN: search field sizes"/);
    expect(panel.shadowRoot?.querySelector('#field-search')).to.exist;
    panel.remove();
    viewer.remove();
  });

  it('compare-all gives three rows; choosing a row changes the registered layer; the export matches the CLI', async () => {
    const { viewer, panel } = await setup(true);
    (panel.shadowRoot?.querySelector('#method') as HTMLSelectElement).value = 'all';
    panel.shadowRoot?.querySelector('#method')?.dispatchEvent(new Event('change'));
    const results = await panel.run();
    await panel.updateComplete;
    // One column per method, in compare order; every quantity row has a value for each.
    const columns = panel.shadowRoot?.querySelectorAll('thead th[data-method]') ?? [];
    expect(Array.from(columns).map((c) => c.getAttribute('data-method'))).to.deep.equal(['cnn', 'elastix', 'hybrid']);
    const rotationCells = Array.from(panel.shadowRoot?.querySelectorAll('tbody tr')[0].querySelectorAll('td') ?? []);
    expect(rotationCells.map((c) => c.textContent)).to.have.length(3);
    for (const cell of rotationCells) expect(cell.textContent).to.match(/-?\d+\.\d+/);
    // Confidence: the CNN's, for cnn and for the hybrid's CNN stage; elastix has none.
    const confidenceRow = Array.from(panel.shadowRoot?.querySelectorAll('tbody tr') ?? []).find((row) => row.querySelector('th, td')?.textContent?.trim() === 'confidence');
    const confidenceCells = Array.from(confidenceRow?.querySelectorAll('td') ?? []).map((c) => c.textContent?.trim());
    expect(confidenceCells.slice(-3).map((t) => /^\d\.\d\d$/.test(t ?? ''))).to.deep.equal([true, false, true]);
    expect(panel.shadowRoot?.querySelector('.status')?.textContent).not.to.contain('unsure');
    // No GPU here: WebGL is software-rendered, so the panel's CNN runs on wasm (the faster one) and says so.
    expect(results[0].backend).to.equal(tf.getBackend());
    expect(backendChoice?.backend).to.equal('wasm');
    expect(backendChoice?.fallbacks.map((f) => f.reason).join()).to.contain('software-rendered WebGL');
    // Served as the app is (cross-origin isolated), tfjs loads its multi-threaded wasm build; its
    // pool has half the logical cores, at most 8 (one on a 2-core machine).
    expect(self.crossOriginIsolated).to.equal(true);
    expect(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')).to.equal(true);
    expect(backendChoice?.threads).to.equal(Math.min(8, Math.max(1, Math.floor(navigator.hardwareConcurrency / 2))));
    // The hybrid's fallback is opt-in (checkbox, unchecked by default).
    expect((panel.shadowRoot?.querySelector('#hybrid-fallback') as HTMLInputElement).checked).to.equal(false);
    expect(results[2].details.fallback).to.equal(false);

    // The export buttons show once a result is chosen (before, there is nothing to export).
    const exports = panel.shadowRoot?.querySelector('.exports') as HTMLElement;
    expect(getComputedStyle(exports).display).to.equal('none');
    const useButtons = panel.shadowRoot?.querySelectorAll('thead button') as NodeListOf<HTMLButtonElement>;
    useButtons[0].click(); // cnn
    await panel.updateComplete;
    expect(getComputedStyle(exports).display).to.equal('flex');
    const registered = () => viewer.getLayers().find((l) => l.role === 'registered');
    const cnnPixels = (viewer.getLayerImage(registered()!.id).data as Float32Array).slice();
    useButtons[1].click(); // elastix
    const elastixPixels = viewer.getLayerImage(registered()!.id).data as Float32Array;
    let changed = 0;
    // Two different (both good) transforms: the interpolated pixels differ, slightly, almost everywhere.
    for (let k = 0; k < cnnPixels.length; k++) if (Math.abs(cnnPixels[k] - elastixPixels[k]) > 1e-3) changed++;
    expect(changed / cnnPixels.length).to.be.greaterThan(0.2);
    expect(viewer.getLayers().filter((l) => l.role === 'registered')).to.have.length(1);

    const exported = parseTransform(panel.exportTransform('json'), 'json');
    const cli = ((await (await fetch('/dist/node-references.json')).json()) as { elastix: { transform: TransformJSON } }).elastix;
    const grid = gridOf(viewer.getLayerImage(viewer.getLayers()[0].id));
    const distance = cornerError(transformFromJSON(cli.transform), exported, grid);
    expect(distance, `panel vs CLI: ${distance} px`).to.be.lessThan(0.5);
    panel.remove();
    viewer.remove();
  });

  it('cancelling elastix stops within 1 s and the panel stays usable', async () => {
    const { viewer, panel } = await setup(false);
    const presetSelect = panel.shadowRoot?.querySelector('#preset') as HTMLSelectElement;
    // Only schedules that start from the identity are offered (not the hybrid's refine/finish).
    expect([...presetSelect.options].map((o) => o.value)).to.deep.equal(['fast', 'default', 'accurate']);
    presetSelect.value = 'accurate';
    presetSelect.dispatchEvent(new Event('change'));
    const running = panel.run();
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    (panel.shadowRoot?.querySelector('#cancel') as HTMLButtonElement).click();
    expect(await running).to.deep.equal([]);
    expect(performance.now() - t0).to.be.lessThan(1000);
    await panel.updateComplete;
    expect(panel.shadowRoot?.querySelector('.status')?.textContent).to.contain('Cancelled');
    presetSelect.value = 'fast';
    presetSelect.dispatchEvent(new Event('change'));
    const again = await panel.run();
    expect(again.map((r) => r.method)).to.deep.equal(['elastix']);
    panel.remove();
    viewer.remove();
  });

  it('a small field inside a larger one: progress through the field windows, a cancel between them, and the kept window in the table', async () => {
    // The EM sample at 20 nm pixels (10.2 µm) and a 3 µm view of it at 15 nm, turned by 35°: 9
    // windows. In mm, as sizes read from files are.
    const em = await sample('deepclem_s6_em_crop512.png');
    const fixed = withSpacing(createFloatImage([em.size[0], em.size[1]], em.data as Float32Array, { name: 'EM 20 nm' }), [2e-5, 2e-5], 'mm');
    const viewGrid: Grid = { size: [200, 200], spacing: [1.5e-5, 1.5e-5], origin: [0, 0], direction: [1, 0, 0, 1] };
    const view = resample(fixed, viewGrid, similarity({ rotationDeg: 35, center: [1.4925e-3, 1.4925e-3], translation: [(6.6 - 1.4925) * 1e-3, (3.1 - 1.4925) * 1e-3] }));
    const { viewer, panel } = await setup(true, withSpacing(createFloatImage([200, 200], view.data as Float32Array, { name: 'view 15 nm' }), [1.5e-5, 1.5e-5], 'mm'), fixed);
    (panel.shadowRoot?.querySelector('#method') as HTMLSelectElement).value = 'cnn';
    panel.shadowRoot?.querySelector('#method')?.dispatchEvent(new Event('change'));
    const status = () => panel.shadowRoot?.querySelector('.status')?.textContent ?? '';
    // The page gets turns while the CNN works through the windows: the status shows where it is,
    // and Cancel is taken between two windows.
    const running = panel.run();
    const seen: string[] = [];
    while (!/field windows 2 of/.test(status())) {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(status());
      expect(seen.length, `status: ${status()}`).to.be.lessThan(1500);
    }
    expect(status()).to.match(/^Running cnn \(1\/1\): field windows 2 of 11…$/);
    (panel.shadowRoot?.querySelector('#cancel') as HTMLButtonElement).click();
    expect(await running).to.deep.equal([]);
    await panel.updateComplete;
    expect(status()).to.equal('Cancelled.');
    // Run to the end: the table says which window of the EM image was kept.
    const [result] = await panel.run();
    await panel.updateComplete;
    const row = Array.from(panel.shadowRoot?.querySelectorAll('tbody tr') ?? []).find((r) => r.querySelector('th')?.textContent?.trim() === 'field window');
    const kept = (result.details.fieldWindows as { kept: number[] }).kept;
    expect(row?.querySelector('td')?.textContent?.trim()).to.equal(`fixed x ${kept[0]}–${kept[0] + kept[2] - 1}, y ${kept[1]}–${kept[1] + kept[3] - 1} (of 9)`);
    // Both sizes in mm: the shifts with their unit (nm or µm), the same lengths as the result's.
    const cell = (label: string) => Array.from(panel.shadowRoot?.querySelectorAll('tbody tr') ?? []).find((r) => r.querySelector('th')?.textContent?.trim() === label)?.querySelector('td')?.textContent?.trim() ?? '';
    for (const [label, value] of [['shift x', result.transform.translation[0]], ['shift y', result.transform.translation[1]]] as const) {
      const m = /^(-?)([\d.]+) (nm|µm)$/.exec(cell(label));
      expect(m, `${label}: ${cell(label)}`).to.not.equal(null);
      expect((m![1] ? -1 : 1) * Number(m![2]) * (m![3] === 'nm' ? 1e-6 : 1e-3)).to.be.closeTo(value, Math.abs(value) * 1e-4);
    }
    panel.remove();
    viewer.remove();
  });
});
