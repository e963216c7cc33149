/**
 * Typed client of the government big-data center (大数据中心). Same access
 * headers as the e-certificate library.
 */
import { z } from 'zod';
import type { AccessHeaders } from '../e-certificates/client.ts';
import { UpstreamClient, type UpstreamClientOptions } from '../http.ts';
import { itemsOf } from '../matter-registry/models.ts';
import {
  availabilitySchema,
  enterpriseSchema,
  personSchema,
  type Availability,
  type Enterprise,
  type Person,
} from './models.ts';

/** The center takes at most this many subjects in one query. */
export const SUBJECTS_PER_QUERY = 100;

const personsSchema = itemsOf(personSchema);
const enterprisesSchema = itemsOf(enterpriseSchema);
const availabilityListSchema = itemsOf(availabilitySchema);

const accessHeaders = (access: AccessHeaders) => ({
  'x-purpose': encodeURIComponent(access.purpose),
  'x-operator': encodeURIComponent(access.operator),
});

export class DataCenterClient {
  readonly http: UpstreamClient;

  constructor(options: Omit<UpstreamClientOptions, 'upstream'>) {
    this.http = new UpstreamClient({ ...options, upstream: 'data-center' });
  }

  /** Records of the known persons; unknown ones are absent. */
  async persons(idNumbers: readonly string[], access: AccessHeaders): Promise<Person[]> {
    return this.query('/api/v1/persons/query', { idNumbers }, personsSchema, access, idNumbers.length);
  }

  /** Records of the known enterprises; unknown ones are absent. */
  async enterprises(creditCodes: readonly string[], access: AccessHeaders): Promise<Enterprise[]> {
    return this.query('/api/v1/enterprises/query', { creditCodes }, enterprisesSchema, access, creditCodes.length);
  }

  /**
   * Whether the center holds the dataset's record for each subject; `null`
   * when the center does not know the dataset at all.
   */
  async availability(dataset: string, subjectIds: readonly string[], access: AccessHeaders): Promise<Availability[] | null> {
    if (subjectIds.length === 0) return [];
    this.checkSize(subjectIds.length);
    const response = await this.http.send({
      method: 'POST',
      path: `/api/v1/datasets/${encodeURIComponent(dataset)}/availability`,
      headers: accessHeaders(access),
      body: { subjectIds },
      schema: availabilityListSchema,
      idempotent: true,
      answerStatuses: [404],
    });
    return response.data?.items ?? null;
  }

  async health(): Promise<void> {
    await this.http.get('/health', z.unknown());
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async query<T>(
    path: string,
    body: Record<string, readonly string[]>,
    schema: z.ZodType<{ items: T[] }>,
    access: AccessHeaders,
    count: number,
  ): Promise<T[]> {
    if (count === 0) return [];
    this.checkSize(count);
    const response = await this.http.send({ method: 'POST', path, headers: accessHeaders(access), body, schema, idempotent: true });
    return response.data!.items;
  }

  private checkSize(count: number) {
    if (count > SUBJECTS_PER_QUERY) throw new RangeError(`at most ${SUBJECTS_PER_QUERY} subjects per query`);
  }
}
