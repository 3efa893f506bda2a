/**
 * @tributary/training/testing — honest doubles for tests of code that runs
 * trainings: a registry in memory with the real one's rules, labelled flights
 * with a learnable signal, and an offline store that has no snapshots yet.
 */
export {
  createInMemoryTrainerRegistry,
  type InMemoryTrainerRegistry,
  type InMemoryTrainerRegistryOptions,
} from './testing/in-memory-trainer-registry.js';
export {
  createEmptyFeatureSource,
  createInMemoryLabelSource,
  generateLabeledFlights,
  type GeneratedFlightsOptions,
} from './testing/generated-flights.js';
export { flightFeatureEvent, writeFlightFixtures, type FlightFixtures, type FlightFixturesOptions } from './testing/flight-fixtures.js';
export { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from './testing/service-process.js';
