import { runLintCli } from './src/index';
runLintCli(process.argv.slice(2), process.stdout).then((c) => console.log('exit', c));
