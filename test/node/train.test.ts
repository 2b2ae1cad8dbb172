import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MATCHING_WEIGHT } from '../../src/cnn/model.js';

const train = fileURLToPath(new URL('../../src/cli/train.js', import.meta.url));

function run(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [train, ...args], { maxBuffer: 1 << 24 }, (error, _stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

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
});
