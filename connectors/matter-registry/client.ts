/**
 * Typed client of the provincial matter registry. One method per contract
 * operation; answers are parsed against the contract before they are returned.
 */
import { z } from 'zod';
import { UpstreamClient, type UpstreamClientOptions } from '../http.ts';
import {
  certificateTypeSchema,
  departmentSchema,
  itemsOf,
  matterSchema,
  topicSchema,
  topicSummarySchema,
  type CertificateType,
  type Department,
  type Matter,
  type Topic,
  type TopicSummary,
} from './models.ts';

/** The registry refuses more codes than this in one `GET /api/v1/matters`. */
export const MATTERS_PER_CALL = 50;

const departmentsSchema = itemsOf(departmentSchema);
const certificateTypesSchema = itemsOf(certificateTypeSchema);
const topicSummariesSchema = itemsOf(topicSummarySchema);
const mattersSchema = itemsOf(matterSchema);
const healthSchema = z.unknown();

export class MatterRegistryClient {
  readonly http: UpstreamClient;

  constructor(options: Omit<UpstreamClientOptions, 'upstream'>) {
    this.http = new UpstreamClient({ ...options, upstream: 'matter-registry' });
  }

  async departments(): Promise<Department[]> {
    return (await this.http.get('/api/v1/departments', departmentsSchema)).items;
  }

  async certificateTypes(): Promise<CertificateType[]> {
    return (await this.http.get('/api/v1/certificate-types', certificateTypesSchema)).items;
  }

  async topics(region?: string): Promise<TopicSummary[]> {
    return (await this.http.get('/api/v1/topics', topicSummariesSchema, { region })).items;
  }

  /** The full topic, or `null` when the registry does not know the code. */
  async topic(code: string): Promise<Topic | null> {
    const response = await this.http.send({
      method: 'GET',
      path: `/api/v1/topics/${encodeURIComponent(code)}`,
      schema: topicSchema,
      answerStatuses: [404],
    });
    return response.data;
  }

  /** Matters by code, at most {@link MATTERS_PER_CALL}; unknown codes are simply absent. */
  async matters(codes: readonly string[]): Promise<Matter[]> {
    if (codes.length === 0) return [];
    if (codes.length > MATTERS_PER_CALL) {
      throw new RangeError(`at most ${MATTERS_PER_CALL} matter codes per call, got ${codes.length}`);
    }
    return (await this.http.get('/api/v1/matters', mattersSchema, { codes: codes.join(',') })).items;
  }

  async health(): Promise<void> {
    await this.http.get('/health', healthSchema);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
