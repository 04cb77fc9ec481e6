// The globals the topology graph page (media/graph.js) runs with inside its webview, for
// that page's type check (tsconfig.webview.json). The extension host never sees them, so
// the main tsconfig leaves this file out.
import type { FromWebview, Graph } from './model';

declare global {
  /** The webview's handle on VS Code: messages to the extension and state kept across reloads. */
  interface WebviewApi {
    postMessage(message: FromWebview): void;
    getState(): Graph | undefined;
    setState(state: Graph): void;
  }
  function acquireVsCodeApi(): WebviewApi;
}
