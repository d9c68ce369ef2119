// The runtime's one logger interface, injected (the CLI writes lines on stderr).
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One line per message on `write`, prefixed by its level; `quiet` drops info. */
export function lineLogger(write: (line: string) => void, options: { quiet?: boolean } = {}): Logger {
  return {
    info: options.quiet ? () => {} : (m) => write(`info: ${m}\n`),
    warn: (m) => write(`warn: ${m}\n`),
    error: (m) => write(`error: ${m}\n`),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
