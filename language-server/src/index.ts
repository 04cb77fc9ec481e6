// Public, editor-free API of the rule engine: the engine calls lintStackDir before `up`, the
// CLI calls runLintCli, and the language server uses the same functions underneath.
export { lintStackDir, lintPaths, toDiagnostics } from './lint/collect';
export { runLintCli, formatText } from './lint/cli';
export { lintStack, lintLoose, ParseCache, type LintOptions } from './lint/project';
export { lintDockerfile } from './dockerfile/lint';
export { RULES, ruleUrl, type RuleInfo } from './core/catalog';
export type { LintDiagnostic, Severity, RuleSettings, FileFinding } from './core/types';
