/** Structured JSON logs on stdout, one object per line; kafkajs logs go through the same logger. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: { readonly level?: LogLevel; readonly write?: (line: string) => void; readonly fields?: Record<string, unknown> } = {}): Logger {
  const minimum = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (level: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < minimum) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...options.fields, ...fields }, errorReplacer));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}
