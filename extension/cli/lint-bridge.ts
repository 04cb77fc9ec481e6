// The engine refuses to apply what the shared rule engine calls an error in what `up`
// runs: the same rules the language server shows while typing. An error in a kind `up`
// leaves out (a CRD, an Ingress) is shown there but passed on as a warning here.
import { lintStackDir } from '../../language-server/src';
import type { Problem } from '../engine/model/problems';

export async function lintForEngine(stackDir: string): Promise<Problem[]> {
  const found = await lintStackDir(stackDir);
  return found.map((d) => ({
    file: d.file,
    line: d.line,
    column: d.column,
    code: d.code,
    severity: d.severity === 'error' && !d.blocking ? 'warning' : d.severity,
    message: d.message,
  }));
}
