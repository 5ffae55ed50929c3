import { EmulatorError, type EmulatorErrorOptions } from './emulator-error.js';

/** Invalid emulator options, CLI flags or scenario files. */
export class EmulatorConfigError extends EmulatorError<'invalid_config'> {
  constructor(message: string, options: EmulatorErrorOptions = {}) {
    super('invalid_config', message, options);
    this.name = 'EmulatorConfigError';
  }
}
