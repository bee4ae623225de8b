/**
 * Runs tasks one after another, each after the previous one has settled (failed ones too), so
 * Start / Stop / Restart clicked in a hurry never overlap. No `vscode` import.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
