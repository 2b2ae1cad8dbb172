// Koa middleware for @web/test-runner / @web/dev-server: serves dist/assets (itk-wasm worker and
// pipelines) byte for byte. The dev server's own pipeline rewrites the worker's dynamic
// `import(`${url}.js`)` into a broken URL; answering before it runs avoids that.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.zst': 'application/octet-stream', '.json': 'application/json' };

export function serveAssetsUnmodified(dir) {
  const root = resolve(dir);
  const prefix = `/${dir.replace(/^\/|\/$/g, '')}/`;
  return async (ctx, next) => {
    if (!ctx.path.startsWith(prefix)) return next();
    const file = normalize(join(root, decodeURIComponent(ctx.path.slice(prefix.length))));
    if (!file.startsWith(root)) return next();
    try {
      if (!(await stat(file)).isFile()) return next();
    } catch {
      return next();
    }
    ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
    ctx.body = await readFile(file);
  };
}

/**
 * Cross-origin isolation for every response: it gives the page SharedArrayBuffer, so tfjs runs
 * its multi-threaded wasm build when WebGL is not used (half the logical cores, at most 8; one
 * on a 2-core machine). Everything our pages load comes from their own origin, which
 * require-corp allows. The app (`npm start`) and the browser tests both serve this way.
 */
export function crossOriginIsolation() {
  return async (ctx, next) => {
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Cross-Origin-Embedder-Policy', 'require-corp');
    await next();
  };
}
