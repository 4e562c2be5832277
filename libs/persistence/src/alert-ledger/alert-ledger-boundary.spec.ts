import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * The ledger is the only writer of alerts, their occurrences, timelines, acknowledgements, routes and the
 * notification outbox (issue 17): a statement that writes one of those tables anywhere else in the code that
 * runs (apps, libs, bench) fails here. Migrations create and change the tables; tests seed them.
 */
const ROOT = join(__dirname, '..', '..', '..', '..');
const LEDGER = join('libs', 'persistence', 'src', 'alert-ledger') + sep;
const TABLES = 'alerts|alert_occurrences|alert_events|alert_acknowledgements|alert_routes|notifications';
const WRITE = new RegExp(`\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+(?:${TABLES})\\b`, 'i');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === 'node_modules' || entry.name === 'migrations' ? [] : sources(path);
    }
    return /\.tsx?$/.test(entry.name) && !/\.spec\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('the alert ledger is the only writer of alerts and their outbox', () => {
  it('finds no write of those tables outside libs/persistence/src/alert-ledger', () => {
    const files = ['apps', 'libs', 'bench'].flatMap((d) => sources(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(100);
    const writers = files
      .map((file) => relative(ROOT, file))
      .filter((file) => !file.startsWith(LEDGER))
      .filter((file) => WRITE.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(writers).toEqual([]);
  });

  it('recognises the writes it looks for', () => {
    expect(WRITE.test('INSERT INTO alert_events (alert_id) VALUES ($1)')).toBe(true);
    expect(WRITE.test('UPDATE alerts a SET state = $2')).toBe(true);
    expect(WRITE.test('update notifications set state = $1')).toBe(true);
    expect(WRITE.test('SELECT * FROM alerts')).toBe(false);
    expect(WRITE.test('UPDATE alert_escalations SET next_at = NULL')).toBe(false);
  });
});
