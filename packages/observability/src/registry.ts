import { collectDefaultMetrics, Registry } from 'prom-client';

/** A fresh registry with process metrics, labelled with the service name. */
export function createRegistry(service: string, { processMetrics = true } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}
