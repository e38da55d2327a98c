// `npm run docs`: the API reference, generated from the type declarations and doc comments of the public entry
// points (gaussface and gaussface/node) into docs/api/ (Markdown, one page per export). api-extractor reads the
// .d.ts files that the build writes to dist/types (it carries its own TypeScript: typedoc needs the compiler's JS
// API, which the TypeScript 7 this project builds with no longer has); api-documenter writes the pages.
// docs/api/ is not committed: it is regenerated from the source in a few seconds and would otherwise change with
// every doc comment.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODELS = join(ROOT, 'build', 'api-model');
const OUT = join(ROOT, 'docs', 'api');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

// The package's entry points, each documented as a package of its own name.
const ENTRIES = [
  { name: 'gaussface', types: 'dist/types/index.d.ts' },
  { name: 'gaussface-node', types: 'dist/types/io/node.d.ts' },
];

if (ENTRIES.some((e) => !existsSync(join(ROOT, e.types)))) execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), 'sdk'], { cwd: ROOT, stdio: 'inherit' });
rmSync(MODELS, { recursive: true, force: true });
mkdirSync(MODELS, { recursive: true });

for (const entry of ENTRIES) {
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: ROOT,
      mainEntryPointFilePath: join(ROOT, entry.types),
      compiler: { tsconfigFilePath: join(ROOT, 'tsconfig.json') },
      apiReport: { enabled: false },
      docModel: { enabled: true, apiJsonFilePath: join(MODELS, `${entry.name}.api.json`) },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      // The doc comments are written for readers, not to TSDoc's letter (e.g. `{ a, b }` in prose): say nothing
      // about their syntax, and nothing about types that are reachable but not exported by name.
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: { default: { logLevel: 'none' } },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(ROOT, 'package.json'),
    packageJson: { ...pkg, name: entry.name },
  });
  const result = Extractor.invoke(config, { localBuild: true, showVerboseMessages: false });
  if (!result.succeeded) throw new Error(`api-extractor failed on ${entry.types} (${result.errorCount} errors)`);
}

rmSync(OUT, { recursive: true, force: true });
const require = createRequire(import.meta.url);
const documenter = join(require.resolve('@microsoft/api-documenter/package.json'), '..', 'bin', 'api-documenter');
execFileSync(process.execPath, [documenter, 'markdown', '--input-folder', MODELS, '--output-folder', OUT], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`API reference written to ${OUT}/index.md`);
