import { expect } from 'chai';
import { createFloatImage } from '../../src/image/image.js';
import '../../viewer/xem-viewer.js';
import '../../plugin/command-palette.js';
import type { XemViewer } from '../../viewer/xem-viewer.js';
import type { XemCommandPalette } from '../../plugin/command-palette.js';
import type { PluginContext } from '../../plugin/registry.js';

// A plugin written outside the package: histogram equalisation of the first layer, as a new layer.
const histeqManifest = {
  name: 'histeq',
  displayName: 'Histogram equalisation',
  contributions: { commands: [{ id: 'histeq.equalise', title: 'Equalise histogram of the first layer' }] },
};

function equalise({ host }: PluginContext<XemViewer>): string {
  const [first] = host.getLayers();
  const image = host.getLayerImage(first.id);
  const values = image.data as Float32Array;
  const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  const out = new Float32Array(values.length);
  order.forEach((k, rank) => (out[k] = rank / (values.length - 1)));
  return host.addLayer(createFloatImage([image.size[0], image.size[1]], out, { spacing: image.spacing, origin: image.origin }), { name: `${first.name} (equalised)`, role: 'other' }).id;
}

describe('plugins', () => {
  it('a third-party plugin registers, shows in the command palette and runs', async () => {
    const viewer = document.createElement('xem-viewer');
    viewer.style.height = '200px';
    document.body.append(viewer);
    await viewer.updateComplete;
    // Skewed data: equalisation spreads it uniformly.
    viewer.addLayer(createFloatImage([32, 32], Float32Array.from({ length: 1024 }, (_, k) => (k / 1024) ** 4)), { name: 'skewed' });
    viewer.plugins.register(histeqManifest, { commands: { 'histeq.equalise': (context) => equalise(context as PluginContext<XemViewer>) } });

    const palette = document.createElement('xem-command-palette') as XemCommandPalette;
    palette.registry = viewer.plugins;
    document.body.append(palette);
    await palette.updateComplete;
    const button = palette.shadowRoot?.querySelector('button[data-command="histeq.equalise"]') as HTMLButtonElement;
    expect(button, 'listed in the palette').to.exist;
    expect(button.textContent).to.contain('Equalise histogram');
    const ran = new Promise((resolve) => palette.addEventListener('command-run', resolve, { once: true }));
    button.click();
    await ran;
    const layers = viewer.getLayers();
    expect(layers.map((l) => l.name)).to.deep.equal(['skewed', 'skewed (equalised)']);
    const eq = viewer.getLayerImage(layers[1].id).data as Float32Array;
    const mean = eq.reduce((a, b) => a + b, 0) / eq.length;
    expect(mean).to.be.closeTo(0.5, 0.01);
    palette.remove();
    viewer.remove();
  });

  it('a contributed reader opens the files it claims when they are dropped or picked', async () => {
    const viewer = document.createElement('xem-viewer');
    viewer.style.height = '200px';
    document.body.append(viewer);
    await viewer.updateComplete;
    viewer.plugins.register(
      { name: 'csvimg', displayName: 'CSV images', contributions: { commands: [{ id: 'csvimg.read', title: 'Read CSV image' }], readers: [{ command: 'csvimg.read', filenamePatterns: ['*.csv'] }] } },
      {
        commands: {
          'csvimg.read': async (_context, file) => {
            const rows = (await (file as File).text()).trim().split('\n').map((r) => r.split(',').map(Number));
            return createFloatImage([rows[0].length, rows.length], Float32Array.from(rows.flat()), { spacing: [0.5, 0.5] });
          },
        },
      },
    );
    const csv = Array.from({ length: 20 }, (_, j) => Array.from({ length: 30 }, (_, i) => i * j).join(',')).join('\n');
    const [layer] = await viewer.loadFiles([new File([csv], 'map.csv')]);
    expect(layer.size).to.deep.equal([30, 20]);
    expect(layer.spacing).to.deep.equal([0.5, 0.5]);
    expect(viewer.getLayerImage(layer.id).data?.[5 * 30 + 7]).to.equal(35);
    viewer.remove();
  });

  it('refuses an invalid manifest with a message naming the field', () => {
    const viewer = document.createElement('xem-viewer');
    expect(() => viewer.plugins.register({ name: 'bad', displayName: 'Bad', contributions: { commands: [{ id: 'other.x', title: 'x' }] } }, { commands: {} })).to.throw(/contributions\.commands\[0\]\.id/);
  });
});
