/**
 * Per-request loader of cases as the departments' approval systems see them
 * now: every case asked for in one tick is read with one
 * `GET /api/v1/cases?ids=` per department (at most 100 ids per call).
 * Build one per GraphQL request, so a status is never served from another
 * request's cache.
 */
import DataLoader from 'dataloader';
import { groupBy } from '../../lib/collections.ts';
import type { ApprovalClients } from './client.ts';
import type { ApprovalDirectory } from './endpoint.ts';
import type { Case } from './models.ts';

/** A case in a department's system. */
export interface RemoteCaseRef {
  departmentCode: string;
  /** The department's case id (`cases.remote_case_id`). */
  remoteCaseId: string;
}

export interface ApprovalLoaders {
  /**
   * The case as the department's system has it; `null` when the department
   * has no approval system registered or does not know the case. A
   * department that fails makes the load of its keys reject with the
   * upstream error (other departments' keys are unaffected).
   */
  caseStatus: DataLoader<RemoteCaseRef, Case | null, string>;
}

const refKey = (ref: RemoteCaseRef) => `${ref.departmentCode}\u0000${ref.remoteCaseId}`;

export function createApprovalLoaders(directory: ApprovalDirectory, clients: ApprovalClients): ApprovalLoaders {
  const caseStatus = new DataLoader<RemoteCaseRef, Case | null, string>(
    async (refs) => {
      const answers = new Map<string, Case | Error>();
      await Promise.all(
        [...groupBy(refs, (ref) => ref.departmentCode)].map(async ([departmentCode, group]) => {
          const ids = group.map((ref) => ref.remoteCaseId);
          try {
            const endpoint = await directory.forDepartment(departmentCode);
            if (!endpoint) return;
            for (const found of await clients.for(endpoint).getCases(ids)) {
              answers.set(refKey({ departmentCode, remoteCaseId: found.caseId }), found);
            }
          } catch (error) {
            const failure = error instanceof Error ? error : new Error(String(error));
            for (const id of ids) answers.set(refKey({ departmentCode, remoteCaseId: id }), failure);
          }
        }),
      );
      return refs.map((ref) => answers.get(refKey(ref)) ?? null);
    },
    { cacheKeyFn: refKey },
  );
  return { caseStatus };
}
