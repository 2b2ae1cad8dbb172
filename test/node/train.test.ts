import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MATCHING_WEIGHT } from '../../src/cnn/model.js';
import { runScript } from './helpers.js';

const train = fileURLToPath(new URL('../../src/cli/train.js', import.meta.url));

const run = (...args: string[]) => runScript(train, args);

describe('npm run train (a few steps, never a full model)', () => {
  it('checkpoints, logs every checkpoint, and resumes where it stopped with a new matching weight', async () => {
    const out = await mkdtemp(join(tmpdir(), 'xemreg-train-'));
    const common = ['--name', 'tiny', '--out', out, '--batch', '2', '--checkpoint-every', '1', '--val-pairs', '2', '--data', 'none'];
    const first = await run(...common, '--steps', '2');
    assert.equal(first.code, 0, first.stderr);
    const dir = join(out, 'tiny');
    const state1 = JSON.parse(await readFile(join(dir, 'training', 'state.json'), 'utf8'));
    assert.equal(state1.step, 2);
    assert.equal(state1.matchingWeight, MATCHING_WEIGHT, 'the default weight is stored');
    const weights1 = await readFile(join(dir, 'weights.bin'));
    const log1 = (await readFile(join(dir, 'training', 'log.csv'), 'utf8')).trim().split('\n');
    assert.equal(log1.length, 3, 'a header and one row per checkpoint');
    assert.deepEqual(log1.slice(1).map((l) => l.split(',')[0]), ['1', '2']);
    assert.ok(log1.slice(1).every((l) => Number.isFinite(Number(l.split(',')[2]))), 'finite losses');

    const second = await run(...common, '--steps', '3', '--resume', '--matching-weight', '0.2');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /resuming tiny at step 2\/3/);
    assert.match(second.stderr, /matching weight from step 2: 0\.2/);
    const state2 = JSON.parse(await readFile(join(dir, 'training', 'state.json'), 'utf8'));
    assert.equal(state2.step, 3);
    assert.equal(state2.matchingWeight, 0.2);
    const log2 = (await readFile(join(dir, 'training', 'log.csv'), 'utf8')).trim().split('\n');
    assert.deepEqual(log2.slice(1).map((l) => l.split(',')[0]), ['1', '2', '3'], 'the log continues');
    assert.notDeepEqual(await readFile(join(dir, 'weights.bin')), weights1, 'the resumed step trained the weights');
  });

  it('starts a run from a grown copy of a trained model (--grow-from), recorded in its state', async () => {
    const out = await mkdtemp(join(tmpdir(), 'xemreg-grow-'));
    const common = ['--out', out, '--batch', '2', '--checkpoint-every', '1', '--val-pairs', '2', '--data', 'none', '--steps', '1'];
    const parent = await run('--name', 'parent', ...common);
    assert.equal(parent.code, 0, parent.stderr);
    const grown = await run('--name', 'grown', ...common, '--grow-from', join(out, 'parent'), '--width', '80', '--context', '1');
    assert.equal(grown.code, 0, grown.stderr);
    assert.match(grown.stderr, /grown from .*parent: last stage 80 channels, 1 context convolutions/);
    const state = JSON.parse(await readFile(join(out, 'grown', 'training', 'state.json'), 'utf8'));
    assert.deepEqual(state.grownFrom, { model: join(out, 'parent'), width: 80, context: 1 });
    assert.equal(state.step, 1);
    const layers = JSON.parse(await readFile(join(out, 'grown', 'model.json'), 'utf8')).modelTopology.config.layers as { name: string; config: { filters?: number } }[];
    const filters = (name: string) => layers.find((l) => l.name === name)?.config.filters;
    assert.equal(filters('fixed_conv2'), 80);
    assert.equal(filters('moving_context0'), 80);
    assert.equal(filters('moving_features'), 64, 'the matching features keep their channels');

    const narrower = await run('--name', 'narrow', ...common, '--grow-from', join(out, 'parent'), '--width', '32');
    assert.equal(narrower.code, 2);
    assert.match(narrower.stderr, /--grow-from .*parent: growModel: width 32 must be an integer ≥ the last stage's 64/);
    const missing = await run('--name', 'orphan', ...common, '--grow-from', join(out, 'nothing'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--grow-from .*nothing: holds no model.json/);
    const both = await run('--name', 'grown', ...common, '--grow-from', join(out, 'parent'), '--resume');
    assert.equal(both.code, 2, 'growing into a run that exists is refused, not ignored');
    assert.match(both.stderr, /--grow-from starts a new run, but grown has one to --resume/);
  });

  it('trains a share of the steps at the refinement side (--refine-size), on non-square views too (--view-share), and still saves the model at its own side', async () => {
    const out = await mkdtemp(join(tmpdir(), 'xemreg-refine-'));
    const common = ['--out', out, '--batch', '4', '--checkpoint-every', '2', '--val-pairs', '2', '--data', 'none', '--steps', '4'];
    const plain = await run('--name', 'plain', ...common);
    assert.equal(plain.code, 0, plain.stderr);
    const refined = await run('--name', 'refined', ...common, '--refine-size', '256', '--refine-share', '0.5', '--view-share', '0.5');
    assert.equal(refined.code, 0, refined.stderr);
    assert.match(refined.stderr, /refinement steps: 50 % at 256 px, transforms \{"maxRotationDeg":25,/);
    const state = JSON.parse(await readFile(join(out, 'refined', 'training', 'state.json'), 'utf8'));
    assert.equal(state.refine.size, 256);
    assert.equal(state.refine.pairOptions.size, 256);
    assert.equal(state.pairOptions.viewShare, 0.5, 'both streams cut views');
    assert.equal(state.refine.pairOptions.viewShare, 0.5);
    assert.equal(state.step, 4);
    const inputShape = async (name: string) => JSON.parse(await readFile(join(out, name, 'model.json'), 'utf8')).modelTopology.config.layers[0].config.batch_input_shape;
    assert.deepEqual(await inputShape('refined'), [null, 128, 128, 1]);
    // Same seed and steps: the main stream's first two batches are the plain run's, so the weights differ by the refinement steps.
    assert.notDeepEqual(await readFile(join(out, 'refined', 'weights.bin')), await readFile(join(out, 'plain', 'weights.bin')));

    const tooSmall = await run('--name', 'small', ...common, '--refine-size', '100');
    assert.equal(tooSmall.code, 2);
    assert.match(tooSmall.stderr, /--refine-size 100: a multiple of 8 above the model's side \(128\)/);
    const resumed = await run('--name', 'refined', ...common, '--steps', '5', '--resume', '--view-share', '0.1');
    assert.equal(resumed.code, 2, 'a resumed run keeps its views: the flag is refused, not ignored');
    assert.match(resumed.stderr, /--view-share is set when a run starts; refined resumes with its own/);
    const badShare = await run('--name', 'views', ...common, '--view-share', '2');
    assert.equal(badShare.code, 2);
    assert.match(badShare.stderr, /--view-share 2: a chance between 0 and 1/);
  });
});
