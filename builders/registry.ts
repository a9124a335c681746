// The closed builder registry: one entry per name in BUILDER_NAMES, checked at compile time and at load.
import { driftBuilder } from './drift.js';
import { ktoBuilder } from './kto.js';
import { rankedBuilder } from './ranked.js';
import { revisionBuilder } from './revision.js';
import { BUILDER_NAMES, type Builder, type BuilderName } from './types.js';

export const BUILDERS = {
  drift: driftBuilder,
  revision: revisionBuilder,
  ranked: rankedBuilder,
  kto: ktoBuilder,
} as const satisfies Record<BuilderName, Builder>;

for (const name of BUILDER_NAMES) {
  if (BUILDERS[name].name !== name) throw new Error(`builder registry: entry "${name}" is named "${BUILDERS[name].name}"`);
}

