/**
 * ribbit configs (Coqui's Coqpit in TypeScript): typed schemas declared once, JSON save/load, a model
 * registry, validation with every problem reported at once, command-line overrides, Coqui `config.json`
 * import and `--help` introspection. See docs/config.md.
 */

export { describeConfig, type FieldRow, formatConfigHelp } from './describe.ts';
export { ConfigError, type ConfigProblem } from './errors.ts';
export { configToJson, parsePythonJson, readJsonFile, saveConfig, toPythonJson } from './json.ts';
export { camelToSnake, snakeToCamel } from './naming.ts';
export { applyOverrides, coerceValue, type OverrideOptions, type OverrideResult } from './overrides.ts';
export {
  type CoquiImport,
  type CoquiImportOptions,
  configClassFor,
  coquiNameOf,
  fromCoquiJson,
  getConfigClass,
  type LoadOptions,
  loadConfig,
  registerConfig,
  registeredModels,
  toCoquiJson,
  unregisterConfig,
} from './registry.ts';
export {
  type AnyConfigClass,
  type ConfigCheck,
  type ConfigClass,
  type ConfigFieldOptions,
  type ConfigInput,
  type ConfigOf,
  configClassOf,
  type DefineOptions,
  defineConfig,
  type Extend,
  Field,
  type FieldDef,
  type FieldKind,
  type FieldOptions,
  f,
  type Infer,
  type InputOf,
  type NumberOptions,
  type Shape,
  typeName,
  validateConfig,
} from './schema.ts';
export {
  BaseAudioConfig,
  BaseDatasetConfig,
  BaseTrainingConfig,
  BaseTTSConfig,
  CharactersConfig,
  TrainerConfig,
} from './shared.ts';
export {
  resetUnsupportedWarnings,
  UNSUPPORTED_FIELDS,
  type UnsupportedField,
  type UnsupportedSetting,
  unsupportedField,
  unsupportedSettings,
  type WarnUnsupportedOptions,
  warnUnsupported,
} from './unsupported.ts';
