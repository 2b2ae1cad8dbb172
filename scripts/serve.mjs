#!/usr/bin/env node
// `npm start`: serves the built app and the bundled samples on localhost and prints the URL.
// Everything the page loads (app bundle, itk-wasm worker and pipelines, samples) comes from this
// server. Options: --port N (default 8080, or $PORT), --host H (default 127.0.0.1).
import { existsSync } from 'node:fs';
import { startDevServer } from '@web/dev-server';
import { crossOriginIsolation, serveAssetsUnmodified } from './serve-assets.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const port = Number(option('--port', process.env.PORT ?? 8080));
const hostname = option('--host', '127.0.0.1');

if (!existsSync('dist/app/app.js') || !existsSync('dist/assets/itk')) {
  console.error('The app is not built: run "npm install" (which builds) or "npm run build" first.');
  process.exit(2);
}

const server = await startDevServer({
  config: {
    rootDir: '.',
    port,
    hostname,
    nodeResolve: false,
    appIndex: undefined,
    middleware: [
      crossOriginIsolation(),
      serveAssetsUnmodified('dist/assets'),
      (ctx, next) => {
        if (ctx.path === '/') ctx.redirect('/viewer/');
        else return next();
      },
    ],
  },
  readCliArgs: false,
  readFileConfig: false,
  logStartMessage: false,
});
const url = `http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${server.config.port}/viewer/`;
console.log(`xemreg app: ${url}`);
console.log('Press Ctrl+C to stop.');
