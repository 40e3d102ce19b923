// The generated configuration and models: public, and free of axios (the API classes are in src/api.ts).
export { Configuration, type ConfigurationParameters } from '../generated/configuration';
export * from '../generated/models';
