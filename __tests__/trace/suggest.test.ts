/** "did you mean" hints in trace errors: only for one near miss, never a guess among many. */
import { parseTrace, TraceError } from '../../src';
import { didYouMean } from '../../src/trace/errors';
import { thrownAs } from '../helpers/errors';

describe('didYouMean()', () => {
  it.each<[string, string[], string]>([
    ['lokc', ['lock', 'unlock', 'init'], ' (did you mean "lock"?)'],
    ['MUTEX', ['mutex', 'rwsem'], ' (did you mean "mutex"?)'],
    ['zone_lok', ['zone_lock', 'krc_lock'], ' (did you mean "zone_lock"?)'],
    ['frobnicate', ['lock', 'unlock'], ''],
    ['lck', ['lock', 'lick'], ''], // two near misses: no guess
    ['', ['lock'], ''],
  ])('%s among %j -> %j', (found, candidates, hint) => {
    expect(didYouMean(found, candidates)).toBe(hint);
  });

  it('shows up in a located error for a mistyped lock type and lock name', () => {
    const bad = (text: string) => thrownAs(TraceError, () => parseTrace(text, 't.json')).message;
    expect(bad('{"lockdep-trace":1,"locks":{"a":{"type":"mutx"}},"events":[]}')).toContain(
      'expected a lock type (did you mean "mutex"?): ',
    );
    expect(
      bad(
        '{"lockdep-trace":1,"locks":{"zone_lock":{"type":"mutex"}},"events":[{"op":"lock","lock":"zone_lok"}]}',
      ),
    ).toContain('expected a lock declared in "locks" (did you mean "zone_lock"?)');
  });
});
