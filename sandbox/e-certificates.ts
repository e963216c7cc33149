/**
 * Simulator of the e-certificate library (电子证照库). Its store is shared
 * with the approval simulators, which issue result certificates into it.
 */
import { z } from 'zod';
import type { Certificate } from '../connectors/e-certificates/models.ts';
import { requireAccessHeaders, requireBearer } from './access.ts';
import { HttpError, healthRoute, jsonReply, type Route } from './http.ts';

export class CertificateStore {
  readonly #byId = new Map<string, Certificate>();
  readonly #settlers: Array<() => void> = [];
  #serial = 0;

  constructor(certificates: readonly Certificate[]) {
    for (const certificate of certificates) this.#byId.set(certificate.id, certificate);
  }

  /**
   * Registers a hook run before every read. Approval simulators compute case
   * progress lazily, so they use it to issue the certificates of cases
   * approved by now before anyone looks.
   */
  addSettler(settle: () => void): void {
    this.#settlers.push(settle);
  }

  add(certificate: Certificate): void {
    this.#byId.set(certificate.id, certificate);
  }

  /** A number unique within this store, for building certificate numbers. */
  nextSerial(): number {
    this.#serial += 1;
    return this.#serial;
  }

  /** Every certificate of the holders, valid or not, optionally of the given types only. */
  search(holderIds: readonly string[], typeCodes?: readonly string[]): Certificate[] {
    this.#settle();
    const holders = new Set(holderIds);
    const types = typeCodes && new Set(typeCodes);
    return [...this.#byId.values()].filter(
      (certificate) => holders.has(certificate.holderId) && (!types || types.has(certificate.typeCode)),
    );
  }

  get(id: string): Certificate | undefined {
    this.#settle();
    return this.#byId.get(id);
  }

  #settle(): void {
    for (const settle of this.#settlers) settle();
  }
}

const searchSchema = z.object({
  holderIds: z.array(z.string()).min(1).max(100),
  typeCodes: z.array(z.string()).optional(),
});

export function eCertificateRoutes(store: CertificateStore, token: string): Route[] {
  return [
    healthRoute,
    {
      method: 'POST',
      path: '/api/v1/certificates/search',
      handle: (request) => {
        requireBearer(request, token);
        requireAccessHeaders(request);
        const { holderIds, typeCodes } = request.body(searchSchema);
        return jsonReply(200, { items: store.search(holderIds, typeCodes) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/certificates/:id',
      handle: (request) => {
        requireBearer(request, token);
        requireAccessHeaders(request);
        const certificate = store.get(request.params.id ?? '');
        if (!certificate) throw new HttpError(404, 'CERTIFICATE_NOT_FOUND', `No certificate with id ${request.params.id}`);
        return jsonReply(200, certificate);
      },
    },
  ];
}
