// The engine refuses to apply what the shared rule engine calls an error: the
// same rules the language server shows while typing.
import { lintStackDir } from '../../language-server/src';
import type { Problem } from '../engine/model/problems';

export async function lintForEngine(stackDir: string): Promise<Problem[]> {
  const found = await lintStackDir(stackDir);
  return found.map((d) => ({
    file: d.file,
    line: d.line,
    column: d.column,
    code: d.code,
    severity: d.severity,
    message: d.message,
  }));
}
