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
