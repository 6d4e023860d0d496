/** Bad input to the interop layer (a classes.json that is not one, an unreadable file). */
import { LockdepError } from '../core/errors';

export class InteropError extends LockdepError {
  /** where: a file name, a JSON path (`classes.&zone->lock`) or `<stdin>` */
  readonly where: string;
  constructor(where: string, message: string) {
    super('invalid-argument', `${where}: ${message}`);
    this.name = 'InteropError';
    this.where = where;
  }
}
