/** Bad input from a user (flag, date, data folder, config): the CLI prints the message on one line and exits 2. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** The verb has already said what happened (a failed or aborted cycle's report): the CLI exits with `code` and prints nothing more. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit code ${code}`);
    this.name = "ExitCode";
  }
}

/** An error's message (or the thrown value as text), first line only: for logs, alerts and one-line reasons. */
export const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0];
