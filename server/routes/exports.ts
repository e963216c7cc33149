/** The CSV exports: the assessment metrics and the cross-region replication backlog (server/exports.ts). */
import { regionReplicationBacklog } from '../../usecases/cross-region.ts';
import { assessmentMetrics } from '../../usecases/metrics.ts';
import { BACKLOG_CSV_PATH, handleMetricsCsv, handleReplicationBacklogCsv, METRICS_CSV_PATH } from '../exports.ts';
import type { GatewayServices } from '../services.ts';
import type { Route } from './route.ts';

function departmentNames(services: GatewayServices) {
  return async () => new Map((await services.registry.departments()).map((d) => [d.code, d.name]));
}

export function metricsCsvRoute(services: GatewayServices): Route {
  return {
    method: '*',
    path: METRICS_CSV_PATH,
    handle: (req, res) =>
      handleMetricsCsv(req, res, {
        identify: (authorization) => services.verifier.identify(authorization),
        metrics: (params) => assessmentMetrics({ registry: services.registry, db: services.db, evaluation: services.evaluation }, params),
        departmentNames: departmentNames(services),
      }),
  };
}

export function replicationBacklogCsvRoute(services: GatewayServices): Route {
  return {
    method: '*',
    path: BACKLOG_CSV_PATH,
    handle: (req, res) =>
      handleReplicationBacklogCsv(req, res, {
        identify: (authorization) => services.verifier.identify(authorization),
        backlog: (region) => regionReplicationBacklog({ registry: services.registry }, { region }),
        departmentNames: departmentNames(services),
      }),
  };
}
