/** Run the CLI in-process with captured output. */
import { main } from '../../src/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  opts: { tty?: boolean; stdin?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const { stdin } = opts;
  const code = await main(argv, {
    stdout: { write: (s: string) => void (stdout += s) },
    stderr: { write: (s: string) => void (stderr += s), isTTY: opts.tty ?? false },
    // a test that forgets to give stdin must not block on the real one
    stdin: () => {
      if (stdin === undefined) throw new Error('no stdin in this test');
      return stdin;
    },
  });
  return { code, stdout, stderr };
}
