import { brand, hasBrand } from './brand.js';
import { MistralFlowsError } from './mistral-flows-error.js';

/** The environment or options do not describe a usable setup (for example no key and no URL). */
export class ConfigError extends MistralFlowsError<'config_missing' | 'config_invalid'> {
  constructor(code: 'config_missing' | 'config_invalid', message: string) {
    super(code, message);
    brand(this, 'config');
    this.name = 'ConfigError';
  }

  static override isInstance(error: unknown): error is ConfigError {
    return hasBrand(error, 'config');
  }
}
