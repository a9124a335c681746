// One configuration file for a run: `{"detectors": {...}, "release": {...}}`, each part validated once by its
// own schema (detectors/config.ts, builders/config.ts) and merged over the defaults.
import { readFileSync } from 'node:fs';
import { resolveDetectorConfig, type DetectorConfig } from '../detectors/config.js';
import { parseReleaseConfig, type ReleaseConfig } from '../builders/config.js';
import { MinerError, errorMessage } from './errors.js';

export interface RunConfig {
  detectors: DetectorConfig;
  release: ReleaseConfig;
}

const KNOWN = new Set(['detectors', 'release']);

export function resolveConfig(json: unknown, source = 'config'): RunConfig {
  if (json == null) return { detectors: resolveDetectorConfig(undefined), release: parseReleaseConfig({}) };
  if (typeof json !== 'object' || Array.isArray(json)) throw new MinerError('BAD_CONFIG', `${source}: expected a JSON object`);
  const obj = json as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (!KNOWN.has(k)) throw new MinerError('BAD_CONFIG', `${source}: unknown top-level key "${k}" (expected "detectors" and/or "release")`);
  let release: ReleaseConfig;
  try {
    release = parseReleaseConfig(obj.release ?? {});
  } catch (e) {
    throw new MinerError('BAD_CONFIG', `${source}: ${errorMessage(e)}`);
  }
  return { detectors: resolveDetectorConfig(obj.detectors, `${source} (detectors)`), release };
}

export function loadConfig(file?: string): RunConfig {
  if (!file) return resolveConfig(undefined);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MinerError('BAD_CONFIG', `${file}: cannot read config: ${errorMessage(e)}`, { cause: e });
  }
  return resolveConfig(json, file);
}
