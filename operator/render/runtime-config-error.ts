// A manifest the runtime config cannot be built from (what validation would have refused).
export class RuntimeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeConfigError';
  }
}
