/** Simulator of the government big-data center (大数据中心). */
import { z } from 'zod';
import { requireAccessHeaders, requireBearer } from './access.ts';
import { HttpError, healthRoute, jsonReply, type Route } from './http.ts';
import type { SandboxData } from './load-data.ts';

/** The contract's batch limit: 1 to 100 subjects per call. */
const subjectIds = z.array(z.string()).min(1).max(100);

export function dataCenterRoutes(data: SandboxData, token: string): Route[] {
  const persons = new Map(data.persons.map((person) => [person.idNumber, person]));
  const enterprises = new Map(data.enterprises.map((enterprise) => [enterprise.creditCode, enterprise]));
  const datasets = new Map(Object.entries(data.datasets).map(([name, subjects]) => [name, new Set(subjects)]));

  /** Known records in the order asked for, each once; unknown ids are left out. */
  const known = <T>(ids: readonly string[], records: ReadonlyMap<string, T>): T[] =>
    [...new Set(ids)].flatMap((id) => {
      const record = records.get(id);
      return record ? [record] : [];
    });

  return [
    healthRoute,
    {
      method: 'POST',
      path: '/api/v1/persons/query',
      handle: (request) => {
        requireBearer(request, token);
        requireAccessHeaders(request);
        const { idNumbers } = request.body(z.object({ idNumbers: subjectIds }));
        return jsonReply(200, { items: known(idNumbers, persons) });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/enterprises/query',
      handle: (request) => {
        requireBearer(request, token);
        requireAccessHeaders(request);
        const { creditCodes } = request.body(z.object({ creditCodes: subjectIds }));
        return jsonReply(200, { items: known(creditCodes, enterprises) });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/datasets/:dataset/availability',
      handle: (request) => {
        requireBearer(request, token);
        requireAccessHeaders(request);
        const holders = datasets.get(request.params.dataset ?? '');
        if (!holders) throw new HttpError(404, 'DATASET_NOT_FOUND', `No dataset named ${request.params.dataset}`);
        const { subjectIds: asked } = request.body(z.object({ subjectIds }));
        return jsonReply(200, { items: asked.map((subjectId) => ({ subjectId, available: holders.has(subjectId) })) });
      },
    },
  ];
}
