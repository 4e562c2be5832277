import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@alem/local-stack';
import { FAULT_DESCRIPTIONS, type FaultName, FAULTS } from './drill-faults';
import { formatLedger } from './drill-ledger';
import { type DrillOptions, runDrill } from './drill';

/**
 * `npm run drill`: every fault a hospital will meet, one after another, under a steady feed, and a ledger that
 * accounts for every result, alert and message. Exit status 1 on any loss, duplicate or leftover.
 *
 *   --faults=all (default) | none (the control run) | a,b,…   (notifier-kill, processor-kill, broker-down,
 *            pg-restart, redis-restart, smtp-down, sms-500)
 *   --results=20000  --rate=100 (items/s)  --patients=3000  --breaching=200  --malformed=10  --hold=6 (s)
 *   --quick   a small feed (2,000 results) for a first look
 *   --out=<file.json>   where the ledger goes (default bench/results/drill-<time>.json)
 */
function parseArgs(argv: string[]): DrillOptions & { out: string } {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick');
  const num = (name: string, fallback: number) => {
    const raw = get(name);
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: a number, not ${raw}`);
    return value;
  };
  const faultsArg = get('faults') ?? 'all';
  const faults: FaultName[] =
    faultsArg === 'all' ? [...FAULTS] : faultsArg === 'none' ? [] : (faultsArg.split(',') as FaultName[]);
  const unknown = faults.filter((f) => !FAULTS.includes(f));
  if (unknown.length > 0) {
    throw new Error(`--faults: unknown ${unknown.join(', ')}; choose from ${FAULTS.join(', ')}, all or none`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    results: num('results', quick ? 2000 : 20000),
    rate: num('rate', 100),
    patients: num('patients', quick ? 500 : 3000),
    breaching: num('breaching', quick ? 40 : 200),
    malformed: num('malformed', 10),
    resendShare: 0.02,
    seed: num('seed', 20261207),
    faults,
    holdMs: num('hold', quick ? 3 : 6) * 1000,
    quietTimeoutMs: num('quiet', 180) * 1000,
    log: (line) => console.log(line),
    out: get('out') ?? path.join(REPO_ROOT, 'bench/results', `drill-${stamp}.json`),
  };
}

async function main(): Promise<void> {
  const { out, ...options } = parseArgs(process.argv.slice(2));
  console.log(
    options.faults.length === 0
      ? 'drill: control run (no faults)'
      : `drill: faults ${options.faults.map((f) => `\n  - ${f}: ${FAULT_DESCRIPTIONS[f]}`).join('')}`,
  );
  const report = await runDrill(options);
  console.log(`(stopped in ${Math.round(performance.now() / 1000)} s since start)`);
  const title = `\nLedger (${options.faults.length === 0 ? 'control' : options.faults.join(', ')}):`;
  console.log(formatLedger(report.ledger, title));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
  process.exitCode = report.ledger.problems.length === 0 ? 0 : 1;
}

// Bounded whatever happens: the drill never runs past 15 minutes.
setTimeout(() => {
  console.error('drill: did not finish within 15 minutes');
  process.exit(2);
}, 15 * 60_000).unref();

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(2);
});
