/**
 * elastix parameter maps for our two transforms. Values follow elastix's own `rigid`/`affine`
 * defaults (Mattes mutual information, adaptive stochastic gradient descent, smoothing pyramids,
 * random-coordinate sampling); presets trade iterations, samples and resolution for time, and the
 * hybrid's `refine` finishes with normalised mutual information, which ends nearer the truth.
 */
import type { ParameterMap } from '../transform/elastix-parameters.js';

export type ElastixTransformKind = 'similarity' | 'affine';

export interface ElastixPreset {
  /** Pyramid levels. */
  resolutions: number;
  /** Optimiser iterations per level. */
  iterations: number;
  /** Random samples for the metric per iteration. */
  samples: number;
  /** Images are averaged down to at most this many pixels before elastix sees them. */
  maxPixels: number;
  /**
   * Samples of the exact gradient with which the optimiser estimates its step sizes at the start
   * of every level (AutomaticParameterEstimation); a large share of a short run's time.
   */
  exactGradientSamples: number;
  /** elastix metric; default AdvancedMattesMutualInformation. */
  metric?: 'AdvancedMattesMutualInformation' | 'NormalizedMutualInformation';
  /** Joint-histogram bins of the metric; default 32. */
  histogramBins?: number;
}

/**
 * Measured on a 512² TEM image warped by known similarities up to 15° / 15 % / 20 px
 * (scratch study, Node wasm, 2 cores): five pyramid levels are what captures the larger
 * displacements; three levels failed beyond ~5°.
 * - `refine`: two levels, for starts a few degrees and % off (the hybrid's NMI search starts; until
 *   2026-12-06 also the hybrid's finish from the CNN estimate), ~0.3 s.
 *   Its step-size estimation uses 2048 exact-gradient samples, not 4096: from perturbed truths on
 *   32 benchmark pairs (2026-12-01) as many succeeded (24 of 32) in 0.86 of the time.
 *   elastix's cheaper 'DisplacementDistribution' step-size estimation saved 6 % of the hybrid's
 *   time on the benchmark (2026-12-02) but stalled or drifted from a 7-px start on the 512² EM
 *   sample (3–14 px, against 0.1 px; the refine test in elastix.test.ts), so it is not used.
 *   Its metric is normalised mutual information with 24 bins: started at the truth on the 59
 *   benchmark pairs the hybrid aligned (2026-12-02), it ends 0.55 px from it against 0.74 px
 *   for Mattes MI with 32 bins, in the same time. What remains is where the metric's optimum lies,
 *   not sampling noise or the schedule (2026-12-05, the bundled HXN Fe vs P maps, 160², from the
 *   truth): on 16 warped cases 0.85 px median with 2048 random samples, 0.76 with 4096 (2.2× the
 *   time), 0.79 with 8192 (3.4×), 0.83 with every pixel (Full sampler, 9×); on the maps as they
 *   are (truth: the identity) every seed ends on the same side, +0.2–0.4°, scale 0.995–0.997,
 *   +0.3–0.5 px in x (0.59 px with the Full sampler; S against Fe: 1.4–2.2 px, scale 0.986).
 *   More smoothing (final σ 1 px) gave 1.23 px; none (shrinking pyramids) 0.73 px from the
 *   truth but, on 24 synthetic cases started 1°/1 %/1.2 % off, 0.80 px against 0.59.
 *   Shorter (2026-12-06, the hybrid on 64 synthetic and 32 HXN pairs of the benchmark's
 *   generators, seed 8101): 70 iterations per level took 0.83 of the hybrid's median time and
 *   aligned 62 pairs against 60, but 0.73 px median on them against 0.61; 1024 exact-gradient
 *   samples took 0.95 of the time, 61 pairs, 0.60 px. Neither adopted: precision is what this
 *   preset is for.
 * - `finish`: the hybrid's finish from the CNN estimate: `refine` without its coarse level. The
 *   CNN's estimate, refined at 256 px, is within a few pixels; the coarse level only spends time
 *   there. On the benchmark's 128 pairs (2026-12-06, seed 7001, the hybrid's CNN stage refining
 *   at 256) the hybrid aligned 61 pairs against 62 with `refine`, in 0.68 of its median time
 *   (0.26 against 0.44 s for the elastix part), with the median corner error on its successes
 *   0.33 against 0.41 px on the synthetic pairs and 0.71 against 0.84 px on the HXN ones.
 *   The NMI search's starts, on a 10° grid, keep `refine`, which captures the ±5° left.
 * - `fast`: a quick run from the identity, ~0.7 s.
 * - `default`: captures up to ~15° and ~15 % from identity, ~1.8 s, 0.02 px corner error.
 * - `accurate`: more iterations and samples at up to 1024², for final results.
 */
const REFINE = { resolutions: 2, iterations: 100, samples: 2048, maxPixels: 256 * 256, exactGradientSamples: 2048, metric: 'NormalizedMutualInformation', histogramBins: 24 } as const;

export const ELASTIX_PRESETS = {
  refine: REFINE,
  finish: { ...REFINE, resolutions: 1 },
  fast: { resolutions: 3, iterations: 150, samples: 2048, maxPixels: 256 * 256, exactGradientSamples: 4096 },
  default: { resolutions: 5, iterations: 200, samples: 2048, maxPixels: 320 * 320, exactGradientSamples: 4096 },
  accurate: { resolutions: 5, iterations: 500, samples: 4096, maxPixels: 1024 * 1024, exactGradientSamples: 4096 },
} as const satisfies Record<string, ElastixPreset>;

export type ElastixPresetName = keyof typeof ELASTIX_PRESETS;

/**
 * The presets that the elastix method offers (CLI `--preset`, the panel): they start from the
 * identity. `refine` and `finish` are the hybrid's, for starts already near the answer; from the
 * identity they capture a few degrees at most.
 */
export const STANDALONE_PRESETS: readonly ElastixPresetName[] = ['fast', 'default', 'accurate'];

/** A user's override value: elastix wants arrays of strings, people write numbers and booleans. */
export type ParameterValue = string | number | boolean | readonly (string | number | boolean)[];

export function toParameterStrings(value: ParameterValue): string[] {
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

/** The parameter map for a transform kind and preset, with overrides applied last. */
export function buildParameterMap(
  kind: ElastixTransformKind,
  preset: ElastixPreset,
  overrides: Record<string, ParameterValue> = {},
): ParameterMap {
  const map: ParameterMap = {
    Registration: ['MultiResolutionRegistration'],
    Metric: [preset.metric ?? 'AdvancedMattesMutualInformation'],
    NumberOfHistogramBins: [String(preset.histogramBins ?? 32)],
    Optimizer: ['AdaptiveStochasticGradientDescent'],
    AutomaticParameterEstimation: ['true'],
    AutomaticScalesEstimation: ['true'],
    Transform: [kind === 'similarity' ? 'SimilarityTransform' : 'AffineTransform'],
    AutomaticTransformInitialization: ['false'],
    FixedImagePyramid: ['FixedSmoothingImagePyramid'],
    MovingImagePyramid: ['MovingSmoothingImagePyramid'],
    NumberOfResolutions: [String(preset.resolutions)],
    MaximumNumberOfIterations: [String(preset.iterations)],
    ImageSampler: ['RandomCoordinate'],
    NewSamplesEveryIteration: ['true'],
    NumberOfSpatialSamples: [String(preset.samples)],
    NumberOfSamplesForExactGradient: [String(preset.exactGradientSamples)],
    CheckNumberOfSamples: ['true'],
    MaximumNumberOfSamplingAttempts: ['8'],
    Interpolator: ['LinearInterpolator'],
    ResampleInterpolator: ['FinalLinearInterpolator'],
    Resampler: ['DefaultResampler'],
    DefaultPixelValue: ['0'],
    // We resample ourselves; skipping elastix's result image saves time and memory.
    WriteResultImage: ['false'],
    WriteIterationInfo: ['false'],
    HowToCombineTransforms: ['Compose'],
  };
  for (const [key, value] of Object.entries(overrides)) map[key] = toParameterStrings(value);
  return map;
}
