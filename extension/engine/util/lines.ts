// Splits a stream of text chunks into lines: Docker's event and stats streams, the
// controller's NDJSON watch stream and container logs all arrive this way.
export class LineSplitter {
  private buf = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string | Buffer): void {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      this.onLine(line);
    }
  }

  /** Emits a last line that had no newline. */
  end(): void {
    if (this.buf) this.onLine(this.buf);
    this.buf = '';
  }
}
