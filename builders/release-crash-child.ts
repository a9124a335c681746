// Test helper for release.test.ts: writes a release and stops dead mid-way (the parent SIGKILLs it after
// "ready"), so the test can check that a crash never leaves a release directory behind.
import { buildRelease } from './pipeline.js';
import { writeRelease } from './release.js';
import { syntheticJudged } from './synthetic.js';

const [outDir, version] = process.argv.slice(2);
const result = await buildRelease(syntheticJudged({ conversations: 40 }), { testPercent: 20 });
let files = 0;
await writeRelease({
  outDir,
  name: 'crash',
  version,
  result,
  onFileWritten: async () => {
    if (++files === 3) {
      process.stdout.write('ready\n');
      await new Promise(() => {}); // hang here until killed
    }
  },
});
