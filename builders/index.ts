// Public entry point of the builders: registry, pipeline, release writer, DRIFT chosen client, hygiene.
export { BUILDERS } from './registry.js';
export { BUILDER_NAMES } from './types.js';
export type { Builder, BuilderName, BuiltRecord, BuildContext, Candidate, ChatMessage, JudgedConversation } from './types.js';
export { loadCandidates } from './ranked.js';
export { parseReleaseConfig, releaseConfigSchema, configHash, type ReleaseConfig, type ReleaseConfigInput } from './config.js';
export { buildRelease, FILTERS, type BuildResult, type BuildOptions, type FilterName, type LengthReport } from './pipeline.js';
export { RecordSpool, SpoolDir } from './spool.js';
export { writeRelease, buildAndWriteRelease, spoolDirFor, verifyRelease, ReleaseExistsError, OUTPUT_NAMES, type WriteReleaseOptions, type ReleaseInfo, type ReleaseFile } from './release.js';
export { FORMAT_SPECS, type OutputName } from './formats.js';
export { FORMATS, FILE_TYPES, type Format, type FileType } from './config.js';
export { fillDriftChosen, driftChosenMessages, requestChosen, ChosenClientError, type ChosenClientOptions, type ChosenFillReport } from './chosen.js';
export { redactPii, PII_KINDS, type PiiKind } from './hygiene/pii.js';
