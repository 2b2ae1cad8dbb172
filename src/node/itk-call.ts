/**
 * Emscripten sets `process.exitCode = 1` when a pipeline throws, even when we catch and handle
 * the error; a batch that recovered from one bad file would then exit 1. Every itk-wasm call in
 * Node goes through here to keep the exit code ours.
 */
export async function callItk<T>(run: () => Promise<T>): Promise<T> {
  const saved = process.exitCode;
  try {
    return await run();
  } finally {
    process.exitCode = saved;
  }
}
