/** Bad input from a user (flag, date, data folder, config): the CLI prints the message on one line and exits 2. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}
