/** Load and validate configuration once into a frozen object. */
export { loadConfig, insecureSettings, ConfigError, type Config, type LoadConfigInput } from './config.ts';
/** Every configuration option with its documentation. */
export { options, type OptionKey, type OptionSpec } from './options.ts';
/** Render docs/configuration.md from the option declarations. */
export { renderConfigDocs } from './docs.ts';
