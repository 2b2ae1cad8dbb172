import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestError, matchesPattern, validateManifest } from '../../plugin/manifest.js';
import { PluginRegistry } from '../../plugin/registry.js';

const good = {
  name: 'histeq',
  displayName: 'Histogram equalisation',
  contributions: {
    commands: [{ id: 'histeq.equalise', title: 'Equalise histogram' }, { id: 'histeq.read', title: 'Read' }],
    readers: [{ command: 'histeq.read', filenamePatterns: ['*.hist'] }],
    writers: [{ command: 'histeq.read', layerTypes: ['image'], filenameExtensions: ['.hist'] }],
  },
};

describe('plugin manifests', () => {
  it('accepts a valid manifest and keeps it JSON-serialisable', () => {
    const m = validateManifest(JSON.parse(JSON.stringify(good)));
    assert.equal(m.contributions.commands?.length, 2);
  });

  const cases: [string, unknown, string][] = [
    ['missing name', { ...good, name: undefined }, 'name'],
    ['bad name', { ...good, name: 'Hist EQ' }, 'name'],
    ['command without prefix', { ...good, contributions: { commands: [{ id: 'equalise', title: 'x' }] } }, 'contributions.commands[0].id'],
    ['command without title', { ...good, contributions: { commands: [{ id: 'histeq.a' }] } }, 'contributions.commands[0].title'],
    ['widget on an unknown command', { ...good, contributions: { commands: [], widgets: [{ command: 'histeq.nope', displayName: 'x' }] } }, 'contributions.widgets[0].command'],
    ['reader without patterns', { ...good, contributions: { commands: good.contributions.commands, readers: [{ command: 'histeq.read', filenamePatterns: [] }] } }, 'contributions.readers[0].filenamePatterns'],
    ['unknown contribution', { ...good, contributions: { menus: [] } }, 'contributions.menus'],
  ];
  for (const [what, manifest, field] of cases) {
    it(`refuses ${what}, naming ${field}`, () => {
      assert.throws(() => validateManifest(manifest), (e: unknown) => e instanceof ManifestError && e.field === field && e.message.includes(field));
    });
  }

  it('the registry needs a handler per command, finds readers and writers, activates once', async () => {
    const registry = new PluginRegistry({ viewer: true });
    assert.throws(() => registry.register(good, { commands: { 'histeq.equalise': () => 1 } }), /"histeq.read" has no handler/);
    let activations = 0;
    registry.register(good, { activate: () => void activations++, commands: { 'histeq.equalise': (_c, x) => (x as number) * 2, 'histeq.read': () => 'read' } });
    assert.equal(await registry.execute('histeq.equalise', 21), 42);
    await registry.execute('histeq.read');
    assert.equal(activations, 1);
    assert.equal(registry.readerFor('data/map.HIST'), 'histeq.read');
    assert.equal(registry.readerFor('map.tif'), null);
    assert.deepEqual(registry.writersFor('image', 'hist'), ['histeq.read']);
    await assert.rejects(registry.execute('histeq.nothing'), /unknown command/);
    assert.ok(matchesPattern('a/b/x.nii.gz', '*.nii.gz'));
  });
});
