/**
 * Typed client of the e-certificate library (电子证照库). Every call carries
 * X-Purpose and X-Operator, as the library demands.
 */
import { z } from 'zod';
import { UpstreamClient, type UpstreamClientOptions } from '../http.ts';
import { itemsOf } from '../matter-registry/models.ts';
import { certificateSchema, type Certificate } from './models.ts';

/** The library takes at most this many holders in one search. */
export const HOLDERS_PER_SEARCH = 100;

const searchSchema = itemsOf(certificateSchema);

export interface AccessHeaders {
  /** Why the data is read, e.g. the topic code or application id. */
  purpose: string;
  /** The subject on whose behalf it is read. */
  operator: string;
}

const accessHeaders = (access: AccessHeaders) => ({
  // Header values must be ASCII: purposes are codes, operators are ID numbers.
  'x-purpose': encodeURIComponent(access.purpose),
  'x-operator': encodeURIComponent(access.operator),
});

export class ECertificatesClient {
  readonly http: UpstreamClient;

  constructor(options: Omit<UpstreamClientOptions, 'upstream'>) {
    this.http = new UpstreamClient({ ...options, upstream: 'e-certificates' });
  }

  /** Every certificate of the holders (valid or not), optionally of the given types only. */
  async search(holderIds: readonly string[], typeCodes: readonly string[] | undefined, access: AccessHeaders): Promise<Certificate[]> {
    if (holderIds.length === 0) return [];
    if (holderIds.length > HOLDERS_PER_SEARCH) throw new RangeError(`at most ${HOLDERS_PER_SEARCH} holders per search`);
    const response = await this.http.send({
      method: 'POST',
      path: '/api/v1/certificates/search',
      headers: accessHeaders(access),
      body: { holderIds, ...(typeCodes?.length ? { typeCodes } : {}) },
      schema: searchSchema,
      idempotent: true,
    });
    return response.data!.items;
  }

  /** One certificate by id, or `null` when the library has none. */
  async certificate(id: string, access: AccessHeaders): Promise<Certificate | null> {
    const response = await this.http.send({
      method: 'GET',
      path: `/api/v1/certificates/${encodeURIComponent(id)}`,
      headers: accessHeaders(access),
      schema: certificateSchema,
      answerStatuses: [404],
    });
    return response.data;
  }

  async health(): Promise<void> {
    await this.http.get('/health', z.unknown());
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
