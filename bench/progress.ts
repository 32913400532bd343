/** Progress on stderr: a line per step, with the time since the run started. */
export class Progress {
  private readonly started = Date.now();

  say(text: string): void {
    console.error(`[${((Date.now() - this.started) / 1000).toFixed(1).padStart(7)} s] ${text}`);
  }
}
