import { auditBench } from './audit.bench.ts';
import { clientCredentialsBench } from './client-credentials.bench.ts';
import { conditionalAccessBench } from './conditional-access.bench.ts';
import { directoryBench } from './directory.bench.ts';
import { inviteBench } from './invite.bench.ts';

/**
 * `npm run bench [-- name...]`: runs the benchmarks and prints their figures. Each compares against a baseline
 * measured in the same run; record results with the date in BENCHMARKS.md.
 */
const benches: Record<string, () => Promise<void>> = {
  audit: auditBench,
  'client-credentials': clientCredentialsBench,
  'conditional-access': conditionalAccessBench,
  directory: directoryBench,
  invite: inviteBench,
};

const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) {
    console.error(`unknown benchmark '${name}' (known: ${Object.keys(benches).join(', ')})`);
    process.exit(2);
  }
  process.stdout.write(`# ${name} — ${new Date().toISOString()}\n`);
  await bench();
}
