/** Capturing what a call throws, so a test asserts on the error rather than on try/catch. */

/** What `fn` throws; fails the test when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but the call returned');
}

/** What the promise `fn` returns rejects with; fails the test when it resolves. */
export async function rejected(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** The error `fn` throws, checked to be an instance of `cls`. */
export function thrownAs<E>(cls: abstract new (...args: never[]) => E, fn: () => unknown): E {
  const e = thrown(fn);
  if (!(e instanceof cls))
    throw new Error(`expected a ${cls.name}, got ${e instanceof Error ? e.stack : String(e)}`);
  return e;
}
