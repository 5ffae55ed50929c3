// Bundles the visualizer page (src/page) with elkjs into dist/page, so that the package serves
// it offline and needs nothing but xstate at run time.
import { copyFile, mkdir } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const out = new URL('dist/page/', root);
await mkdir(out, { recursive: true });
await build({
  entryPoints: [new URL('src/page/main.ts', root).pathname],
  outfile: new URL('app.js', out).pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) {
  await copyFile(new URL(`src/page/${file}`, root), new URL(file, out));
}
