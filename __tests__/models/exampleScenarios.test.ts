/**
 * examples/scenarios/*.json: the seed situation (kfree_rcu() under a caller's raw spinlock
 * with the page cache and pcp list empty) and each fix, replayed through the trace model
 * ops under every configuration the `lockdep matrix` command runs.
 */
import * as path from 'path';
import { runMatrixFile } from '../../src/trace/matrix';

const dir = path.join(__dirname, '..', '..', 'examples', 'scenarios');

async function rows(file: string): Promise<string[]> {
  const r = await runMatrixFile(path.join(dir, file));
  return r.rows.map((x) => `${x.key}: ${x.when}`);
}

describe('examples/scenarios', () => {
  it('v5.9: Invalid wait context on &zone->lock with krc.lock held, PRLN only, not on RT (RT skip)', async () => {
    expect(await rows('kfree-rcu-v5.9-raw-lock.json')).toEqual(['invalid-wait-context &zone->lock: not PREEMPT_RT, PROVE_RAW_LOCK_NESTING=y only']);
  });

  it('before the RT skip: on PREEMPT_RT the rtmutex path reports sleeping in atomic', async () => {
    const r = await rows('kfree-rcu-no-rt-skip.json');
    expect(r).toContain('invalid-wait-context &zone->lock: PROVE_RAW_LOCK_NESTING=y only');
    expect(r).toContain('sleeping-in-atomic -: PREEMPT_RT only');
  });

  it.each(['worker', 'mainline', 'lockless-page', 'preemptible-check', 'nolock'])('fix %s: clean in every configuration', async (s) => {
    expect(await rows(`kfree-rcu-fix-${s}.json`)).toEqual([]);
  });

  it.each(['gfp-no-locks', 'raw-zone-lock'])('fix %s: clean on !RT; on RT the 2020 RT patch set pcp lock (pa_lock) is a sleeping lock', async (s) => {
    expect(await rows(`kfree-rcu-fix-${s}.json`)).toEqual([
      'invalid-wait-context pa_lock: PREEMPT_RT, PROVE_RAW_LOCK_NESTING=y only',
      'sleeping-in-atomic -: PREEMPT_RT only',
    ]);
  });
});
