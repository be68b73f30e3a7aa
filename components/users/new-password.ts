/** What the server accepts (ZPassword); checked here first so the dialog can say it at once. */
export const MIN_PASSWORD_LENGTH = 12;

/** The problem with a new password and its confirmation, in words, or null. */
export function newPasswordProblem(password: string, confirmation: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${password.length}).`;
  if (password !== confirmation) return 'The two passwords differ; type the same one twice.';
  return null;
}
