/**
 * Two kinds of failure, because callers (the CLI's exit codes, the panel's messages) treat them
 * differently: the input cannot be used at all, or it was read but registration cannot work.
 */

/** The input is unusable: unreadable, wrong dimensionality, too small, no finite values. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    /** The file (or layer) the problem is about, as the user named it. */
    readonly source: string,
    /** What is wrong, in words a scientist understands. */
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
  }
}

/** One image of a file that holds several: how to name it (`file::path` in the CLI) and what it is. */
export interface ImageChoice {
  /** The path inside the file (an HDF5 dataset or Velox image), as `dataset` options take it. */
  path: string;
  /** What the user sees: the path with its shape, a Velox image's detector. */
  label: string;
}

/**
 * The file holds several images and none is the obvious one: the caller names one (`choices`),
 * as the page's chooser and the CLI's `file::path` do.
 */
export class ImageChoiceError extends InputError {
  override name = 'ImageChoiceError';
  constructor(source: string, reason: string, readonly choices: readonly ImageChoice[]) {
    super(source, reason);
  }
}

/** The inputs were valid but registration could not produce a transform. */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
  constructor(
    /** What went wrong, without the method's name (`message` starts with it when `method` is given). */
    readonly reason: string,
    readonly method?: string,
  ) {
    super(method ? `${method}: ${reason}` : reason);
  }
}

/** Thrown when a caller aborts a running registration. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message = 'registration cancelled') {
    super(message);
  }
}

/** The requested method is not part of this build (yet). */
export class MethodUnavailableError extends Error {
  override name = 'MethodUnavailableError';
  constructor(readonly method: string, reason: string) {
    super(`method "${method}" is not available: ${reason}`);
  }
}
