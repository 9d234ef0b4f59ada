/** The logger every part takes as a parameter (actions pass the runner protocol, the CLI stderr, tests a recorder). */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warning: () => {},
  error: () => {},
};

/**
 * The runner reads every line of a step's stdout and stderr that starts (after blanks) with
 * `::` (or the older `##[`) as a workflow command: a metric label or an HTTP body holding
 * `\n::add-mask::...`, `::error::` or `::stop-commands::` would forge annotations, hide the log
 * or stop Ripcord's own commands. Every such line of text Ripcord did not write gets a visible
 * `> ` in front, which the runner does not read as a command.
 */
export function neutraliseCommands(text: string): string {
  return text.replace(/^([ \t]*)(::|##\[)/gm, '$1> $2');
}
