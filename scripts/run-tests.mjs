#!/usr/bin/env node
// Runs the node:test suites written in TypeScript (through tsx). With no argument it runs the unit tests beside the
// code plus tests/ (including the broker tree); with paths it runs the *.test.ts files under them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2);
const defaults = ['src', 'connectors', 'detectors', 'builders', 'sql', 'tests'];
const files = [];
function walk(p) {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isDirectory()) {
    if (p.endsWith('node_modules')) return;
    for (const e of readdirSync(p).sort()) walk(join(p, e));
  } else if (p.endsWith('.test.ts')) files.push(p);
}
for (const r of roots.length ? roots : defaults) walk(r);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' },
});
process.exit(res.status ?? 1);
