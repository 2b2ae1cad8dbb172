/**
 * The hybrid: the CNN's estimate (any rotation, scale 0.5–2, in a fraction of elastix's time) as elastix's initial
 * transform, then a short elastix schedule (preset 'finish': one level) for the sub-pixel finish. Rules:
 * - if elastix leaves the pair less similar than the CNN did (lower NMI over the overlap), or
 *   fails, the CNN estimate is kept;
 * - opt-in (`fallbackBelowConfidence`): if the CNN is not confident, elastix also runs from the
 *   identity (preset 'default', as the standalone method) and from the best few starts of a
 *   coarse NMI search over the whole range (nmi-search.ts; preset 'refine'), and the candidate
 *   with the highest NMI wins. Until 2026-12-06 the fallback was elastix from the identity alone,
 *   which captures about ±15°. On the benchmark of 2026-12-06 (128 pairs) the search's starts
 *   aligned 5 pairs that neither the hybrid nor elastix alone did, and the identity one
 *   (xrf-25) that the search missed;
 * - candidates whose scale is far outside the supported 0.5–2 are not kept (PLAUSIBLE_SCALE),
 *   measured against the scale the pair is expected near (expectedScales: 1 with pixel sizes,
 *   else the fields' ratio in pixels, and the field ratio the CNN's 'search' mode assumed);
 *   an implausible CNN estimate is not refined (elastix from a collapsed start stays collapsed
 *   or loses the overlap: ~0.5 s for nothing on the benchmark's EM vs fluorescence pairs), nor
 *   is one whose refinement passes ran away (`details.diverged`: the CNN says it failed; before
 *   the passes were stopped such estimates ended at implausible scales): the fallback runs
 *   instead, whatever the option;
 * - when the CNN registered a small field inside windows of a larger one (field-windows.ts), the
 *   finish runs on the part of the larger image under the smaller (finishPair);
 * `details.kept` says which candidate was kept: 'cnn', 'elastix' (refined from the CNN),
 * 'elastix-identity' or 'elastix-search' (refined from a start of the NMI search).
 */
import { gridCenter, gridOf, type Image } from '../image/image.js';
import { FULL_RANGE } from '../synthetic/pairs.js';
import { determinant, invertMatrix } from '../transform/matrix.js';
import { cropImage } from '../image/crop.js';
import { expectedScale, footprint } from './field-windows.js';
import { withCenter, type Transform } from '../transform/transform.js';
import { pairQuality, type PairQuality } from '../metrics/quality.js';
import { isUnsure, registerCnnAsync, RETRY_STARTS, type CnnModel, type CnnOptions, type CnnProgress } from './cnn.js';
import { registerElastix, type ElastixOptions, type ElastixRunner } from './elastix.js';
import { nmiSearch, type NmiSearchOptions } from './nmi-search.js';
import { fieldsUnknownOf, fieldWindowsOf, type MethodResult } from './result.js';
import { RegistrationError } from '../errors.js';

/**
 * Starts of the NMI search that elastix refines. On the 48 synthetic pairs of nmi-search.ts: 30
 * successes refining the best 3, 31 the best 4, for a third more refinement time.
 */
export const SEARCH_REFINED = 3;

/**
 * Scales a kept candidate may have, relative to the scale the pair is expected near: the
 * documented range 0.5–2 with a 25 % margin. NMI over the overlap rewards a collapsed transform —
 * a small patch of the moving image stretched over the whole fixed one (seen on the bundled
 * DeepCLEM pair: a failed CNN estimate at scale 0.08 scored higher than elastix's answer) — so
 * such candidates are not kept.
 */
const PLAUSIBLE_SCALE: [number, number] = [FULL_RANGE.minScale / 1.25, FULL_RANGE.maxScale * 1.25];

/**
 * The scales (fixed → moving, physical) a pair's candidates are judged against: 1 with pixel sizes
 * of the images' own; without them, that of the fields laid onto each other (expectedScale: 160 px
 * against 640 px is a scale of 4, which until 2026-12-07 made every estimate of such a pair
 * "implausible"), and then also the scale of a confident CNN estimate (the fields may differ by
 * more than the guess allows: a view 2.6× narrower than the map, found with confidence 1, was
 * discarded) and that of the field ratio the CNN's 'search' mode assumed for the kept window.
 */
function expectedScales(fixed: Image, moving: Image, cnn: MethodResult): number[] {
  const base = expectedScale(gridOf(fixed), gridOf(moving));
  const scales = [base];
  const confidentElsewhere = fieldsUnknownOf(cnn) && !isUnsure(Number(cnn.details.confidence)) && !cnn.details.diverged && !plausible(cnn.transform, [base]);
  if (confidentElsewhere) scales.push(scaleOf(cnn.transform));
  const used = fieldWindowsOf(cnn);
  // The cut image's field is `ratio` times the other's: the pixel scale grows by it when the fixed field is the larger one.
  if (used?.assumed && used.kept) scales.push(base * (used.cut === 'fixed' ? used.ratio : 1 / used.ratio));
  return scales;
}

function scaleOf(transform: Transform): number {
  return Math.sqrt(Math.abs(determinant(transform.matrix)));
}

function plausible(transform: Transform, expected: readonly number[]): boolean {
  const scale = scaleOf(transform);
  return expected.some((e) => scale >= PLAUSIBLE_SCALE[0] * e && scale <= PLAUSIBLE_SCALE[1] * e);
}

/**
 * The hybrid's CNN search: starts scored at 64 px and the best two of each direction refined,
 * instead of every start at the model's side. elastix finishes what the CNN starts, so a coarser
 * search costs little: on the benchmark (128 pairs, 2026-11-24, one-way starts) it took a median
 * 150 ms against 282 ms, the hybrid's median fell from 738 to 604 ms (0.65 → 0.58 of elastix's)
 * and its success went 33 → 37 %. With two-direction starts (24 of them, without the one-way
 * 1/√2 zoom of DEFAULT_STARTS), on the benchmark's 96 synthetic and HXN pairs: 53 successes with
 * two candidates, 50 with one (47 with the one-way starts). The CNN method keeps the full
 * search, which succeeds more often alone (on the 1000 pairs of `npm run eval` with one-way
 * starts: 29.2 % against 25.8 %). The passes before the direction is chosen run at the model's
 * side (128), and the winner gets two more at 256 (`bothWaysSize`, `refineSize`, 5 passes): on
 * the benchmark's 128 pairs (2026-12-06, xemreg-sim-v7, seed 7001) the hybrid aligned 62 against
 * 57 with every pass at 128 (and 62 with every pass at 256, 1.65× the time), and no longer fell
 * below the CNN method or elastix in any bin; on 96 pairs of seed 8101, 64 against 61. The CNN
 * stage takes ~1.4× as long as before; the one-level elastix finish ('finish') more than pays
 * for it (the benchmark of 2026-12-06 21:24: 62 of 128, median 334 ms against elastix's 792).
 * On EM vs fluorescence pairs, which the CNN misreads, the 256-px passes now mostly run away
 * and flag the estimate `diverged` (7 of 8 warped DeepCLEM pairs), so the fallback runs there:
 * 2.6 s instead of 0.4 s per pair. (Until 2026-12-06 every pass ran at 128: the CNN method
 * alone then aligned one synthetic pair more than the hybrid in three bins of the benchmark;
 * two passes instead of three lost 2 successes, one pass 18.) The exchanged direction is skipped
 * when the direct one ends confident (SKIP_SWAPPED_INLIERS, as in the CNN method): until
 * 2026-12-07 both were always searched, but on the benchmark's generator at two other seeds
 * (8101, 9393: 96 synthetic and HXN pairs each) the hybrid aligned the same pairs (70 and 67),
 * with the same median corner error on them, in a median 271–279 against 292–295 ms (8101,
 * two runs each). The CNN stage keeps the
 * refinement it was calibrated with — soft-argmax matches over every cell, the last pass
 * returned — since the precision devices of the CNN method (INFERENCE_MATCHING, DEFAULT_PASSES,
 * the best-agreeing pass) polish what elastix polishes here: on the benchmark's generator at another
 * seed (8101, 128 pairs) peak matching gave the same 62 hybrid successes as the soft-argmax, and
 * with INFERENCE_MATCHING's mutual-match check (benchmark of 2026-12-03) the hybrid had 56
 * successes of 128 against 57 without it, and fell below elastix alone in one small HXN bin
 * (the padding mask, `maskPadding`, is left out with it: not measured on the hybrid). The masks
 * of a non-square frame's padding (`maskFrame`, from INFERENCE_MATCHING) apply: without them half
 * of a 2:1 image's cells vote for matches in the background.
 * Its second search for unsure pairs (RETRY_STARTS) puts the zoomed windows in the moving image's
 * four corners only, not also against the edges and at the centre: on 80 eval-generator pairs
 * (seed 4242) the CNN stage came within 0.06 of the half-field on 64 either way (57 without the
 * retry), with a mean 202 against 219 ms (167 ms without). The benchmark's median over all pairs
 * sits among the pairs the CNN is unsure of, where this time goes: on its 128 pairs (2026-12-07)
 * the hybrid took a median 519 ms with the nine windows (0.65 of elastix's; 66 aligned) and
 * 389 and 396 ms in two runs with the corners (0.50 and 0.54; 65 aligned), against 334 ms and
 * 62 before the retry. Since its passes before the direction is chosen run at 128 px, the retry's
 * winner gets its 256-px passes only when it agrees more at 128 px than the first search's did
 * (registerCnn): on 2 × 40 eval-generator pairs (seeds 4242, 5353) the CNN stage came within 0.06
 * on as many (36, 28) in 0.88 of the mean time; the hybrid aligned the same pairs at seeds 8101
 * and 9393. It retries below the CNN method's confidence 0.3 (RETRY_BELOW). Below 0.2 only, the
 * CNN stage came within 0.06 on as many of the same 2 × 40 pairs in a mean 178 and 215 ms against
 * 213 and 244, and at seeds 8101 and 9393 the hybrid aligned the same pairs, its time's 2/3
 * quantile (where the benchmark's median over all pairs falls: a quarter of its pairs are the
 * EM vs fluorescence ones, which take the fallback) 357 and 419 ms against 395 and 437; but on
 * the benchmark (2026-12-07 09:27) it lost synthetic-14, whose first search ends at 0.28 and
 * whose retry aligns it (0.81): not adopted. With the exchanged direction skipped when confident
 * and the retry's finer passes only for a winner that agrees more, the benchmark of 2026-12-07
 * 09:46 gave 66 aligned of 128 (65 at 07:30) and a median 284 ms on the synthetic pairs and 282 ms
 * on the HXN ones (333 and 301 at 07:30); over all pairs 382 ms, 0.52 of elastix's 730. Rerun at
 * 11:22 (the same search; candidates compared by `pairQuality`'s nmiAfter, which skips the unused before-value):
 * the same 66 aligned, 267 and 280 ms, over all pairs 356 ms, 0.49 of elastix's 722 — on the
 * limit, within what two runs of one code differ by (0.50 and 0.54 at 07:30 and before).
 * Rerun at 14:27, 15:14, 16:52 and 20:03 on another machine (2 AMD EPYC cores instead of Intel
 * Xeon; the same results): over all pairs 411, 423, 435 and 428 ms against elastix's 940, 986, 997
 * and 1002, 0.44, 0.43, 0.44 and 0.43 — elastix ran 1.3× slower there, the CNN about as fast (727,
 * 884, 744 and 795 ms): the ratio depends on the machine as much as on the search.
 * The same benchmark at two other seeds (2026-12-07, `--seed 8101` and `--seed 9393`, no
 * browser): hybrid/elastix 0.51 and 0.53; the hybrid aligned 70 and 67 pairs against the CNN
 * method's 65 and 69, short of the better single method in 3 bins (one DeepCLEM pair the CNN
 * method aligned at 9.6 px, the tolerance being 10.2) and 9 bins (synthetic and all pairs, by 1–3
 * pairs); on its successes 0.65 and 0.71 px against the finish's 0.63 and 0.58 from the truth.
 * The hybrid's coarser CNN search, which keeps its time near half of elastix's, is what loses
 * pairs the CNN method's full search finds: the two criteria pull against each other.
 */
export const HYBRID_CNN_SEARCH: CnnOptions = {
  searchSize: 64,
  candidates: 2,
  refineSize: 256,
  bothWaysSize: 128,
  passes: 5,
  matching: { subcell: 'window', mutual: false, maskPadding: false },
  keepBestPass: false,
  retry: { ...RETRY_STARTS, zoomOffsets: [-1, 1] },
};

/**
 * The images elastix finishes on: the pair itself, or, when the CNN registered a small field
 * inside windows of a larger one (field-windows.ts), the smaller image and the part of the larger
 * that the CNN's estimate puts under it. Given the whole larger field elastix stops: most of its
 * samples map outside the smaller image (seen on every such pair of the model card's study).
 */
function finishPair(fixed: Image, moving: Image, cnn: MethodResult): [Image, Image] {
  const windows = fieldWindowsOf(cnn);
  // kept null: the frames as they are won (FieldWindowPlan.sameSize).
  if (!windows?.kept) return [fixed, moving];
  if (windows.cut === 'fixed') return [cropImage(fixed, ...footprint(gridOf(fixed), gridOf(moving), invertMatrix(cnn.transform.matrix))), moving];
  return [fixed, cropImage(moving, ...footprint(gridOf(moving), gridOf(fixed), cnn.transform.matrix))];
}

export interface HybridOptions {
  /** CNN options; HYBRID_CNN_SEARCH unless they say otherwise. */
  cnn?: CnnOptions;
  /**
   * elastix options for the refinements: from the CNN estimate (default preset 'finish') and
   * from the search's starts (default preset 'refine': they are up to 5° off). A preset given
   * here applies to both.
   */
  elastix?: ElastixOptions;
  /**
   * CNN confidence below which elastix also runs from the identity and from the NMI search's best
   * starts. Default 0: never (only when the CNN estimate is unusable). CONFIDENT (0.5): finds at
   * least what elastix alone finds, at about three times elastix's time on every pair the CNN is
   * unsure of.
   */
  fallbackBelowConfidence?: number;
  /** The search's grid (nmi-search.ts defaults); its `candidates`, the starts elastix refines, default SEARCH_REFINED. */
  search?: NmiSearchOptions;
  /** The pair's quality scorer, when the caller has one (compare): its copies are then made once for all methods. */
  quality?: PairQuality;
  /** Progress of the CNN stage through field windows (registerCnnAsync); `elastix.signal` also cancels it between windows. */
  onCnnProgress?: (progress: CnnProgress) => void;
}

export async function registerHybrid(fixed: Image, moving: Image, cnn: CnnModel, runner: ElastixRunner, options: HybridOptions = {}): Promise<MethodResult> {
  const started = performance.now();
  const first = await registerCnnAsync(fixed, moving, cnn, { ...HYBRID_CNN_SEARCH, ...options.cnn }, { signal: options.elastix?.signal, onProgress: options.onCnnProgress });
  const cnnMs = performance.now() - started;
  // From here on, elastixMs: the refinements, the search and the NMI comparisons.
  const refineStarted = performance.now();
  const finishOptions: ElastixOptions = { preset: 'finish', ...options.elastix };
  const searchOptions: ElastixOptions = { preset: 'refine', ...options.elastix };
  const { nmiAfter } = options.quality ?? pairQuality(fixed, moving);
  // `label` names a candidate in the details (the search's starts are numbered), `kept` its kind.
  const candidates: { kept: string; label: string; transform: MethodResult['transform']; nmi: number }[] = [
    { kept: 'cnn', label: 'cnn', transform: first.transform, nmi: nmiAfter(first.transform) },
  ];
  const failures: string[] = [];
  const attempt = async (kept: string, elastixOptions: ElastixOptions, label = kept, pair: [Image, Image] = [fixed, moving]) => {
    try {
      const r = await registerElastix(pair[0], pair[1], runner, elastixOptions);
      // About the fixed image's centre, also when elastix saw a part of it (finishPair).
      const transform = pair[0] === fixed ? r.transform : withCenter(r.transform, gridCenter(gridOf(fixed)));
      candidates.push({ kept, label, transform, nmi: nmiAfter(transform) });
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      failures.push(`${label}: ${error.reason}`);
    }
  };
  const expected = expectedScales(fixed, moving, first);
  const cnnUsable = plausible(first.transform, expected) && !first.details.diverged;
  if (cnnUsable) await attempt('elastix', { ...finishOptions, initialTransform: first.transform }, 'elastix', finishPair(fixed, moving, first));
  const confidence = Number(first.details.confidence ?? 1);
  const threshold = options.fallbackBelowConfidence ?? 0;
  // An unusable (NaN) confidence counts as unsure when the fallback is on. A collapsed or
  // diverged CNN estimate leaves the fallback as the only answer, whatever the option.
  const fallback = (threshold > 0 && !(confidence >= threshold)) || !cnnUsable;
  let searchMs = 0;
  if (fallback) {
    // From the identity: the standalone method's preset.
    await attempt('elastix-identity', { ...searchOptions, preset: 'default' });
    const searchStarted = performance.now();
    // Over the documented scales about the pair's expected one (the fields' ratio without pixel sizes).
    const [minScale, maxScale] = [FULL_RANGE.minScale * expected[0], FULL_RANGE.maxScale * expected[0]];
    const starts = nmiSearch(fixed, moving, { candidates: SEARCH_REFINED, minScale, maxScale, ...options.search });
    searchMs = performance.now() - searchStarted;
    for (const [i, start] of starts.entries()) await attempt('elastix-search', { ...searchOptions, initialTransform: start.transform }, `elastix-search ${i + 1}`);
  }
  const elastixMs = performance.now() - refineStarted;
  // Ties go to the later (refined) candidate: elastix only stops where it does not get worse.
  const implausible = candidates.filter((c) => !plausible(c.transform, expected));
  const eligible = candidates.filter((c) => !implausible.includes(c));
  const best = (eligible.length ? eligible : candidates).reduce((b, c) => (c.nmi >= b.nmi ? c : b));
  return {
    method: 'hybrid',
    backend: `${first.backend}+${runner.backend}`,
    transform: best.transform,
    registrationMs: performance.now() - started,
    details: {
      kept: best.kept,
      candidates: Object.fromEntries(candidates.map((c) => [c.label, c.nmi])),
      fallback,
      searchMs,
      implausible: implausible.map((c) => c.label),
      elastixFailure: failures.length ? failures.join('; ') : null,
      cnnMs,
      elastixMs,
      cnn: first.details,
    },
  };
}
