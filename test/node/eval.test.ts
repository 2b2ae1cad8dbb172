import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pairedComparison } from '../../src/cnn/paired.js';
import { shippedModelDir } from '../../src/node/cnn-model.js';
import { runScript } from './helpers.js';

describe('pairedComparison', () => {
  it('counts the pairs each model aligns and gives the exact two-sided sign test', () => {
    const first = [true, true, false, false, true, false];
    const second = [true, false, true, false, false, false];
    const c = pairedComparison(first, second);
    assert.deepEqual({ ...c, signTestP: undefined }, { count: 6, both: 1, onlyFirst: 2, onlySecond: 1, neither: 2, signTestP: undefined });
    // 2 against 1 of 3 differing pairs: as even as three can be.
    assert.equal(c.signTestP, 1);
    // References from exact integer arithmetic (Python's math.comb): 10 of 10 one way, 2/2^10;
    // 82 against 39, 1.1547e-4; 30 against 28, 0.8957.
    const split = (a: number, b: number) => pairedComparison([...Array(a).fill(true), ...Array(b).fill(false)], [...Array(a).fill(false), ...Array(b).fill(true)]).signTestP;
    assert.ok(Math.abs(split(10, 0) - 2 / 1024) < 1e-12);
    assert.ok(Math.abs(split(0, 10) - 2 / 1024) < 1e-12);
    assert.ok(Math.abs(split(82, 39) - 1.1547452744485193e-4) < 1e-9);
    assert.ok(Math.abs(split(30, 28) - 0.8956832138895903) < 1e-9);
    // Agreeing everywhere: nothing to test.
    assert.equal(pairedComparison([true, false], [true, false]).signTestP, 1);
    assert.throws(() => pairedComparison([true], [true, false]), /1 against 2 pairs/);
  });
});

const root = fileURLToPath(new URL('../../../', import.meta.url));
const evalJs = join(root, 'dist', 'src', 'cli', 'eval.js');

const runEval = (...args: string[]) => runScript(evalJs, args, { cwd: root });

describe('npm run eval --against', () => {
  let dir: string;
  // Two copies of the shipped model: each eval writes into its model's folder.
  const copy = async (name: string) => {
    const source = shippedModelDir();
    assert.ok(source, 'a default model is shipped');
    const target = join(dir, name);
    await mkdir(target);
    for (const f of ['model.json', 'weights.bin']) await copyFile(join(source, f), join(target, f));
    return target;
  };
  // A small run: 6 held-out pairs, no training sample, views, registrability or real pairs beyond one each.
  const small = ['--pairs', '6', '--train-pairs', '0', '--view-pairs', '0', '--registrability-pairs', '0', '--transforms', '1', '--real-data', 'samples', '--data', 'none'];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xemreg-eval-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compares two evaluations of the same pairs, refuses other pairs and a model not evaluated', async () => {
    const a = await copy('a');
    const b = await copy('b');
    const first = await runEval('--model', a, ...small);
    assert.equal(first.code, 0, first.stderr);
    const csv = (await readFile(join(a, 'eval', 'test-pairs.csv'), 'utf8')).trim().split('\n');
    const successColumn = csv[0].split(',').indexOf('success');
    const aligned = csv.slice(1).filter((l) => l.split(',')[successColumn] === '1').length;

    // The same model on the same pairs: no pair differs (inference is deterministic).
    const second = await runEval('--model', b, '--against', a, ...small);
    assert.equal(second.code, 0, second.stderr);
    const { paired } = JSON.parse(await readFile(join(b, 'eval', 'eval.json'), 'utf8'));
    assert.deepEqual(paired, { against: a, count: 6, both: aligned, onlyFirst: 0, onlySecond: 0, neither: 6 - aligned, signTestP: 1 });
    assert.match(await readFile(join(b, 'eval', 'eval.md'), 'utf8'), /on the same 6 held-out pairs \(`--against`\): both align/);

    // Another seed: other pairs. The evaluation is written, the comparison is not, exit 2.
    const otherSeed = await runEval('--model', b, '--against', a, '--seed', '123', ...small);
    assert.equal(otherSeed.code, 2);
    assert.match(otherSeed.stderr, /a[/\\]eval[/\\]test-pairs\.csv: its pairs are not these/);
    assert.equal(JSON.parse(await readFile(join(b, 'eval', 'eval.json'), 'utf8')).paired, null);

    // More pairs than the other evaluation has, and a folder never evaluated: refused before the run.
    const more = await runEval('--model', b, '--against', a, ...small.slice(2), '--pairs', '7');
    assert.equal(more.code, 2);
    assert.match(more.stderr, /test-pairs\.csv: 6 pairs, fewer than the 7 to compare/);
    const never = await runEval('--model', b, '--against', join(dir, 'nowhere'), ...small);
    assert.equal(never.code, 2);
    assert.match(never.stderr, /nowhere[/\\]eval[/\\]test-pairs\.csv: not found/);
  });
});
