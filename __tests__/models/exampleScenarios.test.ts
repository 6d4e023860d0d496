/**
 * examples/scenarios/*.json: the seed situation (kfree_rcu() under a caller's raw spinlock
 * with the page cache and pcp list empty) and each fix, replayed through the trace model
 * ops under every configuration the `lockdep matrix` command runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runMatrixFile } from '../../src/trace/matrix';
import { STRATEGY_NAMES } from '../../src/models/strategies';

const dir = path.join(__dirname, '..', '..', 'examples', 'scenarios');

async function rows(file: string): Promise<string[]> {
  const r = await runMatrixFile(path.join(dir, file));
  return r.rows.map((x) => `${x.key}: ${x.when}`);
}

describe('examples/scenarios', () => {
  it('v5.9: Invalid wait context on &zone->lock with krc.lock held, PRLN only, not on RT (RT skip)', async () => {
    expect(await rows('kfree-rcu-v5.9-raw-lock.json')).toEqual([
      'invalid-wait-context &zone->lock: not PREEMPT_RT, PROVE_RAW_LOCK_NESTING=y only',
    ]);
  });

  it('before the RT skip: on PREEMPT_RT the rtmutex path reports sleeping in atomic', async () => {
    const r = await rows('kfree-rcu-no-rt-skip.json');
    expect(r).toContain('invalid-wait-context &zone->lock: PROVE_RAW_LOCK_NESTING=y only');
    expect(r).toContain('sleeping-in-atomic -: PREEMPT_RT only');
  });

  it.each(['worker', 'mainline', 'gfp-no-locks', 'lockless-page', 'preemptible-check', 'nolock'])(
    'fix %s: clean in every configuration',
    async (s) => {
      expect(await rows(`kfree-rcu-fix-${s}.json`)).toEqual([]);
    },
  );

  it("fix raw-zone-lock: clean on !RT; on RT the RT patch set's pcp lock (pa_lock) is still a sleeping lock", async () => {
    expect(await rows('kfree-rcu-fix-raw-zone-lock.json')).toEqual([
      'invalid-wait-context pa_lock: PREEMPT_RT, PROVE_RAW_LOCK_NESTING=y only',
      'sleeping-in-atomic -: PREEMPT_RT only',
    ]);
  });

  it('Palethorpe, 26 Oct 2020: page_owner takes depot_lock (spinlock_t) under krc.lock even on a pcp hit', async () => {
    expect(await rows('kfree-rcu-v5.9-page-owner.json')).toEqual([
      'invalid-wait-context depot_lock: not PREEMPT_RT, PROVE_RAW_LOCK_NESTING=y only',
    ]);
  });

  it('__GFP_NO_LOCKS (RFC 1/2: only rmqueue_pcplist() changed) would not have fixed the page_owner splat', async () => {
    expect(await rows('kfree-rcu-gfp-no-locks-page-owner.json')).toEqual([
      'invalid-wait-context depot_lock: not PREEMPT_RT, PROVE_RAW_LOCK_NESTING=y only',
    ]);
  });

  it("drop-lock (15 Jul 2020): krc.lock dropped, the caller's raw lock still held around zone->lock", async () => {
    expect(await rows('kfree-rcu-fix-drop-lock.json')).toEqual([
      'invalid-wait-context &zone->lock: not PREEMPT_RT, PROVE_RAW_LOCK_NESTING=y only',
    ]);
  });

  it('head-less kvfree_rcu() under a raw lock: might_sleep() at entry, on every configuration', async () => {
    expect(await rows('kvfree-rcu-headless-atomic.json')).toEqual(['sleeping-in-atomic -: always']);
  });

  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('every strategy has an example scenario here', () => {
    const used = new Set<string>();
    for (const f of files) {
      const t = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        events: Array<{ op: string; strategy?: string }>;
      };
      for (const e of t.events) if (e.op === 'model_setup' && e.strategy) used.add(e.strategy);
    }
    expect(STRATEGY_NAMES.filter((s) => !used.has(s))).toEqual([]);
  });

  it('every example is replayed by a test in this file and listed in docs/models.md', () => {
    const self = fs.readFileSync(__filename, 'utf8');
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'models.md'), 'utf8');
    for (const f of files) {
      const stem = f.replace(/\.json$/, '');
      const replayed =
        self.includes(f) ||
        (stem.startsWith('kfree-rcu-fix-') &&
          self.includes(`'${stem.slice('kfree-rcu-fix-'.length)}'`));
      expect({ f, replayed }).toEqual({ f, replayed: true });
      expect({ f, listed: doc.includes(f) }).toEqual({ f, listed: true });
    }
  });
});
